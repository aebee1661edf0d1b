import { poolReason } from '../cni/explain.js';
import type { CniSettings } from '../cni/settings.js';
import type { ClusterModel, Node } from '../cluster/model.js';
import type { AddressBook } from '../simulate/address-book.js';
import { nodeSubnets, sharesOf, sharesOfHoldings } from '../simulate/subnet-shares.js';
import { limitsOf } from '../cluster/limits-of.js';

/** Where a node's address counts come from. */
export type HoldingSource = 'network-interfaces' | 'cni-model' | 'unknown-instance-type';

/** What one node takes from its subnets, and how much of its warm pool pods use. */
export interface NodeHolding {
  readonly node: string;
  readonly group?: string;
  readonly instanceType?: string;
  readonly zone?: string;
  readonly subnetId?: string;
  readonly pods: number;
  /** Pods that take an address from the pool (not hostNetwork, not branch-ENI). */
  readonly poolPods: number;
  readonly maxPods: number;
  readonly enis: number;
  /** Every address the node takes: ENI primaries, pool, branch ENIs. */
  readonly held: number;
  /** Addresses in the warm pool (16 per /28 prefix). */
  readonly pool: number;
  /** Pool addresses pods use. */
  readonly used: number;
  /** Pool addresses no pod uses: what a tighter warm target could give back. */
  readonly idle: number;
  readonly source: HoldingSource;
  /** Why the pool has its size, in the setting's words (modelled nodes only). */
  readonly reason?: string;
  /** Addresses per subnet. */
  readonly shares: Readonly<Record<string, number>>;
  /** The subnet the pool lives in: the node's, or its ENIConfig's under custom networking. */
  readonly poolSubnet?: string;
}

/**
 * A node's holdings: counted from its ENIs when DescribeNetworkInterfaces was given, else the steady
 * state the VPC CNI model gives for its pods under `cni` (a fresh node; one with a history may hold more).
 */
export function nodeHolding(
  model: ClusterModel,
  book: AddressBook,
  node: Node,
  cni: CniSettings = model.cni,
): NodeHolding {
  const u = node.usage;
  const subnets = nodeSubnets(model, cni.customNetworking, node.subnetId, node.eniConfig);
  const poolSubnet = subnets.pod ?? subnets.node;
  const base = {
    node: node.name,
    ...(node.nodeGroup !== undefined && { group: node.nodeGroup }),
    ...(node.instanceType !== undefined && { instanceType: node.instanceType }),
    ...(node.zone !== undefined && { zone: node.zone }),
    ...(node.subnetId !== undefined && { subnetId: node.subnetId }),
    pods: u.pods,
    poolPods: u.poolPods,
    maxPods: node.maxPods,
    ...(poolSubnet !== undefined && { poolSubnet }),
  };
  const held = model.holdings?.get(node.name);
  if (held) {
    const used = Math.min(u.poolPods, held.poolIps);
    return {
      ...base,
      enis: held.enis,
      held: held.ips,
      pool: held.poolIps,
      used,
      idle: held.poolIps - used,
      source: 'network-interfaces',
      shares: Object.fromEntries(sharesOfHoldings(held)),
    };
  }
  const limits = limitsOf(model, node.instanceType);
  if (!limits) {
    return {
      ...base,
      enis: 0,
      held: 0,
      pool: 0,
      used: 0,
      idle: 0,
      source: 'unknown-instance-type',
      shares: {},
    };
  }
  const a = book.addresses(limits, cni, node.maxPods, u.poolPods, u.branchPods);
  return {
    ...base,
    enis: a.enis,
    held: a.ips,
    pool: a.poolIps,
    used: a.podsWithIp,
    idle: a.idleIps,
    source: 'cni-model',
    reason: poolReason(a, cni, limits, node.maxPods),
    shares: Object.fromEntries(sharesOf(a, subnets)),
  };
}
