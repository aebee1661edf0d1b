import type { CniSettings } from '../cni/settings.js';
import type { ClusterModel, Node, PodShape } from '../cluster/model.js';
import type { AddressBook } from './address-book.js';
import { podFitsNodeFace } from './fit.js';
import { MinHeap } from './heap.js';
import { candidatesFor, shapeKey, type Candidate } from './candidates.js';
import { daemonSetLoad, roomOn } from './node-room.js';
import { provisionersOf } from './provisioners/cluster-provisioners.js';
import {
  MAX_NEW_NODES,
  provisionNewNodes,
  type Provision,
  type Provisioner,
} from './provisioners/provisioner.js';

export type { DaemonSetLoad } from './node-room.js';
export { daemonSetLoad, MAX_NEW_NODES };

export interface ExistingPlacement {
  readonly node: Node;
  readonly pods: number;
}

export interface Placement {
  readonly existing: readonly ExistingPlacement[];
  /** The nodes an autoscaler would launch for the pods no existing node takes. */
  readonly provision?: Provision;
  /** Pods that fit no existing node and no new node: they would stay Pending. */
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
  /** Free addresses of a subnet less reservations, for the autoscalers' subnet choice. */
  readonly available?: (subnetId: string) => number | undefined;
  /** Who launches new nodes, asked in order; the cluster's own when absent. */
  readonly provisioners?: readonly Provisioner[];
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

/** Where `pods` extra pods run: first on existing nodes with room, then on the nodes an autoscaler adds. */
export function placePods(req: PlacementRequest): Placement {
  const notes: string[] = [];
  const { existing, placed } = placeOnExisting(req);
  const remaining = req.pods - placed;
  if (remaining <= 0) return { existing, unplaced: 0, notes };
  const provision = provisionNewNodes(req.provisioners ?? provisionersOf(req.model), {
    model: req.model,
    pod: req.pod,
    pods: remaining,
    cni: req.cni,
    book: req.book,
    workload: req.workload,
    available: req.available ?? (id => req.model.subnets.get(id)?.availableIps),
  });
  if (!provision) {
    notes.push(
      `${remaining} pods fit no existing node and no node group's new nodes: they would stay Pending`,
    );
    return { existing, unplaced: remaining, notes };
  }
  notes.push(...provision.notes);
  return { existing, provision, unplaced: provision.unplaced, notes };
}
