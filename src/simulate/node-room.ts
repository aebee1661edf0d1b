import type { DaemonSet, Node, PodShape } from '../cluster/model.js';
import { podFitsNodeFace, type NodeFace } from './fit.js';

/** Requests and addresses of the DaemonSet pods a node runs. */
export interface DaemonSetLoad {
  readonly pods: number;
  readonly poolPods: number;
  readonly branchPods: number;
  readonly cpuMilli: number;
  readonly memoryBytes: number;
}

export const NO_DAEMON_SETS: DaemonSetLoad = {
  pods: 0,
  poolPods: 0,
  branchPods: 0,
  cpuMilli: 0,
  memoryBytes: 0,
};

/** DaemonSet pods a node with this face runs. */
export function daemonSetLoad(daemonSets: readonly DaemonSet[], face: NodeFace): DaemonSetLoad {
  let pods = 0;
  let poolPods = 0;
  let branchPods = 0;
  let cpuMilli = 0;
  let memoryBytes = 0;
  for (const ds of daemonSets) {
    if (!podFitsNodeFace(ds.pod, face)) continue;
    pods += 1;
    if (ds.pod.network === 'pool') poolPods += 1;
    if (ds.pod.network === 'branch') branchPods += 1;
    cpuMilli += ds.pod.requests.cpuMilli;
    memoryBytes += ds.pod.requests.memoryBytes;
  }
  return { pods, poolPods, branchPods, cpuMilli, memoryBytes };
}

export function fitCount(free: number, request: number): number {
  return request <= 0 ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(free / request));
}

/**
 * How many more of these pods kube-scheduler lets onto a node: NodeResourcesFit (requests against
 * allocatable cpu, memory and pods) and the pod's anti-affinity against its own pods. Addresses are no
 * part of it: the scheduler does not see them, so a node whose CNI cannot serve a pod still takes it (the
 * pod then waits in ContainerCreating, counted as unservedPods). Cluster Autoscaler sizes new nodes by the
 * same rules.
 */
export function schedulerRoom(
  node: Pick<Node, 'allocatable'>,
  used: { readonly cpuMilli: number; readonly memoryBytes: number; readonly pods: number },
  pod: PodShape,
): number {
  const room = Math.min(
    fitCount(node.allocatable.cpuMilli - used.cpuMilli, pod.requests.cpuMilli),
    fitCount(node.allocatable.memoryBytes - used.memoryBytes, pod.requests.memoryBytes),
    Math.max(0, node.allocatable.pods - used.pods),
  );
  return pod.onePerNode ? Math.min(room, 1) : room;
}
