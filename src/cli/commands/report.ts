import { INSTANCE_TYPES_HELP } from '../instance.js';
import { loadConfig } from '../../config.js';
import { quantityMilli, quantityValue } from '../../cluster/quantity.js';
import { buildReport } from '../../report/headroom.js';
import { OUTPUT_OPTION, outputFormat, parseFlags, UsageError } from '../args.js';
import { EXIT_OK, printable, writeJson, type CliIo } from '../io.js';
import { liveClusterModel } from '../live.js';
import { reportText } from '../report-text.js';
import { STATE_OPTIONS, hasStateFlags, loadState, type StateFlags } from '../state-flags.js';

export const REPORT_USAGE = `ipguard report [--snapshot DIR | --cluster FILE ... --subnets FILE [--instance-types FILE]
    [--network-interfaces FILE]] [--pod-cpu Q --pod-memory Q] [--nodes] [--cluster-name NAME]
    [--describe-network-interfaces] [--output text|json]
  Headroom per subnet and node group: free addresses, addresses held versus used per node (the idle warm
  pool), runway for a typical pod, and the CNI settings that would free idle addresses. Without files it
  reads the live cluster and EC2, as ipguard snapshot does. --cluster takes kubectl get -o json|yaml output
  or kubectl cluster-info dump output (what it prints, or its --output-directory); an object (kind,
  namespace, name) in several files counts once: the later file wins. What the files do not describe
  (nodes in no listed subnet, types in neither the file nor the table) heads the report.
${INSTANCE_TYPES_HELP}`;

function podFlags(cpuText: string | undefined, memText: string | undefined) {
  if (cpuText === undefined && memText === undefined) return undefined;
  const cpuMilli = cpuText === undefined ? 0 : quantityMilli(cpuText);
  const memoryBytes = memText === undefined ? 0 : quantityValue(memText);
  if (cpuMilli === undefined || cpuMilli < 0)
    throw new UsageError(
      `--pod-cpu: expected a quantity such as 250m or 1, got ${JSON.stringify(cpuText)}`,
    );
  if (memoryBytes === undefined || memoryBytes < 0)
    throw new UsageError(
      `--pod-memory: expected a quantity such as 512Mi, got ${JSON.stringify(memText)}`,
    );
  return { cpuMilli, memoryBytes };
}

export async function reportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v } = parseFlags(argv, {
    ...STATE_OPTIONS,
    ...OUTPUT_OPTION,
    'pod-cpu': { type: 'string' },
    'pod-memory': { type: 'string' },
    nodes: { type: 'boolean' },
    'cluster-name': { type: 'string' },
    'describe-network-interfaces': { type: 'boolean' },
  });
  const format = outputFormat(v.output);
  const pod = podFlags(v['pod-cpu'], v['pod-memory']);
  const flags: StateFlags = v;
  // Files or live, the subnet table takes the cluster tag the same way the live state does. The whole
  // configuration is read only when the flag does not say, so files need no valid IPGUARD_* settings.
  const clusterName = v['cluster-name'] ?? loadConfig(io.env).clusterName;
  const { model, source } = hasStateFlags(flags)
    ? {
        model: await loadState(flags),
        source: v.snapshot !== undefined ? `snapshot ${v.snapshot}` : (v.cluster ?? []).join(', '),
      }
    : await liveClusterModel(io, {
        networkInterfaces: v['describe-network-interfaces'],
        clusterName,
      });
  const report = buildReport(model, {
    nowMs: Date.now(),
    ...(pod && { pod }),
    ...(clusterName !== undefined && { clusterName }),
  });
  if (format === 'json') writeJson(io, { source, ...report });
  else io.out(printable(reportText(report, source, v.nodes === true)));
  return EXIT_OK;
}
