import { runCli } from '../../src/cli/run.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The ipguard command in-process, with its output captured. */
export async function ipguard(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    out: t => (out += t),
    err: t => (err += t),
    env,
  });
  return { code, out, err };
}
