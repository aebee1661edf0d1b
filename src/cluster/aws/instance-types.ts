import { fieldPath, inputError } from '../../errors.js';
import type { InstanceLimits } from '../../cni/instance-limits.js';
import { isRecord, optionalPositiveInt, positiveInt, requireString } from '../fields.js';

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
  doc.InstanceTypes.forEach((entry: unknown, i: number) => {
    const limits = instanceLimitsFromEc2(entry, source, fieldPath('InstanceTypes', i));
    if (limits.instanceType !== undefined) byType.set(limits.instanceType, limits);
  });
  return byType;
}

/** One DescribeInstanceTypes entry (the CLI's PascalCase JSON, which is also the SDK's shape). */
export function instanceLimitsFromEc2(entry: unknown, source: string, at: string): InstanceLimits {
  if (!isRecord(entry)) throw inputError(source, at, 'expected an object');
  const instanceType = requireString(entry, 'InstanceType', source, at);
  const netAt = fieldPath(at, 'NetworkInfo');
  const net = entry.NetworkInfo;
  if (!isRecord(net)) throw inputError(source, netAt, 'missing');
  const ipv4PerEni = positiveInt(net, 'Ipv4AddressesPerInterface', source, netAt);
  const maxEnis = defaultCardEnis(net, source, netAt);
  const vcpu = entry.VCpuInfo;
  const vcpus = isRecord(vcpu)
    ? optionalPositiveInt(vcpu, 'DefaultVCpus', source, fieldPath(at, 'VCpuInfo'))
    : undefined;
  const memory = entry.MemoryInfo;
  const memoryMiB = isRecord(memory)
    ? optionalPositiveInt(memory, 'SizeInMiB', source, fieldPath(at, 'MemoryInfo'))
    : undefined;
  const nitro = entry.Hypervisor === 'nitro';
  const bareMetal = entry.BareMetal === true;
  return {
    instanceType,
    maxEnis,
    ipv4PerEni,
    ...(vcpus !== undefined && { vcpus }),
    ...(memoryMiB !== undefined && { memoryMiB }),
    nitro,
    prefixDelegationSupported: nitro || bareMetal,
  };
}

/**
 * ENIs of the default network card: the VPC CNI and the max-pods calculator count card 0 only
 * (scripts/gen_vpc_ip_limits.go); MaximumNetworkInterfaces is the total over all cards.
 */
function defaultCardEnis(net: Record<string, unknown>, source: string, at: string): number {
  const cards = net.NetworkCards;
  if (Array.isArray(cards) && cards.length > 0) {
    const defaultIndex =
      typeof net.DefaultNetworkCardIndex === 'number' ? net.DefaultNetworkCardIndex : 0;
    const i = cards.findIndex(c => isRecord(c) && (c.NetworkCardIndex ?? 0) === defaultIndex);
    const card: unknown = cards[i];
    if (isRecord(card)) {
      return positiveInt(
        card,
        'MaximumNetworkInterfaces',
        source,
        fieldPath(fieldPath(at, 'NetworkCards'), i),
      );
    }
  }
  return positiveInt(net, 'MaximumNetworkInterfaces', source, at);
}
