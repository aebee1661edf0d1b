import type { CniSettings } from '../cni/settings.js';
import type { ClusterModel, Node, PodShape } from '../cluster/model.js';
import type { AddressBook } from './address-book.js';
import { podFitsNodeFace, schedulableNode } from './fit.js';
import { BindTrajectory, bindAfresh, type BoundSlot } from './bind-trajectory.js';
import { candidatesFor, isCachedList, shapeKey, type Candidate } from './candidates.js';
import { DemandTrack, type TrackedDemand } from './demand-track.js';
import { daemonSetLoad, schedulerRoom } from './node-room.js';
import { nodeScore } from './scheduler-score.js';
import { provisionersOf } from './provisioners/cluster-provisioners.js';
import {
  MAX_NEW_NODES,
  provisionNewNodes,
  type Provision,
  type ProvisionRequest,
  type Provisioner,
} from './provisioners/provisioner.js';
import { SpreadState } from './topology-spread.js';
import { comingNodes } from './inflight-nodes.js';
import { isTransientTaint } from './node-groups.js';
import { parseWorkloadKey, podGroupsIn, podLabelsOf } from './spread-groups.js';
import { placeUnderSpread, type SpreadResult } from './spread-placement.js';

export type { DaemonSetLoad } from './node-room.js';
export { daemonSetLoad, schedulerRoom, MAX_NEW_NODES };

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
  /**
   * The pods are a new revision of the workload (a rollout or switch): for matchLabelKeys on the revision
   * label (pod-template-hash) the workload's running pods are not theirs.
   */
  readonly newRevision?: boolean;
}

/** Pods that no existing node takes in: the hand-off to whatever provisions new nodes. */
export interface ExistingResult {
  readonly existing: readonly ExistingPlacement[];
  readonly placed: number;
  /** req.pods - placed: what the provisioners are asked for. */
  readonly unschedulable: number;
  /** Of the placed, those on NodeClaims in flight. */
  readonly onInflight?: number;
}

/**
 * Bind the pods one by one the way kube-scheduler does: filter (fit.ts, schedulerRoom) and take the
 * highest scoring node (scheduler-score.ts). Nodes that are not ready or cordoned are filtered unless the
 * pod tolerates their taint. Addresses play no part: the scheduler does not see them (unservedPods counts
 * what the CNI then cannot serve).
 */
export function placeOnExisting(req: PlacementRequest): ExistingResult {
  if (req.pod.spread) {
    const r = placeUnderSpread(spreadRun(req, () => undefined));
    return spreadExisting(req, r);
  }
  const { pod } = req;
  // A fresh array each call: the in-flight bindings join it.
  const { used, placed: onRegistered } = bindCached(sortedCandidates(req), req.pods, pod);
  let placed = onRegistered;
  let onInflight = 0;
  if (placed < req.pods) {
    // What no registered node takes waits for the NodeClaims in flight before anything new is launched.
    const coming = bindAfresh(inflightCandidates(req), req.pods - placed, pod);
    used.push(...coming.used);
    placed += coming.placed;
    onInflight = coming.placed;
  }
  used.sort((a, b) => (a.node.name < b.node.name ? -1 : 1));
  return {
    existing: used.map(s => ({ node: s.node, pods: s.placed })),
    placed,
    unschedulable: req.pods - placed,
    ...(onInflight > 0 && { onInflight }),
  };
}

/**
 * The bindings of a run of the pod onto cached candidates, kept per candidate list: the list is built once
 * per state version and pod shape, and scores depend on nothing else (candidates.ts), so every replica
 * count asked on that version replays one trajectory. A list made for one request (a shape too long to
 * cache) is bound afresh: a trajectory kept for it would be a weak entry per request.
 */
const trajectories = new WeakMap<readonly Candidate[], BindTrajectory>();

function trajectoryOf(sorted: readonly Candidate[], pod: PodShape): BindTrajectory | undefined {
  if (!isCachedList(sorted)) return undefined;
  let t = trajectories.get(sorted);
  if (!t) trajectories.set(sorted, (t = new BindTrajectory(sorted, pod)));
  return t;
}

function bindCached(
  sorted: readonly Candidate[],
  pods: number,
  pod: PodShape,
): { used: BoundSlot[]; placed: number } {
  return trajectoryOf(sorted, pod)?.bind(pods) ?? bindAfresh(sorted, pods, pod);
}

/** Per trajectory, the demand along it on the latest state version that asked. */
const tracks = new WeakMap<BindTrajectory, DemandTrack>();

/**
 * What the existing nodes take when registered nodes bind every pod, read off the trajectory's running
 * sums (demand-track.ts) under the cluster's own CNI settings; undefined where that is not known exactly
 * (or not yet worth keeping), and the caller counts the placement in full.
 */
export function trackedDemand(req: PlacementRequest): TrackedDemand | undefined {
  if (req.pod.spread || req.cni !== req.model.cni) return undefined;
  const t = trajectoryOf(sortedCandidates(req), req.pod);
  if (!t || t.kept(req.pods) < req.pods) return undefined;
  let track = tracks.get(t);
  if (track?.model !== req.model)
    tracks.set(t, (track = new DemandTrack(req.model, req.book, req.pod)));
  return track.demandAt(t, req.pods);
}

/** NodeClaims in flight the pod's filters pass, best scored first. */
function inflightCandidates(req: PlacementRequest): Candidate[] {
  const { pod } = req;
  const out: Candidate[] = [];
  for (const node of comingNodes(req.model).nodes) {
    const room = schedulerRoom(node, node.usage, pod);
    if (room <= 0 || !podFitsNodeFace(pod, node)) continue;
    out.push({ node, room, score: nodeScore(node, pod, 0) });
  }
  return out.sort(
    (a, b) =>
      b.score - a.score || (a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0),
  );
}

/** Nodes the pod's static filters pass, best scored first (cached per model and shape). */
function sortedCandidates(req: PlacementRequest): readonly Candidate[] {
  const { model, pod } = req;
  const hosting = pod.onePerNode ? model.workloadNodes.get(req.workload) : undefined;
  const { launching } = comingNodes(model);
  return candidatesFor(model, shapeKey(pod, req.workload), {
    // Whether a node the two maps share is launching follows from the NodeClaims alone (a claim names
    // it, and it is in both maps); its own pods count only under anti-affinity against them.
    reads: [model.nodeClaims, hosting],
    visit: (registered): Candidate | undefined => {
      // A node still launching counts as the node it is about to be: ready, its startup taints gone.
      const node = launching.has(registered.name) ? asLaunched(registered) : registered;
      if (!schedulableNode(pod, node)) return undefined;
      const room = schedulerRoom(node, node.usage, pod);
      if (room <= 0) return undefined;
      if (!podFitsNodeFace(pod, node)) return undefined;
      // Required anti-affinity against its own pods: nodes running one are out while they run.
      if (pod.onePerNode && (hosting?.get(node.name) ?? 0) > 0) return undefined;
      return { node, room, score: nodeScore(node, pod, 0) };
    },
  });
}

function asLaunched(node: Node): Node {
  return { ...node, ready: true, taints: node.taints.filter(t => !isTransientTaint(t)) };
}

/** The spread state of the pod over every node of the cluster, and the run that places it. */
function spreadRun(
  req: PlacementRequest,
  launchZones: () => readonly string[] | undefined,
): Parameters<typeof placeUnderSpread>[0] {
  const { model, pod } = req;
  const parsed = parseWorkloadKey(req.workload);
  const namespace = parsed?.namespace ?? '';
  const labels = parsed
    ? podLabelsOf(parsed.kind, req.workload, pod.labels, req.newRevision ? 'next' : 'current')
    : pod.labels;
  const state = new SpreadState(
    { namespace, labels, shape: pod, constraints: pod.spread ?? [] },
    model.nodes.values(),
    podGroupsIn(model, namespace),
  );
  return { pod, pods: req.pods, sorted: sortedCandidates(req), state, launchZones };
}

function spreadExisting(req: PlacementRequest, r: SpreadResult): ExistingResult {
  const existing = [...r.existing]
    .map(([node, pods]) => ({ node, pods }))
    .sort((a, b) => (a.node.name < b.node.name ? -1 : 1));
  return { existing, placed: r.placed, unschedulable: req.pods - r.placed };
}

/** Where `pods` extra pods run: first on existing nodes the scheduler picks, then on the nodes an autoscaler adds. */
export function placePods(req: PlacementRequest): Placement {
  if (req.pod.spread) return placeSpreadPods(req);
  const notes: string[] = [];
  const { existing, unschedulable: remaining, onInflight } = placeOnExisting(req);
  if (onInflight !== undefined) notes.push(inflightNote(req.model, onInflight));
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

function provisionRequest(req: PlacementRequest, pods: number): ProvisionRequest {
  return {
    model: req.model,
    pod: req.pod,
    pods,
    cni: req.cni,
    book: req.book,
    workload: req.workload,
    available: req.available ?? (id => req.model.subnets.get(id)?.availableIps),
  };
}

/**
 * Placement under hard topology spread constraints: existing nodes while the spread lets them take pods,
 * then new nodes in the zones the spread fixes, handed to the one provisioner that offered those zones.
 */
function placeSpreadPods(req: PlacementRequest): Placement {
  const notes: string[] = [];
  const provisioners = req.provisioners ?? provisionersOf(req.model);
  let offering: Provisioner | undefined;
  const r = placeUnderSpread(
    spreadRun(req, () => {
      const base = provisionRequest(req, 1);
      for (const p of provisioners) {
        const zones = p.zones?.(base) ?? [];
        if (zones.length > 0) {
          offering = p;
          return zones;
        }
      }
      return undefined;
    }),
  );
  const { existing } = spreadExisting(req, r);
  const toZones = [...r.newByZone.values()].reduce((a, b) => a + b, 0);
  const who = describeSpread(req);
  if (r.pending > 0)
    notes.push(
      `${r.pending} pods would stay Pending: their topology spread (${who}) lets them onto no existing node and no zone a new node can be launched in`,
    );
  const cap = r.maxPodsPerNewNode;
  const wanted = toZones > 0 ? toZones : r.toNew;
  if (wanted <= 0) return { existing, unplaced: r.pending, notes };
  const ask: ProvisionRequest = {
    ...provisionRequest(req, wanted),
    ...(toZones > 0 && { podsByZone: r.newByZone }),
    ...(cap !== undefined && { maxPodsPerNode: cap }),
  };
  const provision = provisionNewNodes(toZones > 0 && offering ? [offering] : provisioners, ask);
  if (!provision) {
    notes.push(
      `${wanted} pods fit no existing node and no node group's new nodes: they would stay Pending`,
    );
    return { existing, unplaced: wanted + r.pending, notes };
  }
  if (toZones > 0)
    notes.push(
      `Topology spread (${who}) fixes the zones of new nodes' pods: ${[...r.newByZone]
        .map(([z, n]) => `${n} in ${z}`)
        .join(', ')}`,
    );
  notes.push(...provision.notes);
  return { existing, provision, unplaced: provision.unplaced + r.pending, notes };
}

function describeSpread(req: PlacementRequest): string {
  return (req.pod.spread ?? [])
    .map(
      c =>
        `${c.topologyKey} maxSkew ${c.maxSkew}${c.minDomains > 1 ? ` minDomains ${c.minDomains}` : ''}`,
    )
    .join(', ');
}

function inflightNote(model: ClusterModel, pods: number): string {
  const { nodes, unsized } = comingNodes(model);
  const names = nodes.map(n => n.name);
  return `${pods} pods go to NodeClaims in flight (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}): Karpenter counts them before it launches more${unsized.length > 0 ? `; ${unsized.length} more in flight are not launched yet and cannot be sized (${unsized.slice(0, 3).join(', ')})` : ''}`;
}
