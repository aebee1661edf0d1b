import type { EniMaxPodsRow } from './fixtures.js';

/**
 * A reference-table row as `aws ec2 describe-instance-types --output json` prints it, so tests go through
 * the same parser users' files do. Multi-card types get a second card with more ENIs, which the CNI ignores.
 */
export function describeInstanceTypesEntry(row: EniMaxPodsRow): Record<string, unknown> {
  const cards = [
    { NetworkCardIndex: 0, MaximumNetworkInterfaces: row.maxEnis, BaselineBandwidthInGbps: 10 },
  ];
  const multiCard = (row.networkCards ?? 1) > 1;
  if (multiCard) {
    for (let i = 1; i < (row.networkCards ?? 1); i++) {
      cards.push({
        NetworkCardIndex: i,
        MaximumNetworkInterfaces: row.maxEnis,
        BaselineBandwidthInGbps: 10,
      });
    }
  }
  return {
    InstanceType: row.instanceType,
    CurrentGeneration: true,
    ...(row.vcpus !== undefined && {
      VCpuInfo: {
        DefaultVCpus: row.vcpus,
        DefaultCores: Math.max(1, row.vcpus / 2),
        DefaultThreadsPerCore: 2,
      },
    }),
    MemoryInfo: { SizeInMiB: 8192 },
    Hypervisor: row.pdCapable === 1 ? 'nitro' : 'xen',
    BareMetal: false,
    NetworkInfo: {
      NetworkPerformance: 'Up to 10 Gigabit',
      MaximumNetworkInterfaces: row.maxEnis * (row.networkCards ?? 1),
      MaximumNetworkCards: row.networkCards ?? 1,
      DefaultNetworkCardIndex: 0,
      NetworkCards: cards,
      Ipv4AddressesPerInterface: row.ipv4PerEni,
      Ipv6AddressesPerInterface: row.ipv4PerEni,
      Ipv6Supported: true,
      EnaSupport: 'required',
      EfaSupported: false,
      EncryptionInTransitSupported: false,
    },
  };
}
