import { join } from 'node:path';
import { runCli } from '../../src/cli/run.js';
import { repoRoot } from './repo.js';

export const REPO = repoRoot();
export const EXAMPLE = join(REPO, 'examples', 'bluegreen');

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Run the CLI in-process, as `ipguard <argv>` would, capturing what it writes. */
export async function cli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: t => (out += t), err: t => (err += t), env });
  return { code, out, err };
}

/** The same, under the name the live-state tests use. */
export const ipguard = cli;
