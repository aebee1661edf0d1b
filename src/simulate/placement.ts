import type { CniSettings } from '../cni/settings.js';
import type { ClusterModel, DaemonSet, Node, PodShape } from '../cluster/model.js';
import type { AddressBook } from './address-book.js';
import { podFitsNodeFace, type NodeFace } from './fit.js';
import { MinHeap } from './heap.js';
import { candidatesFor, shapeKey, type Candidate } from './candidates.js';
import { addressSettings } from './eni-subnets.js';
import { faceInZone, nodeGroupsOf, type GroupZone, type NodeGroup } from './node-groups.js';

/** More new nodes than any subnet could address; the simulation stops adding nodes here. */
export const MAX_NEW_NODES = 10_000;

/** Requests and addresses of the DaemonSet pods a node runs. */
export interface DaemonSetLoad {
  readonly pods: number;
  readonly poolPods: number;
  readonly branchPods: number;
  readonly cpuMilli: number;
  readonly memoryBytes: number;
}

export interface ExistingPlacement {
  readonly node: Node;
  readonly pods: number;
}

export interface NewNodePlan {
  readonly zone: GroupZone;
  readonly workloadPods: number;
}

export interface Placement {
  readonly existing: readonly ExistingPlacement[];
  readonly group?: NodeGroup;
  readonly daemonSets?: DaemonSetLoad;
  /** Pods of the workload one new node takes. */
  readonly podsPerNewNode: number;
  readonly newNodes: readonly NewNodePlan[];
  /** Pods that fit no existing node and no node group: they would stay Pending. */
  readonly unplaced: number;
  readonly notes: readonly string[];
}

export interface PlacementRequest {
  readonly model: ClusterModel;
  readonly pod: PodShape;
  readonly pods: number;
  readonly cni: CniSettings;
  readonly book: AddressBook;
  /** workloadKey of the workload, for its own anti-affinity and its current node group. */
  readonly workload: string;
}

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

function fitCount(free: number, request: number): number {
  return request <= 0 ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(free / request));
}

/** How many more of these pods a node can take: resources, pod slots, and addresses its CNI will serve. */
function roomOn(
  node: Pick<Node, 'allocatable' | 'maxPods' | 'instanceType'>,
  used: { cpuMilli: number; memoryBytes: number; pods: number; poolPods: number },
  req: PlacementRequest,
  subnetId: string | undefined,
): number {
  const { pod } = req;
  let room = Math.min(
    fitCount(node.allocatable.cpuMilli - used.cpuMilli, pod.requests.cpuMilli),
    fitCount(node.allocatable.memoryBytes - used.memoryBytes, pod.requests.memoryBytes),
    Math.max(0, node.allocatable.pods - used.pods),
  );
  const limits =
    node.instanceType === undefined ? undefined : req.model.instanceTypes.get(node.instanceType);
  if (pod.network === 'pool' && limits) {
    // MINIMUM_IP_TARGET without WARM_IP_TARGET, the ENI limit or max pods can stop the pool short.
    room = Math.min(
      room,
      Math.max(
        0,
        req.book.podsServed(limits, addressSettings(req.model, req.cni, subnetId), node.maxPods) -
          used.poolPods,
      ),
    );
  }
  if (pod.onePerNode) room = Math.min(room, 1);
  return room;
}

interface Slot {
  readonly node: Node;
  room: number;
  placed: number;
  score: number;
}

/** LeastAllocated: the scheduler prefers the node with the smallest share of its resources requested. */
function allocatedShare(node: Node, placed: number, pod: PodShape): number {
  const cpu =
    node.allocatable.cpuMilli > 0
      ? (node.usage.cpuMilli + placed * pod.requests.cpuMilli) / node.allocatable.cpuMilli
      : 1;
  const mem =
    node.allocatable.memoryBytes > 0
      ? (node.usage.memoryBytes + placed * pod.requests.memoryBytes) / node.allocatable.memoryBytes
      : 1;
  return (cpu + mem) / 2;
}

function placeOnExisting(req: PlacementRequest): { existing: ExistingPlacement[]; placed: number } {
  const { model, pod } = req;
  const sorted = candidatesFor(model, shapeKey(pod, req.workload), req.cni, () => {
    const hosting = model.workloadNodes.get(req.workload);
    const out: Candidate[] = [];
    for (const node of model.nodes.values()) {
      if (!node.ready || node.unschedulable) continue;
      const room = roomOn(node, node.usage, req, node.subnetId);
      if (room <= 0) continue;
      if (!podFitsNodeFace(pod, node)) continue;
      // Required anti-affinity against its own pods: nodes running one are out while they run.
      if (pod.onePerNode && (hosting?.get(node.name) ?? 0) > 0) continue;
      out.push({ node, room, score: allocatedShare(node, 1, pod) });
    }
    return out;
  });
  // Lazy merge of the sorted untouched nodes with a heap of the nodes already given pods: placing k pods
  // costs O(k log k), not a scan of the cluster.
  const touched = new MinHeap<Slot>((a, b) => before(a.score, a.node.name, b.score, b.node.name));
  const used: Slot[] = [];
  let next = 0;
  let placed = 0;
  while (placed < req.pods) {
    const fresh = sorted[next];
    const top = touched.peek();
    let slot: Slot;
    if (fresh && (!top || before(fresh.score, fresh.node.name, top.score, top.node.name))) {
      next += 1;
      slot = { node: fresh.node, room: fresh.room, placed: 0, score: fresh.score };
      used.push(slot);
    } else if (top) {
      slot = touched.pop() as Slot;
    } else {
      break;
    }
    slot.placed += 1;
    placed += 1;
    if (slot.placed < slot.room) {
      slot.score = allocatedShare(slot.node, slot.placed + 1, pod);
      touched.push(slot);
    }
  }
  used.sort((a, b) => (a.node.name < b.node.name ? -1 : 1));
  return { existing: used.map(s => ({ node: s.node, pods: s.placed })), placed };
}

/** Lower score first, then node name: the order the scheduler's LeastAllocated scoring breaks ties in here. */
function before(scoreA: number, nameA: string, scoreB: number, nameB: string): boolean {
  return scoreA < scoreB || (scoreA === scoreB && nameA < nameB);
}

interface GroupChoice {
  readonly group: NodeGroup;
  readonly zones: readonly GroupZone[];
  readonly daemonSets: DaemonSetLoad;
  readonly perNode: number;
}

/** Node groups whose new nodes can run the pod, best first: where the workload runs now, then the largest. */
function groupChoices(req: PlacementRequest): GroupChoice[] {
  const { model, pod } = req;
  const hosting = model.workloadNodes.get(req.workload);
  const runsIn = new Map<string, number>();
  for (const [nodeName, count] of hosting ?? []) {
    const g = model.nodes.get(nodeName)?.nodeGroup;
    if (g !== undefined) runsIn.set(g, (runsIn.get(g) ?? 0) + count);
  }
  const choices: GroupChoice[] = [];
  for (const group of nodeGroupsOf(model)) {
    const zones = group.zones.filter(z => podFitsNodeFace(pod, faceInZone(group, z.zone)));
    const first = zones[0];
    if (!first) continue;
    const ds = daemonSetLoad(model.daemonSets, faceInZone(group, first.zone));
    const perNode = roomOn(group, ds, req, first.subnetIds[0]);
    if (perNode <= 0) continue;
    choices.push({ group, zones, daemonSets: ds, perNode });
  }
  return choices.sort(
    (a, b) =>
      (runsIn.get(b.group.name) ?? 0) - (runsIn.get(a.group.name) ?? 0) ||
      b.group.nodeCount - a.group.nodeCount ||
      (a.group.name < b.group.name ? -1 : 1),
  );
}

/**
 * New nodes spread over the group's zones as an Auto Scaling group balances them: each goes to the
 * zone with the fewest of the group's nodes (ties in zone order).
 */
function spreadOverZones(zones: readonly GroupZone[], count: number): GroupZone[] {
  const counts = zones.map(z => z.nodes);
  const out: GroupZone[] = [];
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let j = 1; j < counts.length; j++) if ((counts[j] ?? 0) < (counts[best] ?? 0)) best = j;
    counts[best] = (counts[best] ?? 0) + 1;
    out.push(zones[best] as GroupZone);
  }
  return out;
}

/** Where `pods` extra pods run: first on existing nodes with room, then on new nodes of one group. */
export function placePods(req: PlacementRequest): Placement {
  const notes: string[] = [];
  const { existing, placed } = placeOnExisting(req);
  const remaining = req.pods - placed;
  if (remaining <= 0) return { existing, podsPerNewNode: 0, newNodes: [], unplaced: 0, notes };
  const choice = groupChoices(req)[0];
  if (!choice) {
    notes.push(
      `${remaining} pods fit no existing node and no node group's new nodes: they would stay Pending`,
    );
    return { existing, podsPerNewNode: 0, newNodes: [], unplaced: remaining, notes };
  }
  if (!choice.group.limits) {
    notes.push(
      `instance type ${choice.group.instanceType ?? '(unknown)'} of node group ${choice.group.name} is not in the instance types: its addresses cannot be modelled`,
    );
  }
  const wanted = Math.ceil(remaining / choice.perNode);
  // spec.replicas is an int32: a request can ask for two billion pods. Past this many new nodes the
  // subnets are long exhausted, and the rest are reported as not placed rather than simulated.
  const nodeCount = Math.min(wanted, MAX_NEW_NODES);
  const placedOnNew = Math.min(remaining, nodeCount * choice.perNode);
  if (wanted > MAX_NEW_NODES) {
    notes.push(
      `${remaining} pods would need ${wanted} new nodes; only the first ${MAX_NEW_NODES} are simulated`,
    );
  }
  const zones = spreadOverZones(choice.zones, nodeCount);
  const newNodes = zones.map((zone, i) => ({
    zone,
    workloadPods:
      i < nodeCount - 1 ? choice.perNode : placedOnNew - choice.perNode * (nodeCount - 1),
  }));
  return {
    existing,
    group: choice.group,
    daemonSets: choice.daemonSets,
    podsPerNewNode: choice.perNode,
    newNodes,
    unplaced: remaining - placedOnNew,
    notes,
  };
}
