import { InputError } from '../errors.js';
import { calcCommand, CALC_USAGE } from './commands/calc.js';
import { maxPodsCommand, MAX_PODS_USAGE } from './commands/max-pods.js';
import { checkCommand, CHECK_USAGE } from './commands/check.js';
import { serveCommand, SERVE_USAGE } from './commands/serve.js';
import { reportCommand, REPORT_USAGE } from './commands/report.js';
import { snapshotCommand, SNAPSHOT_USAGE } from './commands/snapshot.js';
import { EXIT_BAD_INPUT, EXIT_OK, printable, type CliIo } from './io.js';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  calc: { run: calcCommand, usage: CALC_USAGE },
  'max-pods': { run: maxPodsCommand, usage: MAX_PODS_USAGE },
  check: { run: checkCommand, usage: CHECK_USAGE },
  serve: { run: serveCommand, usage: SERVE_USAGE },
  report: { run: reportCommand, usage: REPORT_USAGE },
  snapshot: { run: snapshotCommand, usage: SNAPSHOT_USAGE },
};

function usage(): string {
  return [
    'ipguard: keep EKS subnets from running out of IPv4 addresses',
    '',
    ...Object.values(COMMANDS).map(c => c.usage),
    '',
    'Exit status: 0 allowed / success, 1 denied, 2 bad usage or bad input.',
  ].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(`${usage()}\n`);
    return name === undefined ? EXIT_BAD_INPUT : EXIT_OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(
      `ipguard: unknown command ${JSON.stringify(name)} (try: ${Object.keys(COMMANDS).join(', ')})\n`,
    );
    return EXIT_BAD_INPUT;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`ipguard ${name}: ${printable(err.message.replace(/\s*\n\s*/g, ' '))}\n`);
      return EXIT_BAD_INPUT;
    }
    throw err;
  }
}
