import type { CniSettings } from '../cni/settings.js';
import type { ClusterModel, DaemonSet, Node, PodShape } from '../cluster/model.js';
import type { InstanceLimits } from '../cni/instance-limits.js';
import type { AddressBook } from './address-book.js';
import { addressSettings } from './eni-subnets.js';
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

/** What a room computation needs besides the node: the pod, the cluster, and the CNI it runs under. */
export interface RoomContext {
  readonly model: ClusterModel;
  readonly pod: PodShape;
  readonly cni: CniSettings;
  readonly book: AddressBook;
}

/** How many more of these pods a node can take: resources, pod slots, and addresses its CNI will serve. */
export function roomOn(
  node: Pick<Node, 'allocatable' | 'maxPods' | 'instanceType'> & {
    readonly limits?: InstanceLimits;
  },
  used: { cpuMilli: number; memoryBytes: number; pods: number; poolPods: number },
  ctx: RoomContext,
  subnetId: string | undefined,
): number {
  const { pod } = ctx;
  let room = Math.min(
    fitCount(node.allocatable.cpuMilli - used.cpuMilli, pod.requests.cpuMilli),
    fitCount(node.allocatable.memoryBytes - used.memoryBytes, pod.requests.memoryBytes),
    Math.max(0, node.allocatable.pods - used.pods),
  );
  const limits =
    node.limits ??
    (node.instanceType === undefined ? undefined : ctx.model.instanceTypes.get(node.instanceType));
  if (pod.network === 'pool' && limits) {
    // MINIMUM_IP_TARGET without WARM_IP_TARGET, the ENI limit or max pods can stop the pool short.
    room = Math.min(
      room,
      Math.max(
        0,
        ctx.book.podsServed(limits, addressSettings(ctx.model, ctx.cni, subnetId), node.maxPods) -
          used.poolPods,
      ),
    );
  }
  if (pod.onePerNode) room = Math.min(room, 1);
  return room;
}
