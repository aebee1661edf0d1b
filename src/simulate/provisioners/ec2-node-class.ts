import type { InstanceLimits } from '../../cni/instance-limits.js';
import type { Ec2NodeClass } from '../../cluster/model.js';
import { architectureOf } from './instance-labels.js';
import { MiB, type TypeCapacity } from './type-capacity.js';

/**
 * Capacity and overhead of an instance type under an EC2NodeClass, as Karpenter's AWS provider computes
 * them (aws/karpenter-provider-aws pkg/providers/instancetype/types.go @1d927085: pods, ENILimitedPods,
 * memory, kubeReservedResources, evictionThreshold; amifamily FeatureFlags).
 */

/** --vm-memory-overhead-percent / VM_MEMORY_OVERHEAD_PERCENT default (pkg/operator/options/options.go). */
export const VM_MEMORY_OVERHEAD_PERCENT = 0.075;
/** evictionThreshold's default memory.available. */
const EVICTION_HARD_MEMORY_BYTES = 100 * MiB;
/** kubeReservedResources: 11 MiB per pod plus 255 MiB. */
const KUBE_RESERVED_MIB_PER_POD = 11;
const KUBE_RESERVED_MIB_BASE = 255;
/** Pods when the AMI family has no ENI-limited density (Windows). */
const DEFAULT_PODS = 110;

interface FamilyFlags {
  readonly usesEniLimitedMemoryOverhead: boolean;
  readonly podsPerCoreEnabled: boolean;
  readonly supportsEniLimitedPodDensity: boolean;
}

/** DefaultFamily (AL2, AL2023, Custom), Bottlerocket and Windows FeatureFlags. */
export function familyFlags(amiFamily: string | undefined): FamilyFlags {
  if (amiFamily === 'Bottlerocket')
    return {
      usesEniLimitedMemoryOverhead: false,
      podsPerCoreEnabled: false,
      supportsEniLimitedPodDensity: true,
    };
  if (amiFamily?.startsWith('Windows') === true)
    return {
      usesEniLimitedMemoryOverhead: false,
      podsPerCoreEnabled: true,
      supportsEniLimitedPodDensity: false,
    };
  return {
    usesEniLimitedMemoryOverhead: true,
    podsPerCoreEnabled: true,
    supportsEniLimitedPodDensity: true,
  };
}

/**
 * ENILimitedPods: (default-card ENIs - reserved - EFA-only interfaces on card 0) x (IPv4 per ENI - 1) + 2,
 * and 0 when no ENI is left for pods.
 */
export function eniLimitedPods(
  limits: InstanceLimits,
  reservedEnis: number,
  efaOnly: number,
): number {
  const usable = Math.max(limits.maxEnis - reservedEnis - efaOnly, 0);
  if (usable === 0) return 0;
  return usable * (limits.ipv4PerEni - 1) + 2;
}

/** pods(): kubelet maxPods, else ENI-limited where the family supports it, else 110; then podsPerCore. */
export function karpenterPods(
  limits: InstanceLimits,
  nodeClass: Pick<Ec2NodeClass, 'amiFamily' | 'maxPods' | 'podsPerCore' | 'efaOnlyInterfaces'>,
  reservedEnis: number,
): number {
  const flags = familyFlags(nodeClass.amiFamily);
  let count =
    nodeClass.maxPods ??
    (flags.supportsEniLimitedPodDensity
      ? eniLimitedPods(limits, reservedEnis, nodeClass.efaOnlyInterfaces)
      : DEFAULT_PODS);
  const perCore = nodeClass.podsPerCore ?? 0;
  if (perCore > 0 && flags.podsPerCoreEnabled && limits.vcpus !== undefined)
    count = Math.min(perCore * limits.vcpus, count);
  return count;
}

/** kube-reserved CPU: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above. */
export function kubeReservedCpuMilli(vcpus: number): number {
  const cpu = vcpus * 1000;
  let reserved = 0;
  for (const [start, end, pct] of [
    [0, 1000, 0.06],
    [1000, 2000, 0.01],
    [2000, 4000, 0.005],
    [4000, 2 ** 31, 0.0025],
  ] as const) {
    if (cpu < start) continue;
    const span = cpu < end ? cpu - start : end - start;
    reserved += Math.trunc(span * pct);
  }
  return reserved;
}

/** memory(): SizeInMiB, less 64 MiB on Graviton, less the VM overhead (rounded up to a MiB). */
export function capacityMemoryMiB(
  name: string,
  limits: InstanceLimits,
  vmMemoryOverheadPercent = VM_MEMORY_OVERHEAD_PERCENT,
): number | undefined {
  if (limits.memoryMiB === undefined) return undefined;
  let mib = limits.memoryMiB;
  if (architectureOf(name, limits) === 'arm64') mib -= 64;
  return mib - Math.ceil(mib * vmMemoryOverheadPercent);
}

/**
 * Capacity and allocatable of a type; undefined when its vCPUs or memory are unknown, since then it cannot
 * be sized (ipguard says so and leaves the type out rather than guess).
 */
export function ec2TypeCapacity(
  name: string,
  limits: InstanceLimits,
  nodeClass: Ec2NodeClass,
  reservedEnis: number,
  vmMemoryOverheadPercent = VM_MEMORY_OVERHEAD_PERCENT,
): TypeCapacity | undefined {
  const memMiB = capacityMemoryMiB(name, limits, vmMemoryOverheadPercent);
  if (limits.vcpus === undefined || memMiB === undefined) return undefined;
  const pods = karpenterPods(limits, nodeClass, reservedEnis);
  const flags = familyFlags(nodeClass.amiFamily);
  const overheadPods = flags.usesEniLimitedMemoryOverhead
    ? eniLimitedPods(limits, 0, nodeClass.efaOnlyInterfaces)
    : pods;
  const memoryBytes = memMiB * MiB;
  const kubeCpu = nodeClass.kubeReserved.cpuMilli ?? kubeReservedCpuMilli(limits.vcpus);
  const kubeMem =
    nodeClass.kubeReserved.memoryBytes ??
    (KUBE_RESERVED_MIB_PER_POD * overheadPods + KUBE_RESERVED_MIB_BASE) * MiB;
  const evict = nodeClass.evictionHardMemory;
  const evictBytes =
    evict === undefined
      ? EVICTION_HARD_MEMORY_BYTES
      : 'bytes' in evict
        ? evict.bytes
        : Math.ceil((memoryBytes * evict.percent) / 100);
  return {
    cpuMilli: limits.vcpus * 1000,
    memoryBytes,
    pods,
    allocatable: {
      cpuMilli: limits.vcpus * 1000 - kubeCpu - (nodeClass.systemReserved.cpuMilli ?? 0),
      memoryBytes: memoryBytes - kubeMem - (nodeClass.systemReserved.memoryBytes ?? 0) - evictBytes,
    },
  };
}
