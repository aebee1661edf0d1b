import type { DaemonSet, EniConfig, Node, Subnet } from '../model.js';
import { ipv4ToNumber, parseCidr } from './subnets.js';

/** Subnets tagged for the VPC CNI (subnet discovery, VPC CNI 1.18+): pods may draw addresses there. */
export const CNI_ROLE_TAG = 'kubernetes.io/role/cni';
/** Public load-balancer subnets carry the cluster tag too, but nodes and pods never use them. */
const PUBLIC_ELB_ROLE_TAG = 'kubernetes.io/role/elb';

export function clusterTag(clusterName: string): string {
  return `kubernetes.io/cluster/${clusterName}`;
}

/** What EC2 must be asked about, from the Kubernetes side. */
export interface Ec2Demand {
  readonly nodes: readonly { readonly ip?: string; readonly zone?: string }[];
  readonly instanceTypes: readonly string[];
  readonly instanceIds: readonly string[];
  readonly eniConfigSubnetIds: readonly string[];
  /** aws-node's VPC_ID, when it says: spares a region-wide DescribeSubnets to find the VPC. */
  readonly vpcId?: string;
  /** aws-node's CLUSTER_NAME: the cluster tag to look for when the configuration names none. */
  readonly clusterName?: string;
  /** Karpenter NodePools exist: describe every type the region offers, since they pick from all. */
  readonly regionInstanceTypes?: boolean;
}

export function demandOf(
  nodes: Iterable<Node>,
  eniConfigs: Iterable<EniConfig>,
  daemonSets: readonly DaemonSet[],
  /** Subnets Karpenter and Auto Mode node classes list (status.subnets): new nodes land there. */
  nodeClassSubnetIds: Iterable<string> = [],
): Ec2Demand {
  const list: { ip?: string; zone?: string }[] = [];
  const types = new Set<string>();
  const ids = new Set<string>();
  for (const n of nodes) {
    list.push({
      ...(n.internalIp !== undefined && { ip: n.internalIp }),
      ...(n.zone !== undefined && { zone: n.zone }),
    });
    if (n.instanceType !== undefined) types.add(n.instanceType);
    if (n.instanceId !== undefined) ids.add(n.instanceId);
  }
  const awsNode = daemonSets.find(d => d.namespace === 'kube-system' && d.name === 'aws-node');
  const { vpcId, clusterName } = preferenceOf(awsNode?.env);
  return {
    nodes: list,
    instanceTypes: [...types].sort(),
    instanceIds: [...ids].sort(),
    eniConfigSubnetIds: [
      ...new Set([...[...eniConfigs].map(e => e.subnetId), ...nodeClassSubnetIds]),
    ].sort(),
    ...(vpcId !== undefined && { vpcId }),
    ...(clusterName !== undefined && { clusterName }),
  };
}

export interface SubnetSelection {
  /** Node subnets, CNI-tagged and cluster-tagged subnets of their VPCs, ENIConfig subnets. */
  readonly selected: ReadonlyMap<string, Subnet>;
  /** The VPCs the nodes are in: later refreshes ask for these VPCs' subnets only. */
  readonly vpcIds: readonly string[];
  /** Node addresses no known subnet holds (a node in a VPC not described yet). */
  readonly uncoveredIps: readonly string[];
  readonly missingEniConfigSubnets: readonly string[];
}

interface Range {
  readonly subnet: Subnet;
  readonly start: number;
  readonly end: number;
}

function rangesOf(subnets: readonly Subnet[]): Range[] {
  const out: Range[] = [];
  for (const s of subnets) {
    const c = parseCidr(s.cidr);
    if (!c) continue;
    const size = 2 ** (32 - c.bits);
    const start = Math.floor(c.base / size) * size;
    out.push({ subnet: s, start, end: start + size });
  }
  return out;
}

/**
 * The subnet of one node address. Two VPCs can reuse a CIDR, so when several subnets hold the
 * address prefer the one tagged for this cluster, then aws-node's VPC, then the node's zone.
 */
export function pickSubnet(
  candidates: readonly Subnet[],
  zone: string | undefined,
  prefer: SubnetPreference,
): Subnet | undefined {
  if (candidates.length <= 1) return candidates[0];
  const score = (s: Subnet): number =>
    (prefer.clusterName !== undefined && s.tags[clusterTag(prefer.clusterName)] !== undefined
      ? 4
      : 0) +
    (prefer.vpcId !== undefined && s.vpcId === prefer.vpcId ? 2 : 0) +
    (zone !== undefined && s.zone === zone ? 1 : 0);
  return [...candidates].sort((a, b) => score(b) - score(a) || (a.id < b.id ? -1 : 1))[0];
}

/** What tells this cluster's subnets apart from another VPC's with the same CIDR. */
export interface SubnetPreference {
  readonly clusterName?: string;
  readonly vpcId?: string;
}

/** aws-node's VPC_ID and CLUSTER_NAME, when it sets them. */
export function preferenceOf(
  awsNodeEnv: Readonly<Record<string, string>> | undefined,
): SubnetPreference {
  const vpcId = awsNodeEnv?.VPC_ID;
  const clusterName = awsNodeEnv?.CLUSTER_NAME;
  return {
    ...(vpcId !== undefined && vpcId !== '' && { vpcId }),
    ...(clusterName !== undefined && clusterName !== '' && { clusterName }),
  };
}

/** Which of the described subnets matter to this cluster, and what is still unknown. */
export function selectSubnets(
  all: readonly Subnet[],
  demand: Ec2Demand,
  clusterName: string | undefined,
): SubnetSelection {
  clusterName ??= demand.clusterName;
  const ranges = rangesOf(all);
  const prefer: SubnetPreference = {
    ...(clusterName !== undefined && { clusterName }),
    ...(demand.vpcId !== undefined && { vpcId: demand.vpcId }),
  };
  const selected = new Map<string, Subnet>();
  const uncovered: string[] = [];
  const vpcs = new Set<string>();
  for (const node of demand.nodes) {
    if (node.ip === undefined) continue;
    const n = ipv4ToNumber(node.ip);
    if (n === undefined) continue;
    const candidates = ranges.filter(r => n >= r.start && n < r.end).map(r => r.subnet);
    const s = pickSubnet(candidates, node.zone, prefer);
    if (!s) {
      uncovered.push(node.ip);
      continue;
    }
    selected.set(s.id, s);
    if (s.vpcId !== undefined) vpcs.add(s.vpcId);
  }
  if (vpcs.size === 0 && demand.vpcId !== undefined) vpcs.add(demand.vpcId);
  const tag = clusterName === undefined ? undefined : clusterTag(clusterName);
  for (const s of all) {
    if (s.vpcId === undefined || !vpcs.has(s.vpcId)) continue;
    const forCni = s.tags[CNI_ROLE_TAG] !== undefined;
    const forCluster =
      tag !== undefined && s.tags[tag] !== undefined && s.tags[PUBLIC_ELB_ROLE_TAG] === undefined;
    if (forCni || forCluster) selected.set(s.id, s);
  }
  const byId = new Map(all.map(s => [s.id, s]));
  const missing: string[] = [];
  for (const id of demand.eniConfigSubnetIds) {
    const s = byId.get(id);
    if (s) selected.set(id, s);
    else missing.push(id);
  }
  return {
    selected: new Map([...selected].sort(([a], [b]) => (a < b ? -1 : 1))),
    vpcIds: [...vpcs].sort(),
    uncoveredIps: uncovered,
    missingEniConfigSubnets: missing,
  };
}
