/** What one instance type offers a NodeClaim's pods, as the launcher computes it. */
export interface TypeCapacity {
  /** Capacity, which NodePool limits count: vCPUs and memory after the VM overhead. */
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  /** The `pods` resource: the kubelet's max pods on this type. */
  readonly pods: number;
  /** Capacity less kube-reserved, system-reserved and the eviction threshold. */
  readonly allocatable: { readonly cpuMilli: number; readonly memoryBytes: number };
}

export const MiB = 1024 * 1024;
