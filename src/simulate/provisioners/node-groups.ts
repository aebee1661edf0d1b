import { podFitsNodeFace } from '../fit.js';
import { faceInZone, nodeGroupsOf, type GroupZone, type NodeGroup } from '../node-groups.js';
import { daemonSetLoad, schedulerRoom, type DaemonSetLoad } from '../node-room.js';
import {
  MAX_NEW_NODES,
  type NewNode,
  type Provision,
  type ProvisionRequest,
  type Provisioner,
} from './provisioner.js';

/**
 * Node groups (EKS managed node groups, eksctl groups, and Karpenter pools ipguard has no NodePool for)
 * under Cluster Autoscaler: a new node is a copy of the group's most common instance type, and an Auto
 * Scaling group spreads new instances over its zones.
 */

interface GroupChoice {
  readonly group: NodeGroup;
  readonly zones: readonly GroupZone[];
  readonly daemonSets: DaemonSetLoad;
  readonly perNode: number;
}

/** Node groups whose new nodes can run the pod, best first: where the workload runs now, then the largest. */
function groupChoices(req: ProvisionRequest, skip: ReadonlySet<string>): GroupChoice[] {
  const { model, pod } = req;
  const hosting = model.workloadNodes.get(req.workload);
  const runsIn = new Map<string, number>();
  for (const [nodeName, count] of hosting ?? []) {
    const g = model.nodes.get(nodeName)?.nodeGroup;
    if (g !== undefined) runsIn.set(g, (runsIn.get(g) ?? 0) + count);
  }
  const choices: GroupChoice[] = [];
  for (const group of nodeGroupsOf(model)) {
    if (skip.has(group.name)) continue;
    const zones = group.zones.filter(z => podFitsNodeFace(pod, faceInZone(group, z.zone)));
    const first = zones[0];
    if (!first) continue;
    const ds = daemonSetLoad(model.daemonSets, faceInZone(group, first.zone));
    const perNode = schedulerRoom(group, ds, pod);
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

export class NodeGroupProvisioner implements Provisioner {
  readonly kind = 'node-group' as const;

  readonly #skip: ReadonlySet<string>;

  /** `skip`: groups another provisioner owns (Karpenter pools whose NodePool is known). */
  constructor(skip: ReadonlySet<string> = new Set()) {
    this.#skip = skip;
  }

  zones(req: ProvisionRequest): readonly string[] {
    const out = new Set<string>();
    for (const c of groupChoices(req, this.#skip)) for (const z of c.zones) out.add(z.zone);
    return [...out].sort();
  }

  provision(req: ProvisionRequest): Provision | undefined {
    if (req.podsByZone) return this.#provisionByZone(req, req.podsByZone);
    const choice = groupChoices(req, this.#skip)[0];
    if (!choice) return undefined;
    return this.#launch(req, choice, choice.zones, req.pods);
  }

  /** Pods whose zones the spread fixes: per zone, the best group that has nodes there. */
  #provisionByZone(req: ProvisionRequest, podsByZone: ReadonlyMap<string, number>): Provision {
    const choices = groupChoices(req, this.#skip);
    const nodes: NewNode[] = [];
    const notes = new Set<string>();
    let unplaced = 0;
    for (const [zone, pods] of podsByZone) {
      const choice = choices.find(c => c.zones.some(z => z.zone === zone));
      if (!choice || nodes.length >= MAX_NEW_NODES) {
        unplaced += pods;
        continue;
      }
      const zones = choice.zones.filter(z => z.zone === zone);
      const p = this.#launch({ ...req, pods }, choice, zones, pods, MAX_NEW_NODES - nodes.length);
      nodes.push(...p.nodes);
      unplaced += p.unplaced;
      for (const n of p.notes) notes.add(n);
    }
    return { kind: this.kind, nodes, unplaced, notes: [...notes] };
  }

  #launch(
    req: ProvisionRequest,
    choice: GroupChoice,
    zones: readonly GroupZone[],
    pods: number,
    maxNodes = MAX_NEW_NODES,
  ): Provision {
    const notes: string[] = [];
    const { group } = choice;
    const perNode = Math.min(choice.perNode, req.maxPodsPerNode ?? Infinity);
    const nodePool = group.labels['karpenter.sh/nodepool'];
    if (nodePool !== undefined) {
      notes.push(
        `NodePool ${nodePool} is not in the inputs: new nodes are modelled as copies of its ${group.instanceType ?? 'existing'} nodes, but Karpenter picks each launch's type from what the NodePool allows (add nodepools and ec2nodeclasses to the capture)`,
      );
    }
    // A group of a type nobody describes still launches nodes: the simulation records them as unresolved.
    const wanted = Math.ceil(pods / perNode);
    // spec.replicas is an int32: a request can ask for two billion pods. Past this many new nodes the
    // subnets are long exhausted, and the rest are reported as not placed rather than simulated.
    const nodeCount = Math.min(wanted, maxNodes);
    const placedOnNew = Math.min(pods, nodeCount * perNode);
    if (wanted > maxNodes) {
      notes.push(
        `${pods} pods would need ${wanted} new nodes; only the first ${MAX_NEW_NODES} are simulated`,
      );
    }
    const candidate = {
      ...(group.instanceType !== undefined && { instanceType: group.instanceType }),
      ...(group.limits && { limits: group.limits }),
      maxPods: group.maxPods,
    };
    const nodes: NewNode[] = spreadOverZones(zones, nodeCount).map((zone, i) => {
      const subnetId = zone.subnetIds[0];
      return {
        pool: group.name,
        zone: zone.zone,
        ...(subnetId !== undefined && { subnetId }),
        ...(zone.eniConfig !== undefined && { eniConfig: zone.eniConfig }),
        workloadPods: i < nodeCount - 1 ? perNode : placedOnNew - perNode * (nodeCount - 1),
        daemonSets: choice.daemonSets,
        candidates: [candidate],
      };
    });
    return { kind: this.kind, nodes, unplaced: pods - placedOnNew, notes };
  }
}
