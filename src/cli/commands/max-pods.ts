import { eksMaxPods } from '../../cni/max-pods.js';
import { OUTPUT_OPTION, outputFormat, parseFlags, intFlag, UsageError } from '../args.js';
import { INSTANCE_TYPES_HELP, INSTANCE_OPTIONS, instanceLimitsFromFlags } from '../instance.js';
import { MAX_INSTANCE_FIELD } from '../../cluster/aws/instance-types.js';
import { EXIT_OK, writeJson, type CliIo } from '../io.js';

export const MAX_PODS_USAGE = `ipguard max-pods (--instance-type T [--instance-types FILE] | --max-enis N --ipv4-per-eni N [--vcpus N])
    [--cni-prefix-delegation-enabled] [--cni-custom-networking-enabled] [--cni-max-eni N]
    [--cni-version X.Y.Z] [--show-max-allowed] [--output text|json]
  The EKS max-pods figure, as amazon-eks-ami's max-pods-calculator.sh computes it.
${INSTANCE_TYPES_HELP}`;

/** Prefix delegation arrived in VPC CNI 1.9.0; the calculator ignores the flag for older versions. */
function cniSupportsPrefixes(version: string | undefined): boolean {
  if (version === undefined) return true;
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!m)
    throw new UsageError(
      `--cni-version: expected a version such as 1.18.0, got ${JSON.stringify(version)}`,
    );
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 1 || (major === 1 && minor >= 9);
}

export async function maxPodsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v } = parseFlags(argv, {
    ...INSTANCE_OPTIONS,
    ...OUTPUT_OPTION,
    'cni-prefix-delegation-enabled': { type: 'boolean' },
    'cni-custom-networking-enabled': { type: 'boolean' },
    'cni-max-eni': { type: 'string' },
    'cni-version': { type: 'string' },
    'show-max-allowed': { type: 'boolean' },
  });
  const format = outputFormat(v.output);
  const limits = await instanceLimitsFromFlags(v);
  const maxEni = intFlag('cni-max-eni', v['cni-max-eni'], 1, MAX_INSTANCE_FIELD);
  const maxPods = eksMaxPods(limits, {
    prefixDelegation:
      v['cni-prefix-delegation-enabled'] === true && cniSupportsPrefixes(v['cni-version']),
    customNetworking: v['cni-custom-networking-enabled'] === true,
    ...(maxEni !== undefined && { maxEni }),
    showMaxAllowed: v['show-max-allowed'] === true,
  });
  if (format === 'json') writeJson(io, { maxPods });
  else io.out(`${maxPods}\n`);
  return EXIT_OK;
}
