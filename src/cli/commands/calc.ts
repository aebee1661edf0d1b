import { MAX_MODELLED_PODS, nodeAddresses } from '../../cni/node-addresses.js';

/** Branch ENIs per node are in the tens; past this a flag is a typo. */
const MAX_BRANCH_PODS = 10_000;
import { parseCniSettings, describeCniSettings } from '../../cni/settings.js';
import { eksMaxPods } from '../../cni/max-pods.js';
import { poolReason } from '../../cni/explain.js';
import { prefixDelegationEffective } from '../../cni/instance-limits.js';
import {
  OUTPUT_OPTION,
  cniFlags,
  intFlag,
  outputFormat,
  parseFlags,
  requireFlag,
} from '../args.js';
import {
  INSTANCE_TYPES_HELP,
  INSTANCE_OPTIONS,
  describeInstance,
  instanceLimitsFromFlags,
} from '../instance.js';
import { EXIT_OK, writeJson, type CliIo } from '../io.js';

export const CALC_USAGE = `ipguard calc (--instance-type T [--instance-types FILE] | --max-enis N --ipv4-per-eni N)
    --pods N [--branch-pods N] [--max-pods N] [--cni KEY=VALUE ...] [--output text|json]
  One node's VPC CNI arithmetic: the steady state of a fresh node holding these pods.
${INSTANCE_TYPES_HELP}`;

export async function calcCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v } = parseFlags(argv, {
    ...INSTANCE_OPTIONS,
    ...OUTPUT_OPTION,
    pods: { type: 'string' },
    'branch-pods': { type: 'string' },
    'max-pods': { type: 'string' },
    cni: { type: 'string', multiple: true },
  });
  const format = outputFormat(v.output);
  const env = cniFlags(v.cni);
  const pods = requireFlag(
    'pods',
    intFlag('pods', v.pods, 0, MAX_MODELLED_PODS),
    'pods on the node that take an address from the pool',
  );
  const branchPods = intFlag('branch-pods', v['branch-pods'], 0, MAX_BRANCH_PODS) ?? 0;
  const limits = await instanceLimitsFromFlags(v);
  const { settings, fallbacks } = parseCniSettings(env);
  const maxPods =
    intFlag('max-pods', v['max-pods'], 1, MAX_MODELLED_PODS) ??
    eksMaxPods(limits, {
      prefixDelegation: settings.prefixDelegation,
      customNetworking: settings.customNetworking,
      ...(settings.maxEni !== undefined && { maxEni: settings.maxEni }),
    });
  const a = nodeAddresses({ limits, settings, maxPods, pods, branchPods });
  for (const f of fallbacks) io.err(`warning: ${f}\n`);

  if (format === 'json') {
    writeJson(io, { enis: a.enis, ips: a.ips, poolIps: a.poolIps, prefixes: a.prefixes, maxPods });
    return EXIT_OK;
  }
  const secondaryIps = a.secondaryEniIps.reduce((x, y) => x + y, 0);
  const pd = prefixDelegationEffective(limits, settings.prefixDelegation);
  const lines = [
    `${describeInstance(limits)}, ${describeCniSettings(settings)}`,
    `${pods} pods${branchPods > 0 ? ` + ${branchPods} branch-ENI pods` : ''}, max pods ${maxPods}`,
    '',
    `  ENIs attached       ${a.enis}${a.trunkIps > 0 ? ' (one is the trunk)' : ''}`,
    `  pool addresses      ${a.poolIps}  (${a.podsWithIp} used, ${a.idleIps} idle)`,
    `  /28 prefixes        ${a.prefixes}${settings.prefixDelegation && !pd ? '  (prefix delegation needs a Nitro type)' : ''}`,
    `  subnet addresses    ${a.ips}  = ${a.enis} ENI primaries + ${a.poolIps} pool${a.branchIps > 0 ? ` + ${a.branchIps} branch ENIs` : ''}`,
  ];
  if (settings.customNetworking) {
    lines.push(
      `    node subnet       ${a.primaryEniIps}  (the node's own address)`,
      `    ENIConfig subnet  ${secondaryIps + a.trunkIps + a.branchIps}`,
    );
  }
  lines.push(`  why: ${poolReason(a, settings, limits, maxPods)}`);
  if (a.podsWithoutIp > 0)
    lines.push(`  ${a.podsWithoutIp} pods would never get an address on this node`);
  io.out(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
