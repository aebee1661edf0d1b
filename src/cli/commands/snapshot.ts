import { rmSync } from 'node:fs';
import { loadConfig } from '../../config.js';
import { snapshotPartialFiles, writeSnapshot } from '../../state/snapshot-writer.js';
import { OUTPUT_OPTION, outputFormat, parseFlags, requireFlag } from '../args.js';
import { EXIT_OK, writeJson, type CliIo } from '../io.js';
import { cliLogger, liveClients, liveFailure } from '../live.js';

export const SNAPSHOT_USAGE = `ipguard snapshot --out DIR [--network-interfaces] [--cluster-name NAME] [--output text|json]
  Write the live cluster (kubeconfig or in-cluster) and EC2 (AWS SDK default chain, AWS_REGION,
  AWS_ENDPOINT_URL_EC2) as the files --snapshot reads: cluster.json, subnets.json, instance-types.json and,
  with --network-interfaces, network-interfaces.json. Then: ipguard check --snapshot DIR -f FILE.`;

/**
 * Ctrl-C (or a SIGTERM) in the middle of a long capture ends the process before the writer can clean up:
 * remove its partial files first, then die of the same signal, as the shell expects.
 */
function removePartialsOnSignal(dir: string): () => void {
  const on = (signal: NodeJS.Signals): void => {
    stop();
    for (const f of snapshotPartialFiles(dir)) rmSync(f, { force: true });
    process.kill(process.pid, signal);
  };
  const stop = (): void => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return stop;
}

export async function snapshotCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v } = parseFlags(argv, {
    ...OUTPUT_OPTION,
    out: { type: 'string' },
    'network-interfaces': { type: 'boolean' },
    'cluster-name': { type: 'string' },
  });
  const format = outputFormat(v.output);
  const dir = requireFlag('out', v.out, 'the folder to write the snapshot to');
  const config = loadConfig(io.env);
  const clients = liveClients(io);
  // Warnings only, unless IPGUARD_LOG_LEVEL asks for more: the summary is the output.
  const log = cliLogger(io, io.env.IPGUARD_LOG_LEVEL === undefined ? 'warn' : config.logLevel);
  const clusterName = v['cluster-name'] ?? config.clusterName;
  const stopRemovingPartials = removePartialsOnSignal(dir);
  try {
    const written = await writeSnapshot(dir, {
      transport: clients.transport,
      ec2: clients.ec2,
      networkInterfaces: v['network-interfaces'] ?? config.describeNetworkInterfaces,
      log,
      ...(clusterName !== undefined && { clusterName }),
    }).catch((err: unknown) => {
      throw liveFailure(err, clients);
    });
    const c = written.capture;
    const objects = Object.fromEntries(
      c.counts.filter(x => !x.absent).map(x => [x.resource.kind, x.items]),
    );
    const summary = {
      dir,
      files: written.files,
      cluster: clients.description,
      objects,
      absent: c.counts.filter(x => x.absent).map(x => x.resource.plural),
      skipped: c.skipped.length,
      subnets: c.selectedSubnets.length,
      instanceTypes: c.instanceTypes.raw.length,
      unknownInstanceTypes: c.instanceTypes.unknown,
      ...(c.networkInterfaces && { networkInterfaces: c.networkInterfaces.raw.length }),
      ec2Calls: clients.calls.total,
    };
    if (format === 'json') {
      writeJson(io, summary);
      return EXIT_OK;
    }
    const kinds = Object.entries(objects)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    io.out(
      [
        `wrote ${dir} from ${clients.description}:`,
        `  cluster.json              ${kinds}${summary.absent.length > 0 ? ` (not installed: ${summary.absent.join(', ')})` : ''}`,
        `  subnets.json              ${summary.subnets} subnets`,
        `  instance-types.json       ${summary.instanceTypes} instance types${summary.unknownInstanceTypes.length > 0 ? ` (unknown to EC2: ${summary.unknownInstanceTypes.join(', ')})` : ''}`,
        ...(summary.networkInterfaces !== undefined
          ? [`  network-interfaces.json   ${summary.networkInterfaces} network interfaces`]
          : []),
        ...(summary.skipped > 0
          ? [
              `  ${summary.skipped} objects could not be read and are left out of cluster.json (see the warnings)`,
            ]
          : []),
        `${summary.ec2Calls} EC2 calls. Check a change offline: ipguard check --snapshot ${dir} -f FILE`,
        '',
      ].join('\n'),
    );
    return EXIT_OK;
  } finally {
    stopRemovingPartials();
    clients.close();
  }
}
