import type { CniSettings } from '../cni/settings.js';
import type { ClusterModel, Node, PodShape, Toleration, Workload } from '../cluster/model.js';
import type { AddressBook } from './address-book.js';
import { SecondaryEniPlacer, addressSettings } from './eni-subnets.js';
import { podFitsNodeFace } from './fit.js';
import { growExistingNode, type ExistingGrowth } from './node-growth.js';
import type { DaemonSetNodes, Peak } from './peaks/index.js';
import type { Demand } from './simulate.js';
import { missingEniConfigNote, type NodeSubnets } from './subnet-shares.js';
import type { Unresolved } from './unresolved.js';
import { UnservedTally } from './unserved.js';

const exists = (key: string, effect: Toleration['effect']): Toleration => ({
  key,
  operator: 'Exists',
  effect,
});

/**
 * The tolerations the DaemonSet controller adds to every pod it makes (AddOrUpdateDaemonPodTolerations,
 * k8s pkg/controller/daemon/util/daemonset_util.go): its pods run on not-ready, pressured and cordoned
 * nodes, and hostNetwork ones on nodes whose network is not up yet.
 */
const DAEMON_TOLERATIONS: readonly Toleration[] = [
  exists('node.kubernetes.io/not-ready', 'NoExecute'),
  exists('node.kubernetes.io/unreachable', 'NoExecute'),
  exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
  exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
  exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
  exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
];
const HOST_NETWORK_TOLERATION = exists('node.kubernetes.io/network-unavailable', 'NoSchedule');

const withTolerations = new WeakMap<PodShape, PodShape>();

/** The pod as the DaemonSet controller creates it, default tolerations added. */
export function daemonPod(pod: PodShape): PodShape {
  let out = withTolerations.get(pod);
  if (!out) {
    const extra =
      pod.network === 'host'
        ? [...DAEMON_TOLERATIONS, HOST_NETWORK_TOLERATION]
        : DAEMON_TOLERATIONS;
    out = { ...pod, tolerations: [...pod.tolerations, ...extra] };
    withTolerations.set(pod, out);
  }
  return out;
}

/**
 * Whether the DaemonSet runs a pod on this node (NodeShouldRunDaemonPod): node name, nodeSelector and
 * required node affinity, and every NoSchedule and NoExecute taint tolerated. Readiness, cordoning and
 * free resources are not asked: the controller creates the pod, and it waits there if it does not fit.
 */
export function runsOn(pod: PodShape, node: Node): boolean {
  return podFitsNodeFace(daemonPod(pod), node);
}

/** How many nodes run the current and the desired DaemonSet pod, for the peak. */
export function daemonSetNodes(
  model: ClusterModel,
  current: Workload | undefined,
  desired: Workload,
): DaemonSetNodes {
  let now = 0;
  let wanted = 0;
  let both = 0;
  for (const node of model.nodes.values()) {
    const a = current?.pod !== undefined && runsOn(current.pod, node);
    const b = desired.pod !== undefined && runsOn(desired.pod, node);
    if (a) now += 1;
    if (b) wanted += 1;
    if (a && b) both += 1;
  }
  return { current: now, desired: wanted, both };
}

const MAX_NODE_NOTES = 3;

interface NodeStep {
  readonly node: Node;
  /** Pool and branch pods the node has now, and with the change's steady state, and with a surge. */
  readonly pool: readonly [number, number, number];
  readonly branch: readonly [number, number, number];
  readonly added: boolean;
  readonly both: boolean;
}

const pools = (pod: PodShape | undefined, on: boolean): [number, number] => [
  on && pod?.network === 'pool' ? 1 : 0,
  on && pod?.network === 'branch' ? 1 : 0,
];

/**
 * The addresses a DaemonSet change takes from existing nodes: on every node it admits, the node's CNI
 * must serve one more pod (unless hostNetwork), and on the nodes a maxSurge rollout reaches first, the old
 * pod's address is still held while the new one starts. The surge goes where it costs most: the nodes
 * whose pools must grow for the extra pod. Nothing here adds nodes; DaemonSet pods change what every
 * later node takes, which the other changes' simulations read from the model.
 */
export function daemonSetDemand(
  model: ClusterModel,
  current: Workload | undefined,
  desired: Workload,
  peak: Peak,
  cni: CniSettings,
  book: AddressBook,
): Demand {
  const notes: string[] = [];
  const fromExisting = new Map<string, number>();
  const touched = new Set<string>();
  const missingEniConfigs = new Map<string, number>();
  const noteMissing = (s: NodeSubnets): void => {
    if (s.missingEniConfig !== undefined)
      missingEniConfigs.set(
        s.missingEniConfig,
        (missingEniConfigs.get(s.missingEniConfig) ?? 0) + 1,
      );
  };
  const nodeNotes: string[] = [];
  const unresolved: Unresolved[] = [];
  const unservedTally = new UnservedTally();
  const growth: ExistingGrowth = {
    model,
    cni,
    book,
    placer: new SecondaryEniPlacer(model, cni),
    fromExisting,
    touched,
    notes: nodeNotes,
    unresolved,
    noteMissing,
    unserved: unservedTally,
  };
  const steps: NodeStep[] = [];
  for (const node of model.nodes.values()) {
    const had = current?.pod !== undefined && runsOn(current.pod, node);
    const will = desired.pod !== undefined && runsOn(desired.pod, node);
    if (!had && !will) continue;
    const [oldPool, oldBranch] = pools(current?.pod, had);
    const [newPool, newBranch] = pools(desired.pod, will);
    const u = node.usage;
    const pool = u.poolPods - oldPool + newPool;
    const branch = u.branchPods - oldBranch + newBranch;
    steps.push({
      node,
      pool: [u.poolPods, Math.max(u.poolPods, pool), u.poolPods + newPool],
      branch: [u.branchPods, Math.max(u.branchPods, branch), u.branchPods + newBranch],
      added: will && !had,
      both: had && will,
    });
  }

  let surge = peak.surgeNodes ?? 0;
  const surged = new Set<NodeStep>();
  if (surge > 0) {
    const extra = (s: NodeStep): number => {
      const limits =
        s.node.instanceType === undefined
          ? undefined
          : model.instanceTypes.get(s.node.instanceType);
      if (!limits) return 0;
      const settings = addressSettings(model, cni, s.node.subnetId);
      return (
        book.addresses(limits, settings, s.node.maxPods, s.pool[2], s.branch[2]).ips -
        book.addresses(limits, settings, s.node.maxPods, s.pool[1], s.branch[1]).ips
      );
    };
    const candidates = steps
      .filter(s => s.both && (s.pool[2] > s.pool[1] || s.branch[2] > s.branch[1]))
      .map(s => ({ s, extra: extra(s) }))
      .sort((a, b) => b.extra - a.extra || (a.s.node.name < b.s.node.name ? -1 : 1));
    for (const c of candidates) {
      if (surge <= 0) break;
      surged.add(c.s);
      surge -= 1;
    }
  }

  let pending = 0;
  let nodesUsed = 0;
  let podsOnExisting = 0;
  for (const s of steps) {
    const i = surged.has(s) ? 2 : 1;
    const pool = s.pool[i];
    const branch = s.branch[i];
    const node = s.node;
    if (s.added) {
      nodesUsed += 1;
      podsOnExisting += 1;
      // The scheduler binds the pod to its node (the controller sets node affinity), and a full node
      // leaves it Pending: no address is taken for it.
      if (node.usage.pods >= node.allocatable.pods) {
        pending += 1;
        continue;
      }
    }
    // Nothing more to address here (a hostNetwork pod, or one replacing a pod of the same network).
    if (pool === s.pool[0] && branch === s.branch[0]) continue;
    // A pod the CNI can never give an address starts, and waits in ContainerCreating: counted by the
    // growth as unserved, as for any workload's pods.
    growExistingNode(growth, node, pool, branch);
  }
  // One line per node would bury the rest on a large cluster: the first few, and how many more.
  notes.push(...nodeNotes.slice(0, MAX_NODE_NOTES));
  if (nodeNotes.length > MAX_NODE_NOTES)
    notes.push(
      `and ${nodeNotes.length - MAX_NODE_NOTES} more nodes whose addresses are not counted`,
    );
  if (pending > 0)
    notes.push(
      `${plural(pending, 'node')} have no pod slot left: the DaemonSet pod stays Pending there`,
    );
  for (const [name, n] of missingEniConfigs) notes.push(missingEniConfigNote(name, n));
  return {
    fromNew: new Map(),
    fromExisting,
    touched,
    batches: [],
    existingNodesUsed: nodesUsed,
    podsOnExisting,
    newNodes: 0,
    unplaced: pending,
    unserved: unservedTally.batches(),
    notes,
    unresolved,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
