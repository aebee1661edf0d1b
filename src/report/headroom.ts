import { describeCniSettings } from '../cni/settings.js';
import { usableAddresses } from '../cluster/aws/subnets.js';
import type { ClusterModel } from '../cluster/model.js';
import { demandOf, selectSubnets } from '../cluster/aws/subnet-selection.js';
import { AddressBook } from '../simulate/address-book.js';
import { nodeGroupsOf } from '../simulate/node-groups.js';
import { idleSettings, type IdleSettings } from './idle-settings.js';
import { nodeHolding, type NodeHolding } from './node-holding.js';
import { nodePoolRunway, runwayOf, type NodePoolRunway, type Runway } from './runway.js';
import { typicalPod, type TypicalPod } from './typical-pod.js';
import { describeUnresolved, type Unresolved } from '../simulate/unresolved.js';

export interface SubnetHeadroom {
  readonly id: string;
  readonly zone: string;
  readonly cidr: string;
  /** The CIDR less the 5 addresses AWS reserves. */
  readonly usable: number;
  /** Free, as EC2 reports it. */
  readonly free: number;
  readonly nodes: number;
  /** Addresses this cluster's nodes take here: ENI primaries, warm pools, branch ENIs. */
  readonly held: number;
  readonly used: number;
  readonly idle: number;
  /** usable − free − held: load balancers, endpoints, other clusters, or pools larger than modelled. */
  readonly other: number;
}

export interface GroupHeadroom {
  readonly name: string;
  readonly instanceType?: string;
  readonly nodes: number;
  readonly zones: readonly string[];
  readonly subnets: readonly string[];
  readonly pods: number;
  readonly poolPods: number;
  readonly held: number;
  readonly pool: number;
  readonly used: number;
  readonly idle: number;
  readonly idlePerNode: number;
  /** Why the pools have their size (the CNI setting in force), most common first. */
  readonly reasons: readonly string[];
  readonly typicalPod: TypicalPod;
  readonly runway?: Runway;
  /** Runway in pods under the first idle setting (its new nodes take fewer addresses, old ones give some back). */
  readonly runwayWithIdleSetting?: number;
}

/** A Karpenter or EKS Auto Mode NodePool: where its new nodes would go and how many more pods fit. */
export interface NodePoolHeadroom {
  readonly name: string;
  readonly weight: number;
  readonly provisioner: 'karpenter' | 'auto-mode';
  readonly nodeClass: string;
  /** Subnets the node class lists (status.subnets) and their zones. */
  readonly subnets: readonly string[];
  readonly zones: readonly string[];
  /** Its nodes now (label karpenter.sh/nodepool). */
  readonly nodes: number;
  readonly typicalPod: TypicalPod;
  readonly runway: NodePoolRunway;
}

export interface Totals {
  readonly nodes: number;
  readonly pods: number;
  readonly poolPods: number;
  readonly free: number;
  readonly held: number;
  readonly used: number;
  readonly idle: number;
}

export interface HeadroomReport {
  readonly cni: { readonly settings: string; readonly env: Readonly<Record<string, string>> };
  readonly holdingsFrom: 'network-interfaces' | 'cni-model';
  readonly totals: Totals;
  readonly subnets: readonly SubnetHeadroom[];
  readonly nodeGroups: readonly GroupHeadroom[];
  readonly nodePools: readonly NodePoolHeadroom[];
  readonly nodes: readonly NodeHolding[];
  readonly idleSettings: IdleSettings;
  /** Subnets in the input that no node, ENIConfig, CNI or cluster tag ties to this cluster. */
  readonly otherSubnets: readonly string[];
  /**
   * What the inputs do not describe, one line per cause: nodes in no listed subnet, types not given,
   * node groups whose runway stops at them. The figures leave these out; the report leads with them.
   */
  readonly incomplete: readonly string[];
  readonly notes: readonly string[];
}

export interface ReportOptions {
  readonly nowMs: number;
  /**
   * Subnets tagged `kubernetes.io/cluster/<name>` in the nodes' VPC are this cluster's: the name given
   * (--cluster-name, IPGUARD_CLUSTER_NAME), else aws-node's CLUSTER_NAME. As the live state selects them.
   */
  readonly clusterName?: string;
  /** Count runway in pods of this size instead of each group's average pod. */
  readonly pod?: { readonly cpuMilli: number; readonly memoryBytes: number };
}

const NO_GROUP = '(no node group)';

function sum<T>(items: readonly T[], f: (t: T) => number): number {
  return items.reduce((n, t) => n + f(t), 0);
}

function byCount(values: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
}

/**
 * Headroom of a cluster: per subnet the free addresses and who holds the rest, per node group and node
 * the addresses held against those pods use (the idle warm pool), the runway for a typical pod, and the
 * CNI settings that would give idle addresses back. Pure: the model in, plain data out.
 */
export function buildReport(model: ClusterModel, options: ReportOptions): HeadroomReport {
  const book = new AddressBook();
  const nodes = [...model.nodes.values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(n => nodeHolding(model, book, n));

  const selection = selectSubnets(
    [...model.subnets.values()],
    demandOf(
      model.nodes.values(),
      model.eniConfigs.values(),
      model.daemonSets,
      [
        ...(model.ec2NodeClasses?.values() ?? []),
        ...(model.autoModeNodeClasses?.values() ?? []),
      ].flatMap(c => c.subnets.map(s => s.id)),
    ),
    options.clusterName,
  );
  const subnets: SubnetHeadroom[] = [...selection.selected.values()]
    .sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : a.id < b.id ? -1 : 1))
    .map(s => {
      const here = nodes.filter(n => n.poolSubnet === s.id);
      const held = sum(nodes, n => n.shares[s.id] ?? 0);
      const usable = usableAddresses(s.cidr);
      return {
        id: s.id,
        zone: s.zone,
        cidr: s.cidr,
        usable,
        free: s.availableIps,
        nodes: nodes.filter(n => n.subnetId === s.id).length,
        held,
        used: sum(here, n => n.used),
        idle: sum(here, n => n.idle),
        other: Math.max(0, usable - s.availableIps - held),
      };
    });

  const groups = nodeGroupsOf(model);
  const settings = idleSettings(model, book);
  const best = settings.options[0];
  const names = byCount(nodes.map(n => n.group ?? NO_GROUP)).sort((a, b) =>
    a === NO_GROUP ? 1 : b === NO_GROUP ? -1 : a < b ? -1 : 1,
  );
  const nodeGroups: GroupHeadroom[] = names.map(name => {
    const members = nodes.filter(n => (n.group ?? NO_GROUP) === name);
    const group = groups.find(g => g.name === name);
    const pod: TypicalPod = options.pod
      ? { ...options.pod, basis: 'given', samplePods: 0 }
      : typicalPod(model, name === NO_GROUP ? undefined : name);
    const idle = sum(members, n => n.idle);
    return {
      name,
      ...(group?.instanceType !== undefined && { instanceType: group.instanceType }),
      nodes: members.length,
      zones: [...new Set(members.flatMap(n => (n.zone === undefined ? [] : [n.zone])))].sort(),
      subnets: [
        ...new Set(members.flatMap(n => (n.subnetId === undefined ? [] : [n.subnetId]))),
      ].sort(),
      pods: sum(members, n => n.pods),
      poolPods: sum(members, n => n.poolPods),
      held: sum(members, n => n.held),
      pool: sum(members, n => n.pool),
      used: sum(members, n => n.used),
      idle,
      idlePerNode: members.length === 0 ? 0 : Math.round((idle / members.length) * 10) / 10,
      reasons: byCount(members.flatMap(n => (n.reason === undefined ? [] : [n.reason]))),
      typicalPod: pod,
      ...(group && { runway: runwayOf(model, book, group, pod, options.nowMs) }),
      ...(group &&
        best && {
          runwayWithIdleSetting: runwayOf(model, book, group, pod, options.nowMs, best.cni).pods,
        }),
    };
  });

  const nodePools: NodePoolHeadroom[] = [...(model.nodePools?.values() ?? [])]
    .sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : 1))
    .map(pool => {
      const ref = pool.nodeClassRef;
      const autoMode = ref.group === 'eks.amazonaws.com';
      const nc = autoMode
        ? model.autoModeNodeClasses?.get(ref.name)
        : model.ec2NodeClasses?.get(ref.name);
      const pod: TypicalPod = options.pod
        ? { ...options.pod, basis: 'given', samplePods: 0 }
        : typicalPod(model, pool.name);
      return {
        name: pool.name,
        weight: pool.weight,
        provisioner: autoMode ? ('auto-mode' as const) : ('karpenter' as const),
        nodeClass: ref.name,
        subnets: (nc?.subnets ?? []).map(s => s.id),
        zones: [...new Set((nc?.subnets ?? []).map(s => s.zone))].sort(),
        nodes: [...model.nodes.values()].filter(
          n => n.labels['karpenter.sh/nodepool'] === pool.name,
        ).length,
        typicalPod: pod,
        runway: nodePoolRunway(model, book, pool.name, pod, options.nowMs),
      };
    });

  const notes: string[] = [];
  const fromEnis = model.holdings !== undefined;
  if (!fromEnis) {
    notes.push(
      'holdings are modelled from the CNI settings (the steady state of a fresh node); a node with a history can hold more: give network interfaces (describe-network-interfaces) for exact numbers',
    );
  }
  const missing: Unresolved[] = [];
  for (const n of model.nodes.values()) {
    if (n.subnetId === undefined)
      missing.push({
        cause: 'node-subnet',
        node: n.name,
        ...(n.internalIp !== undefined && { internalIp: n.internalIp }),
      });
  }
  for (const n of nodes) {
    if (n.source === 'unknown-instance-type')
      missing.push({
        cause: 'node-type',
        node: n.node,
        ...(n.instanceType !== undefined && { instanceType: n.instanceType }),
      });
  }
  const incomplete = describeUnresolved(missing);
  for (const g of nodeGroups) {
    const stops = g.runway?.unresolved ?? [];
    // Nodes are listed above; what is left is the group's own (its type, its subnets).
    const prefix = `node group ${g.name}: `;
    const beyond = describeUnresolved(
      stops.filter(u => u.cause !== 'node-subnet' && u.cause !== 'node-type'),
    ).map(l => (l.startsWith(prefix) ? l.slice(prefix.length) : l));
    if (stops.length > 0)
      incomplete.push(
        `${prefix}runway not counted past ${g.runway?.pods ?? 0} pods${beyond.length > 0 ? `: ${beyond.join('; ')}` : ' (its nodes above)'}`,
      );
  }

  return {
    cni: { settings: describeCniSettings(model.cni), env: model.cniEnv },
    holdingsFrom: fromEnis ? 'network-interfaces' : 'cni-model',
    totals: {
      nodes: nodes.length,
      pods: sum(nodes, n => n.pods),
      poolPods: sum(nodes, n => n.poolPods),
      free: sum(subnets, s => s.free),
      held: sum(nodes, n => n.held),
      used: sum(nodes, n => n.used),
      idle: sum(nodes, n => n.idle),
    },
    subnets,
    nodeGroups,
    nodePools,
    nodes,
    idleSettings: settings,
    otherSubnets: [...model.subnets.keys()].filter(id => !selection.selected.has(id)).sort(),
    incomplete,
    notes,
  };
}
