import type { CniSettings } from '../cni/settings.js';
import type { ClusterModel, PodShape, Workload } from '../cluster/model.js';
import { NODE_GROUP_LABELS } from '../cluster/objects/node.js';
import type { AddressBook } from '../simulate/address-book.js';
import type { NodeGroup } from '../simulate/node-groups.js';
import { simulate, type Simulation } from '../simulate/simulate.js';
import type { TypicalPod } from './typical-pod.js';
import { uniqueUnresolved, type Unresolved } from '../simulate/unresolved.js';

/** How many more typical pods a node group can take before one of its subnets runs out. */
export interface Runway {
  readonly pods: number;
  /** Of those, on the group's nodes as they are. */
  readonly onExistingNodes: number;
  readonly newNodes: number;
  /** Addresses one full new node takes (ENI primaries and pool), and what it runs. */
  readonly newNode?: {
    readonly ips: number;
    readonly workloadPods: number;
    readonly daemonSetPods: number;
    /** DaemonSet pods that take a pool address (not hostNetwork). */
    readonly daemonSetPodsWithIp: number;
  };
  /** The subnet that runs out first: one more pod would need more than it has. */
  readonly limitedBy?: {
    readonly subnetId: string;
    readonly zone: string;
    readonly available: number;
    readonly required: number;
  };
  /** The search stopped at its ceiling: at least this many fit. */
  readonly atLeast: boolean;
  readonly notes: readonly string[];
  /**
   * What more pods would need that the inputs do not describe (nodes in no listed subnet, a type not
   * given): the runway is then `pods` as counted so far, and past that unknown.
   */
  readonly unresolved: readonly Unresolved[];
}

/** No node group's runway is worth counting past this; it also bounds the search. */
export const RUNWAY_CEILING = 100_000;

/** The label that names this group on its nodes, so the probe pods stay on it. */
function groupLabel(model: ClusterModel, group: NodeGroup): string | undefined {
  for (const n of model.nodes.values()) {
    if (n.nodeGroup !== group.name) continue;
    return NODE_GROUP_LABELS.find(k => n.labels[k] === group.name);
  }
  return undefined;
}

function probe(label: string, name: string, pod: TypicalPod, replicas: number): Workload {
  const shape: PodShape = {
    requests: { cpuMilli: pod.cpuMilli, memoryBytes: pod.memoryBytes },
    network: 'pool',
    nodeSelector: { [label]: name },
    requiredNodeTerms: [],
    // Pods meant for a tainted group tolerate its taints.
    tolerations: [{ operator: 'Exists' }],
    onePerNode: false,
    labels: {},
  };
  return {
    kind: 'Deployment',
    namespace: 'ipguard-report',
    name: `runway-${name}`,
    labels: {},
    annotations: {},
    replicas,
    paused: false,
    templateKey: 'runway',
    pod: shape,
    deploymentStrategy: { type: 'RollingUpdate' },
    status: {},
  };
}

/**
 * Pods past the first that reaches something the inputs do not describe are not counted: a runway over
 * unknown subnets or types would be a guess.
 */
function fits(sim: Simulation): boolean {
  return sim.unresolved.length === 0 && fitsCounted(sim);
}

function fitsCounted(sim: Simulation): boolean {
  return (
    sim.unplaced === 0 &&
    sim.unservedPods === 0 &&
    sim.subnets.every(s => s.required <= s.available)
  );
}

/**
 * Runway by simulation: the most replicas of a typical pod, pinned to the group, that the simulation
 * places (existing nodes first, then new nodes of the group) with every subnet they draw from still
 * having enough free addresses. Found by doubling and then bisecting.
 */
export function runwayOf(
  model: ClusterModel,
  book: AddressBook,
  group: NodeGroup,
  pod: TypicalPod,
  nowMs: number,
  /** What-if settings: new nodes take what they would, existing nodes give back what they would. */
  cni?: CniSettings,
): Runway {
  const label = groupLabel(model, group);
  if (label === undefined) {
    return {
      pods: 0,
      onExistingNodes: 0,
      newNodes: 0,
      atLeast: false,
      notes: ['the node group label of its nodes is not known'],
      unresolved: [],
    };
  }
  return search(model, book, label, group.name, pod, nowMs, cni, fits);
}

/**
 * The most replicas of the probe pod, pinned by `label: name`, for which `ok` holds of the simulation:
 * doubling, then bisecting.
 */
function search(
  model: ClusterModel,
  book: AddressBook,
  label: string,
  name: string,
  pod: TypicalPod,
  nowMs: number,
  cni: CniSettings | undefined,
  ok: (sim: Simulation) => boolean,
): Runway {
  const run = (n: number): Simulation =>
    simulate({
      model,
      change: { desired: probe(label, name, pod, n), replicaSets: [], nowMs },
      book,
      ...(cni && { cni }),
    });
  let good = 0;
  let goodSim: Simulation | undefined;
  let bad: number | undefined;
  let badSim: Simulation | undefined;
  for (let n = 1; n <= RUNWAY_CEILING; n = Math.min(n * 2, RUNWAY_CEILING)) {
    const sim = run(n);
    if (ok(sim)) {
      good = n;
      goodSim = sim;
      if (n === RUNWAY_CEILING) break;
    } else {
      bad = n;
      badSim = sim;
      break;
    }
  }
  while (bad !== undefined && bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    const sim = run(mid);
    if (ok(sim)) {
      good = mid;
      goodSim = sim;
    } else {
      bad = mid;
      badSim = sim;
    }
  }
  const missing = badSim?.unresolved ?? [];
  const short =
    missing.length > 0
      ? undefined
      : badSim?.subnets
          .filter(s => s.required > s.available)
          .sort((a, b) => b.required - b.available - (a.required - a.available))[0];
  const typical = (goodSim ?? badSim)?.typicalNode;
  const notes = [...new Set([...(goodSim?.notes ?? []), ...(badSim?.notes ?? [])])];
  return {
    pods: good,
    onExistingNodes: goodSim?.podsOnExisting ?? 0,
    newNodes: goodSim?.newNodes ?? 0,
    ...(typical && {
      newNode: {
        ips: typical.addresses.ips,
        workloadPods: typical.workloadPods,
        daemonSetPods: typical.daemonSets.pods,
        daemonSetPodsWithIp: typical.daemonSets.poolPods,
      },
    }),
    ...(short && {
      limitedBy: {
        subnetId: short.id,
        zone: short.zone,
        available: short.available,
        required: short.required,
      },
    }),
    atLeast: bad === undefined,
    notes,
    unresolved: uniqueUnresolved(missing),
  };
}

/** Under the likely types, and when Karpenter or Auto Mode may pick any type the NodePool allows. */
export interface NodePoolRunway extends Runway {
  readonly instanceType?: string;
  /** Pods that still fit whatever type and zone the launcher picks. */
  readonly worstCasePods: number;
  readonly worstType?: string;
}

/** Nothing falls short even with the worst candidate type, or with every new node in one zone. */
function fitsWorst(sim: Simulation): boolean {
  const b = sim.bounds;
  return (
    fits(sim) &&
    (b === undefined ||
      (b.worstShort.length === 0 &&
        b.zones.every(z => z.available === undefined || z.worstRequired <= z.available)))
  );
}

/** Runway of a Karpenter or Auto Mode NodePool: probe pods that select it by its karpenter.sh/nodepool label. */
export function nodePoolRunway(
  model: ClusterModel,
  book: AddressBook,
  pool: string,
  pod: TypicalPod,
  nowMs: number,
): NodePoolRunway {
  const likely = search(model, book, 'karpenter.sh/nodepool', pool, pod, nowMs, undefined, fits);
  const worst = search(
    model,
    book,
    'karpenter.sh/nodepool',
    pool,
    pod,
    nowMs,
    undefined,
    fitsWorst,
  );
  const probeSim = simulate({
    model,
    change: {
      desired: probe('karpenter.sh/nodepool', pool, pod, Math.max(1, likely.pods)),
      replicaSets: [],
      nowMs,
    },
    book,
  });
  const b = probeSim.bounds;
  return {
    ...likely,
    ...(b?.likelyType !== undefined && { instanceType: b.likelyType }),
    worstCasePods: worst.pods,
    ...(b?.worstType !== undefined && { worstType: b.worstType }),
  };
}
