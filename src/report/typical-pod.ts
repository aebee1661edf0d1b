import type { ClusterModel, Node } from '../cluster/model.js';
import { daemonSetLoad } from '../simulate/placement.js';

/** The pod size runway is counted in. */
export interface TypicalPod {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  /** Where the size comes from: flags, the average workload pod on the group's nodes or the cluster's, or a default. */
  readonly basis: 'given' | 'node-group' | 'cluster' | 'default';
  /** Pods the average is over. */
  readonly samplePods: number;
}

/** A small web service, when a cluster runs no workload pods to learn from. */
export const DEFAULT_TYPICAL_POD = { cpuMilli: 100, memoryBytes: 128 * 2 ** 20 } as const;

const MIB = 2 ** 20;

function average(
  model: ClusterModel,
  nodes: Iterable<Node>,
): { cpu: number; mem: number; pods: number } {
  let cpu = 0;
  let mem = 0;
  let pods = 0;
  for (const n of nodes) {
    // DaemonSet pods come with every node; runway is about the workloads that make nodes fill up.
    const ds = daemonSetLoad(model.daemonSets, n);
    const p = n.usage.pods - ds.pods;
    if (p <= 0) continue;
    pods += p;
    cpu += Math.max(0, n.usage.cpuMilli - ds.cpuMilli);
    mem += Math.max(0, n.usage.memoryBytes - ds.memoryBytes);
  }
  return { cpu, mem, pods };
}

/**
 * The average workload pod (DaemonSet pods left out) on a node group's nodes, else on the whole cluster,
 * else DEFAULT_TYPICAL_POD. Rounded to whole millicores and MiB, as people write requests.
 */
export function typicalPod(model: ClusterModel, group: string | undefined): TypicalPod {
  const inGroup = [...model.nodes.values()].filter(
    n => group === undefined || n.nodeGroup === group,
  );
  for (const [basis, nodes] of [
    ['node-group', inGroup],
    ['cluster', model.nodes.values()],
  ] as const) {
    const a = average(model, nodes);
    if (a.pods > 0) {
      return {
        cpuMilli: Math.round(a.cpu / a.pods),
        memoryBytes: Math.round(a.mem / a.pods / MIB) * MIB,
        basis,
        samplePods: a.pods,
      };
    }
  }
  return { ...DEFAULT_TYPICAL_POD, basis: 'default', samplePods: 0 };
}
