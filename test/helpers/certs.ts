import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo.js';

export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly ca: Buffer;
}

/**
 * A CA and a serving certificate made by the project's own certs/gen.sh (the one operators run), with
 * --local so localhost and 127.0.0.1 are named beside the in-cluster Service names, in `dir` (a
 * tempDir(t, 'pki') in tests, so the keys go when the test ends).
 */
export function makePki(dir: string): TestPki {
  const out = join(dir, 'out');
  execFileSync(
    'bash',
    [join(repoRoot(), 'certs', 'gen.sh'), '--out', out, '--local', '--days', '2'],
    { stdio: 'pipe' },
  );
  return {
    dir,
    caFile: join(out, 'ca.crt'),
    certFile: join(out, 'tls.crt'),
    keyFile: join(out, 'tls.key'),
    ca: readFileSync(join(out, 'ca.crt')),
  };
}
