import type { InstanceLimits } from '../cni/instance-limits.js';
import type { ClusterModel, Labels, Node, Taint } from '../cluster/model.js';
import { ZONE_LABELS } from '../cluster/objects/node.js';
import type { NodeFace } from './fit.js';
import { limitsOf } from '../cluster/limits-of.js';
import { collectInNameOrder } from './node-order.js';

/** Labels that belong to one machine, not to the group's template. */
const PER_NODE_LABELS = [
  'kubernetes.io/hostname',
  'topology.ebs.csi.aws.com/zone',
  'topology.k8s.aws/zone-id',
  ...ZONE_LABELS,
];

/** Taints that come and go with a node's life, never on a fresh node once it is ready. */
export function isTransientTaint(t: Taint): boolean {
  return (
    t.key.startsWith('node.kubernetes.io/') ||
    t.key.startsWith('node.cloudprovider.kubernetes.io/') ||
    t.key === 'ToBeDeletedByClusterAutoscaler' ||
    t.key === 'DeletionCandidateOfClusterAutoscaler' ||
    t.key === 'karpenter.sh/disrupted' ||
    t.key === 'karpenter.sh/disruption' ||
    t.key === 'karpenter.sh/unregistered'
  );
}

export interface GroupZone {
  readonly zone: string;
  /** Nodes of the group in this zone now. */
  readonly nodes: number;
  /** Subnets the group's nodes use in this zone, most used first. */
  readonly subnetIds: readonly string[];
  /** The ENIConfig the group's nodes use there (custom networking). */
  readonly eniConfig?: string;
}

/** What a new node of a group looks like: its representative's type, resources, labels and taints. */
export interface NodeGroup {
  readonly name: string;
  readonly instanceType?: string;
  readonly limits?: InstanceLimits;
  readonly labels: Labels;
  readonly taints: readonly Taint[];
  readonly allocatable: Node['allocatable'];
  readonly maxPods: number;
  readonly zones: readonly GroupZone[];
  readonly nodeCount: number;
}

/** A planned node of a group in a zone, as scheduling predicates see it. */
export function faceInZone(group: NodeGroup, zone: string): NodeFace {
  const labels: Record<string, string> = { ...group.labels };
  for (const k of ZONE_LABELS) labels[k] = zone;
  return { name: `(new ${group.name} node)`, labels, taints: group.taints };
}

function mostCommon<T>(values: Iterable<T>): T | undefined {
  const counts = new Map<T, number>();
  let best: T | undefined;
  let bestCount = 0;
  for (const v of values) {
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

const derived = new WeakMap<ClusterModel, readonly NodeGroup[]>();

/**
 * Node groups (EKS managed node groups, Karpenter node pools, eksctl groups) as templates for new nodes.
 * Derived once per model: the model is immutable.
 */
export function nodeGroupsOf(model: ClusterModel): readonly NodeGroup[] {
  const cached = derived.get(model);
  if (cached) return cached;
  // Each group's nodes in name order, from the model's name order: no sort per group and version.
  const byGroup = new Map<string, Node[]>();
  for (const n of collectInNameOrder(model, n => (n.nodeGroup === undefined ? undefined : n))) {
    const group = n.nodeGroup as string;
    let list = byGroup.get(group);
    if (!list) byGroup.set(group, (list = []));
    list.push(n);
  }
  const groups: NodeGroup[] = [];
  for (const [name, nodes] of [...byGroup].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // A loop, not flatMap: flatMap's one-element arrays were most of this function's time.
    const types: string[] = [];
    for (const n of nodes) if (n.instanceType !== undefined) types.push(n.instanceType);
    const type = mostCommon(types);
    const rep = nodes.find(n => n.instanceType === type) ?? nodes[0];
    if (!rep) continue;
    const labels: Record<string, string> = { ...rep.labels };
    for (const k of PER_NODE_LABELS) Reflect.deleteProperty(labels, k);
    const zones = new Map<string, { nodes: number; subnets: string[]; eniConfigs: string[] }>();
    for (const n of nodes) {
      if (n.zone === undefined) continue;
      let z = zones.get(n.zone);
      if (!z) zones.set(n.zone, (z = { nodes: 0, subnets: [], eniConfigs: [] }));
      z.nodes += 1;
      if (n.subnetId !== undefined) z.subnets.push(n.subnetId);
      if (n.eniConfig !== undefined) z.eniConfigs.push(n.eniConfig);
    }
    const limits = limitsOf(model, type);
    groups.push({
      name,
      ...(type !== undefined && { instanceType: type }),
      ...(limits && { limits }),
      labels,
      taints: rep.taints.filter(t => !isTransientTaint(t)),
      allocatable: rep.allocatable,
      maxPods: rep.maxPods,
      zones: [...zones]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([zone, z]) => {
          const bySubnet = new Map<string, number>();
          for (const s of z.subnets) bySubnet.set(s, (bySubnet.get(s) ?? 0) + 1);
          const eniConfig = mostCommon(z.eniConfigs);
          return {
            zone,
            nodes: z.nodes,
            subnetIds: [...bySubnet]
              .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
              .map(([s]) => s),
            ...(eniConfig !== undefined && { eniConfig }),
          };
        }),
      nodeCount: nodes.length,
    });
  }
  derived.set(model, groups);
  return groups;
}
