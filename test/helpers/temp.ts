import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whoever runs the removal: a test's context `t`, or node:test's file-wide hook as `{ after }`. */
export interface TempDirOwner {
  after(fn: () => void): void;
}

/**
 * A fresh `ipguard-<prefix>-XXXXXX` directory in the OS temp dir, removed with everything in it when
 * its owner ends, passed or failed. Registering the removal in the same call that makes the directory
 * is what keeps `npm test` from filling a user's or CI machine's /tmp: no test can forget it.
 */
export function tempDir(owner: TempDirOwner, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ipguard-${prefix}-`));
  owner.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
