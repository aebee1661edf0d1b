import { InputError } from '../errors.js';
import { EXIT_BAD_INPUT, EXIT_OK, printable, type CliIo } from './io.js';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

interface CommandModule {
  readonly run: Command;
  readonly usage: string;
}

/**
 * Each command's code is loaded when that command runs: the Kubernetes and AWS clients take about
 * 110 MiB resident once loaded, and `serve --snapshot` (or `calc`) never needs them.
 */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  calc: async () => {
    const m = await import('./commands/calc.js');
    return { run: m.calcCommand, usage: m.CALC_USAGE };
  },
  'max-pods': async () => {
    const m = await import('./commands/max-pods.js');
    return { run: m.maxPodsCommand, usage: m.MAX_PODS_USAGE };
  },
  check: async () => {
    const m = await import('./commands/check.js');
    return { run: m.checkCommand, usage: m.CHECK_USAGE };
  },
  serve: async () => {
    const m = await import('./commands/serve.js');
    return { run: m.serveCommand, usage: m.SERVE_USAGE };
  },
  report: async () => {
    const m = await import('./commands/report.js');
    return { run: m.reportCommand, usage: m.REPORT_USAGE };
  },
  snapshot: async () => {
    const m = await import('./commands/snapshot.js');
    return { run: m.snapshotCommand, usage: m.SNAPSHOT_USAGE };
  },
};

async function usage(): Promise<string> {
  const modules = await Promise.all(Object.values(COMMANDS).map(load => load()));
  return [
    'ipguard: keep EKS subnets from running out of IPv4 addresses',
    '',
    ...modules.map(c => c.usage),
    '',
    'Exit status: 0 allowed / success, 1 denied, 2 bad usage or bad input.',
  ].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(`${await usage()}\n`);
    return name === undefined ? EXIT_BAD_INPUT : EXIT_OK;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.err(
      `ipguard: unknown command ${JSON.stringify(name)} (try: ${Object.keys(COMMANDS).join(', ')})\n`,
    );
    return EXIT_BAD_INPUT;
  }
  const command = await load();
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
