import { inputError } from '../../errors.js';
import type { InstanceLimits } from '../../cni/instance-limits.js';
import { isRecord } from '../fields.js';
import { Reader } from '../reader.js';

/**
 * Instance limits from what `aws ec2 describe-instance-types --output json` prints
 * (`{"InstanceTypes": [...]}`), keyed by instance type.
 */
export function parseInstanceTypes(doc: unknown, source: string): Map<string, InstanceLimits> {
  if (!isRecord(doc) || !Array.isArray(doc.InstanceTypes)) {
    throw inputError(
      source,
      'InstanceTypes',
      'expected the output of `aws ec2 describe-instance-types --output json`',
    );
  }
  const byType = new Map<string, InstanceLimits>();
  for (const entry of new Reader(doc, source, '').list('InstanceTypes')) {
    const limits = instanceLimitsFromEc2(entry);
    if (limits.instanceType !== undefined) byType.set(limits.instanceType, limits);
  }
  return byType;
}

/**
 * ENIs or addresses per ENI past this are not an instance type but a typo or a hostile file (the largest
 * real figures are in the tens).
 */
export const MAX_INSTANCE_FIELD = 1000;

/** One DescribeInstanceTypes entry (the CLI's PascalCase JSON, which is also the SDK's shape). */
export function instanceLimitsFromEc2(entry: Reader): InstanceLimits {
  const instanceType = entry.requireString('InstanceType');
  const net = entry.child('NetworkInfo');
  if (!net) throw entry.fail('NetworkInfo', 'missing');
  const ipv4PerEni = net.positiveInt('Ipv4AddressesPerInterface', MAX_INSTANCE_FIELD);
  const maxEnis = defaultCardEnis(net);
  const vcpus = entry.child('VCpuInfo')?.int('DefaultVCpus');
  const memoryMiB = entry.child('MemoryInfo')?.int('SizeInMiB');
  const nitro = entry.string('Hypervisor') === 'nitro';
  const arches = entry.child('ProcessorInfo')?.strings('SupportedArchitectures') ?? [];
  // The first architecture Kubernetes knows, as Karpenter's getArchitecture takes it.
  const architecture = arches
    .map(a => (a === 'x86_64' ? 'amd64' : a === 'arm64' ? 'arm64' : undefined))
    .find(a => a !== undefined);
  const bareMetal = entry.bool('BareMetal') === true;
  return {
    instanceType,
    maxEnis,
    ipv4PerEni,
    ...(vcpus !== undefined && vcpus > 0 && { vcpus }),
    ...(memoryMiB !== undefined && memoryMiB > 0 && { memoryMiB }),
    ...(architecture !== undefined && { architecture }),
    nitro,
    prefixDelegationSupported: nitro || bareMetal,
  };
}

/**
 * ENIs of the default network card: the VPC CNI and the max-pods calculator count card 0 only
 * (scripts/gen_vpc_ip_limits.go); MaximumNetworkInterfaces is the total over all cards.
 */
function defaultCardEnis(net: Reader): number {
  const cards = net.list('NetworkCards');
  if (cards.length > 0) {
    const defaultIndex = net.int('DefaultNetworkCardIndex') ?? 0;
    const card = cards.find(c => (c.int('NetworkCardIndex') ?? 0) === defaultIndex);
    if (card) return card.positiveInt('MaximumNetworkInterfaces', MAX_INSTANCE_FIELD);
  }
  return net.positiveInt('MaximumNetworkInterfaces', MAX_INSTANCE_FIELD);
}
