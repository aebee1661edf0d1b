import { readSingleDocument } from '../files/documents.js';
import { MAX_INSTANCE_FIELD, parseInstanceTypes } from '../cluster/aws/instance-types.js';
import type { InstanceLimits } from '../cni/instance-limits.js';
import { InstanceCatalog } from '../cni/instance-catalog.js';
import { BUILTIN_INSTANCE_LIMITS_SOURCE } from '../cni/builtin-instance-limits.js';
import { intFlag, UsageError } from './args.js';

const { limits: upstream } = BUILTIN_INSTANCE_LIMITS_SOURCE;
/** Where the bundled table comes from, for --help and errors. */
export const BUILTIN_TABLE = `${upstream.repository} ${upstream.path} at ${upstream.commit.slice(0, 12)}`;

export const INSTANCE_TYPES_HELP = `  Instance limits come from the VPC CNI's own table, bundled (${BUILTIN_TABLE};
  refreshed with scripts/gen-instance-limits.ts); --instance-types FILE or EC2 overrides it per type.`;

export const INSTANCE_OPTIONS = {
  'instance-type': { type: 'string' },
  'instance-types': { type: 'string' },
  'max-enis': { type: 'string' },
  'ipv4-per-eni': { type: 'string' },
  vcpus: { type: 'string' },
} as const;

interface InstanceFlags {
  'instance-type'?: string | undefined;
  'instance-types'?: string | undefined;
  'max-enis'?: string | undefined;
  'ipv4-per-eni'?: string | undefined;
  vcpus?: string | undefined;
}

/** More vCPUs than any instance type has (the largest have hundreds). */
const MAX_VCPUS = 100_000;

/** Instance limits from `--instance-type T --instance-types FILE` or from explicit numbers. */
export async function instanceLimitsFromFlags(v: InstanceFlags): Promise<InstanceLimits> {
  const type = v['instance-type'];
  if (type !== undefined) {
    const file = v['instance-types'];
    const described =
      file === undefined
        ? new Map<string, InstanceLimits>()
        : parseInstanceTypes(await readSingleDocument(file), file);
    const limits = new InstanceCatalog(described).get(type);
    if (!limits) {
      throw new UsageError(
        `--instance-type: ${type} is ${file === undefined ? '' : `not in ${file} and `}not in the VPC CNI's instance limits table (${BUILTIN_TABLE}); give its limits with --instance-types FILE (aws ec2 describe-instance-types --instance-types ${type} --output json)`,
      );
    }
    const vcpus = intFlag('vcpus', v.vcpus, 1, MAX_VCPUS);
    return vcpus === undefined ? limits : { ...limits, vcpus };
  }
  const maxEnis = intFlag('max-enis', v['max-enis'], 1, MAX_INSTANCE_FIELD);
  const ipv4PerEni = intFlag('ipv4-per-eni', v['ipv4-per-eni'], 2, MAX_INSTANCE_FIELD);
  if (maxEnis === undefined || ipv4PerEni === undefined) {
    throw new UsageError(
      'give the instance as --instance-type T [--instance-types FILE], or as --max-enis N --ipv4-per-eni N',
    );
  }
  const vcpus = intFlag('vcpus', v.vcpus, 1, MAX_VCPUS);
  return { maxEnis, ipv4PerEni, ...(vcpus !== undefined && { vcpus }) };
}

export function describeInstance(l: InstanceLimits): string {
  const name = l.instanceType ?? 'instance';
  return `${name} (${l.maxEnis} ENIs x ${l.ipv4PerEni} IPv4${l.vcpus === undefined ? '' : `, ${l.vcpus} vCPUs`})`;
}
