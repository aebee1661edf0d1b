import type { NodeAddresses } from '../cni/node-addresses.js';
import type { CniSettings } from '../cni/settings.js';
import { workloadKey, type ClusterModel, type PodShape } from '../cluster/model.js';
import { shapeKey } from './candidates.js';
import type { AddressBook } from './address-book.js';
import { peakOf, type Peak, type WorkloadChange } from './peaks/index.js';
import { placePods, trackedDemand } from './placement.js';
import type { DaemonSetLoad } from './node-room.js';
import { withLaunchPrefixes } from './launch-prefixes.js';
import { newNodeBounds, type NewNodeBounds, type NodeSpread } from './new-node-bounds.js';
import type { NewNode, ProvisionerKind } from './provisioners/provisioner.js';
import { settingsCredit } from './settings-credit.js';
import {
  addShares,
  missingEniConfigNote,
  nodeSubnets,
  placedShares,
  type NodeSubnets,
  sharesOf,
} from './subnet-shares.js';
import { addressSettings, SecondaryEniPlacer } from './eni-subnets.js';
import { UnservedTally, type UnservedBatch } from './unserved.js';
import { growExistingNode, type ExistingGrowth } from './node-growth.js';
import { daemonSetDemand } from './daemonset-demand.js';

export type { UnservedBatch } from './unserved.js';
import type { Unresolved } from './unresolved.js';

export interface SimulationInput {
  readonly model: ClusterModel;
  readonly change: WorkloadChange;
  /** The CNI settings to simulate with: the cluster's, or a what-if. */
  readonly cni?: CniSettings;
  /** Addresses held per subnet by admitted changes that EC2 does not show yet. */
  readonly reserved?: ReadonlyMap<string, number>;
  readonly book: AddressBook;
}

export interface SubnetDemand {
  readonly id: string;
  readonly zone: string;
  /** Free addresses as EC2 reports them. */
  readonly free: number;
  readonly reserved: number;
  /** Given back (positive) or taken (negative) by existing nodes under changed settings. */
  readonly credit: number;
  /** free - reserved + credit. */
  readonly available: number;
  /** Addresses the change takes here at its peak. */
  readonly required: number;
  readonly fromNewNodes: number;
  readonly fromExistingNodes: number;
}

export interface NewNodeBatch {
  readonly group: string;
  readonly instanceType?: string;
  readonly zone: string;
  readonly subnetId?: string;
  readonly nodes: number;
  readonly workloadPods: number;
  readonly ips: number;
}

/** One full new node, for messages: what it runs and what it takes. */
export interface TypicalNode {
  readonly group: string;
  readonly instanceType?: string;
  readonly workloadPods: number;
  readonly daemonSets: DaemonSetLoad;
  readonly addresses: NodeAddresses;
  readonly maxPods: number;
}

export interface Simulation {
  readonly peak: Peak;
  readonly deltaPods: number;
  readonly cni: CniSettings;
  readonly whatIf: boolean;
  readonly existingNodesUsed: number;
  readonly podsOnExisting: number;
  readonly newNodes: number;
  readonly batches: readonly NewNodeBatch[];
  readonly typicalNode?: TypicalNode;
  readonly unplaced: number;
  /** Pods placed on nodes whose CNI can never give them an address (SPEC `unservedPods`). */
  readonly unservedPods: number;
  readonly unserved: readonly UnservedBatch[];
  readonly subnets: readonly SubnetDemand[];
  readonly ipsRequired: number;
  readonly ipsAvailable: number;
  readonly notes: readonly string[];
  /** Where new nodes' type and zone are the launcher's choice (Karpenter, Auto Mode): the bounds. */
  readonly bounds?: NewNodeBounds;
  /** What the change needs that the inputs do not describe; its addresses are not in the sums. */
  readonly unresolved: readonly Unresolved[];
}

/**
 * The change's peak pods, placed on existing nodes and then on new nodes of a node group, turned into the
 * addresses every subnet must give, beside what EC2 says is free.
 */
/** Where the added pods go and what that takes per subnet: everything but what is free and reserved. */
export interface Demand {
  readonly fromNew: ReadonlyMap<string, number>;
  readonly fromExisting: ReadonlyMap<string, number>;
  /** Subnets of the existing nodes that take pods, even when they need no new address. */
  readonly touched: ReadonlySet<string>;
  readonly batches: readonly NewNodeBatch[];
  readonly typicalNode?: TypicalNode;
  readonly existingNodesUsed: number;
  readonly podsOnExisting: number;
  readonly newNodes: number;
  readonly unplaced: number;
  readonly unserved: readonly UnservedBatch[];
  readonly notes: readonly string[];
  /** Per new node, its addresses over the launcher's candidate types (Karpenter, Auto Mode). */
  readonly spreads?: { readonly kind: ProvisionerKind; readonly nodes: readonly NodeSpread[] };
  readonly unresolved: readonly Unresolved[];
}

const NO_DEMAND: Demand = {
  fromNew: new Map(),
  fromExisting: new Map(),
  touched: new Set(),
  batches: [],
  existingNodesUsed: 0,
  podsOnExisting: 0,
  newNodes: 0,
  unplaced: 0,
  unserved: [],
  notes: [],
  unresolved: [],
};

/** Demands worked out per model: the same pods on the same state land the same way, so repeats are free. */
const MAX_DEMANDS_PER_MODEL = 512;
/**
 * Keys past this (a pod with hundreds of tolerations or selector terms) are computed uncached: the
 * table is bounded in bytes, not only in entries, whatever a request carries.
 */
const MAX_DEMAND_KEY_CHARS = 8192;
const demands = new WeakMap<
  ClusterModel,
  Map<string, { readonly cni: CniSettings; readonly demand: Demand }>
>();

function demandOf(
  model: ClusterModel,
  pod: PodShape,
  pods: number,
  cni: CniSettings,
  book: AddressBook,
  workload: string,
  newRevision: boolean,
): Demand {
  // Under topology spread the pods' labels and revision decide which running pods count.
  const spread = pod.spread ? `|${JSON.stringify([pod.spread, pod.labels, newRevision])}` : '';
  const key = `${shapeKey(pod, workload)}|${pods}|${workload}${spread}`;
  if (key.length > MAX_DEMAND_KEY_CHARS)
    return computeDemand(model, pod, pods, cni, book, workload, newRevision);
  let table = demands.get(model);
  if (!table)
    demands.set(
      model,
      (table = new Map<string, { readonly cni: CniSettings; readonly demand: Demand }>()),
    );
  const hit = table.get(key);
  if (hit && hit.cni === cni) return hit.demand;
  const demand = computeDemand(model, pod, pods, cni, book, workload, newRevision);
  if (table.size >= MAX_DEMANDS_PER_MODEL) table.clear();
  table.set(key, { cni, demand });
  return demand;
}

function computeDemand(
  model: ClusterModel,
  pod: PodShape,
  pods: number,
  cni: CniSettings,
  book: AddressBook,
  workload: string,
  newRevision: boolean,
): Demand {
  // Every pod on registered nodes, each node's addresses its own affair: the sums along the trajectory.
  const tracked = trackedDemand({ model, pod, pods, cni, book, workload, newRevision });
  if (tracked)
    return {
      fromNew: NO_DEMAND.fromNew,
      fromExisting: tracked.fromExisting,
      touched: tracked.touched,
      batches: NO_DEMAND.batches,
      existingNodesUsed: tracked.existingNodesUsed,
      podsOnExisting: pods,
      newNodes: 0,
      unplaced: 0,
      unserved: NO_DEMAND.unserved,
      notes: NO_DEMAND.notes,
      unresolved: NO_DEMAND.unresolved,
    };
  const notes: string[] = [];
  const unresolved: Unresolved[] = [];
  const fromNew = new Map<string, number>();
  const fromExisting = new Map<string, number>();
  const touched = new Set<string>();
  const batches = new Map<string, NewNodeBatch>();
  let typicalNode: TypicalNode | undefined;
  let existingNodesUsed = 0;
  let podsOnExisting = 0;
  let newNodes = 0;
  const placement = placePods({ model, pod, pods, cni, book, workload, newRevision });
  notes.push(...placement.notes);
  unresolved.push(...(placement.provision?.unresolved ?? []));
  const placer = new SecondaryEniPlacer(model, cni);
  const missingEniConfigs = new Map<string, number>();
  const noteMissing = (s: NodeSubnets): void => {
    if (s.missingEniConfig !== undefined)
      missingEniConfigs.set(
        s.missingEniConfig,
        (missingEniConfigs.get(s.missingEniConfig) ?? 0) + 1,
      );
  };
  const pool = pod.network === 'pool' ? 1 : 0;
  const branch = pod.network === 'branch' ? 1 : 0;
  const unserved = new UnservedTally();
  const growth: ExistingGrowth = {
    model,
    cni,
    book,
    placer,
    fromExisting,
    touched,
    notes,
    unresolved,
    noteMissing,
    unserved,
  };
  for (const { node, pods: onNode } of placement.existing) {
    existingNodesUsed += 1;
    podsOnExisting += onNode;
    growExistingNode(
      growth,
      node,
      node.usage.poolPods + pool * onNode,
      node.usage.branchPods + branch * onNode,
    );
  }

  const provision = placement.provision;
  const spreads: NodeSpread[] = [];
  // Per pool: new nodes of a type nobody describes, and per zone those with no listed subnet.
  const noType = new Map<string, { instanceType?: string; nodes: number }>();
  const noSubnet = new Map<string, { pool: string; zone: string; nodes: number }>();
  for (const plan of provision?.nodes ?? []) {
    newNodes += 1;
    const { subnetId } = plan;
    const likely = plan.candidates[0];
    if (!likely?.limits) {
      const had = noType.get(plan.pool);
      noType.set(plan.pool, {
        ...(likely?.instanceType !== undefined && { instanceType: likely.instanceType }),
        nodes: (had?.nodes ?? 0) + 1,
      });
    }
    const nodeCni = plan.cni ?? cni;
    const key = `${plan.pool}/${plan.zone}/${subnetId ?? ''}`;
    let ips = 0;
    if (likely?.limits) {
      const settings = addressSettings(model, nodeCni, subnetId);
      const a = withLaunchPrefixes(
        book.addresses(
          likely.limits,
          settings,
          likely.maxPods,
          plan.daemonSets.poolPods + pool * plan.workloadPods,
          plan.daemonSets.branchPods + branch * plan.workloadPods,
        ),
        plan.launchPrefixes,
      );
      ips = a.ips;
      if (provision && provision.kind !== 'node-group')
        spreads.push(spreadOf(plan, a.ips, nodeCni, pool, branch, model, book));
      const bare = book.addresses(
        likely.limits,
        settings,
        likely.maxPods,
        plan.daemonSets.poolPods,
        plan.daemonSets.branchPods,
      );
      unserved.add(
        plan.pool,
        likely.instanceType,
        true,
        likely.limits,
        settings,
        likely.maxPods,
        a.podsWithoutIp - bare.podsWithoutIp,
      );
      const subnets = nodeSubnets(model, nodeCni.customNetworking, subnetId, plan.eniConfig);
      noteMissing(subnets);
      addShares(
        fromNew,
        subnets.pod !== undefined && subnets.pod !== subnets.node
          ? sharesOf(a, subnets)
          : placedShares(a, subnets, placer),
      );
      if (!typicalNode || plan.workloadPods > typicalNode.workloadPods) {
        typicalNode = {
          group: plan.pool,
          ...(likely.instanceType !== undefined && { instanceType: likely.instanceType }),
          workloadPods: plan.workloadPods,
          daemonSets: plan.daemonSets,
          addresses: a,
          maxPods: likely.maxPods,
        };
      }
    }
    if (subnetId === undefined) {
      const at = `${plan.pool}/${plan.zone}`;
      const had = noSubnet.get(at);
      noSubnet.set(at, { pool: plan.pool, zone: plan.zone, nodes: (had?.nodes ?? 0) + 1 });
    }
    const b = batches.get(key);
    batches.set(key, {
      group: plan.pool,
      ...(likely?.instanceType !== undefined && { instanceType: likely.instanceType }),
      zone: plan.zone,
      ...(subnetId !== undefined && { subnetId }),
      nodes: (b?.nodes ?? 0) + 1,
      workloadPods: (b?.workloadPods ?? 0) + plan.workloadPods,
      ips: (b?.ips ?? 0) + ips,
    });
  }

  for (const [group, t] of noType)
    unresolved.push({
      cause: 'group-type',
      group,
      ...(t.instanceType !== undefined && { instanceType: t.instanceType }),
      newNodes: t.nodes,
    });
  for (const z of noSubnet.values())
    unresolved.push({ cause: 'group-subnet', group: z.pool, zone: z.zone, newNodes: z.nodes });
  for (const [name, nodes] of missingEniConfigs) notes.push(missingEniConfigNote(name, nodes));
  return {
    fromNew,
    fromExisting,
    touched,
    batches: [...batches.values()],
    ...(typicalNode && { typicalNode }),
    existingNodesUsed,
    podsOnExisting,
    newNodes,
    unplaced: placement.unplaced,
    unserved: unserved.batches(),
    notes,
    unresolved,
    ...(provision &&
      provision.kind !== 'node-group' &&
      spreads.length > 0 && { spreads: { kind: provision.kind, nodes: spreads } }),
  };
}

/** One new node's addresses with each type its launcher may pick. */
function spreadOf(
  plan: NewNode,
  likelyIps: number,
  nodeCni: CniSettings,
  pool: number,
  branch: number,
  model: ClusterModel,
  book: AddressBook,
): NodeSpread {
  let best = likelyIps;
  let worst = likelyIps;
  const likelyType = plan.candidates[0]?.instanceType;
  let bestType = likelyType;
  let worstType = likelyType;
  for (const c of plan.candidates.slice(1)) {
    if (!c.limits) continue;
    const ds = c.daemonSets ?? plan.daemonSets;
    const ips = withLaunchPrefixes(
      book.addresses(
        c.limits,
        addressSettings(model, nodeCni, plan.subnetId),
        c.maxPods,
        ds.poolPods + pool * plan.workloadPods,
        ds.branchPods + branch * plan.workloadPods,
      ),
      plan.launchPrefixes,
    ).ips;
    if (ips < best) {
      best = ips;
      bestType = c.instanceType;
    }
    if (ips > worst) {
      worst = ips;
      worstType = c.instanceType;
    }
  }
  return {
    pool: plan.pool,
    zone: plan.zone,
    ...(plan.subnetId !== undefined && { subnetId: plan.subnetId }),
    likely: likelyIps,
    best,
    worst,
    ...(likelyType !== undefined && { likelyType }),
    ...(bestType !== undefined && { bestType }),
    ...(worstType !== undefined && { worstType }),
    ...(plan.zoneOptions && { zoneOptions: plan.zoneOptions }),
    candidates: plan.candidates.flatMap(c =>
      c.instanceType === undefined ? [] : [c.instanceType],
    ),
  };
}

export function simulate(input: SimulationInput): Simulation {
  const { model, change, book } = input;
  const cni = input.cni ?? model.cni;
  const whatIf = cni !== model.cni && JSON.stringify(cni) !== JSON.stringify(model.cni);
  const peak = peakOf(change);
  const deltaPods = Math.max(0, peak.peakPods - peak.currentPods);
  let demand = NO_DEMAND;
  const notes: string[] = [];
  const unresolved: Unresolved[] = [];
  const who = `${change.desired.kind} ${change.desired.namespace}/${change.desired.name}`;
  if (deltaPods > 0 && !peak.pod) {
    unresolved.push({ cause: 'pod-template', workload: who });
  } else if (change.desired.kind === 'DaemonSet') {
    // Not placed: one pod per node it admits, bound there by the controller.
    if (peak.change !== 'none') {
      demand = daemonSetDemand(model, change.current, change.desired, peak, cni, book);
      notes.push(...demand.notes);
      unresolved.push(...demand.unresolved);
    }
  } else if (deltaPods > 0 && peak.pod) {
    demand = demandOf(
      model,
      peak.pod,
      deltaPods,
      cni,
      book,
      workloadKey(change.desired.kind, change.desired.namespace, change.desired.name),
      peak.change === 'rollout' || peak.change === 'switch',
    );
    notes.push(...demand.notes);
    unresolved.push(...demand.unresolved);
  }
  const { fromNew, fromExisting, touched } = demand;

  const credit = whatIf
    ? settingsCredit(model, model.cni, cni, book, unresolved)
    : new Map<string, number>();
  const ids = new Set<string>(fromNew.keys());
  for (const id of fromExisting.keys()) ids.add(id);
  for (const id of touched) ids.add(id);
  const subnets: SubnetDemand[] = [...ids].sort().map(id => {
    const s = model.subnets.get(id);
    if (!s) unresolved.push({ cause: 'subnet', subnetId: id, via: subnetUser(model, id) });
    const free = s?.availableIps ?? 0;
    const reserved = input.reserved?.get(id) ?? 0;
    const c = credit.get(id) ?? 0;
    const n = fromNew.get(id) ?? 0;
    const e = fromExisting.get(id) ?? 0;
    return {
      id,
      zone: s?.zone ?? '',
      free,
      reserved,
      credit: c,
      available: free - reserved + c,
      required: n + e,
      fromNewNodes: n,
      fromExistingNodes: e,
    };
  });
  const ipsRequired = subnets.reduce((n, s) => n + s.required, 0);
  let bounds: NewNodeBounds | undefined;
  if (demand.spreads) {
    const required = new Map(subnets.map(s => [s.id, s.required]));
    const available = new Map(subnets.map(s => [s.id, s.available]));
    const fromExistingTotal = subnets.reduce((n, s) => n + s.fromExistingNodes, 0);
    bounds = newNodeBounds(
      demand.spreads.kind,
      demand.spreads.nodes,
      required,
      id => {
        const known = available.get(id);
        if (known !== undefined) return known;
        const s = model.subnets.get(id);
        return s === undefined
          ? undefined
          : s.availableIps - (input.reserved?.get(id) ?? 0) + (credit.get(id) ?? 0);
      },
      fromExistingTotal,
    );
  }
  return {
    peak,
    deltaPods,
    cni,
    whatIf,
    existingNodesUsed: demand.existingNodesUsed,
    podsOnExisting: demand.podsOnExisting,
    newNodes: demand.newNodes,
    batches: demand.batches,
    unplaced: demand.unplaced,
    unservedPods: demand.unserved.reduce((n, b) => n + b.pods, 0),
    unserved: demand.unserved,
    subnets,
    ipsRequired,
    ipsAvailable: subnets.reduce((n, s) => n + s.available, 0),
    // One cause, one message: the same note from several nodes is said once.
    notes: [...new Set(notes)],
    unresolved,
    // What may be absent comes last: fields after a spread are added one shape transition at a time,
    // which a new body reads back from memory.
    ...(demand.typicalNode && { typicalNode: demand.typicalNode }),
    ...(bounds && { bounds }),
  };
}

/** What sends addresses to a subnet the inputs do not list (an ENIConfig, under custom networking). */
function subnetUser(model: ClusterModel, id: string): string {
  for (const e of model.eniConfigs.values()) if (e.subnetId === id) return `ENIConfig ${e.name}`;
  return 'addresses the change takes';
}
