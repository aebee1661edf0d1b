import type { NodeAddresses } from '../cni/node-addresses.js';
import type { ClusterModel, EniHoldings } from '../cluster/model.js';

/** The subnets one node's addresses come from. */
export interface NodeSubnets {
  /** The node's own subnet: its primary ENI, and everything else unless custom networking is on. */
  readonly node?: string;
  /** Under custom networking, the ENIConfig subnet of secondary, trunk and branch ENIs. */
  readonly pod?: string;
}

/** The ENIConfig a node uses: its own annotation or label, else the one named after its zone. */
export function podSubnetOf(
  model: ClusterModel,
  eniConfig: string | undefined,
  zone: string | undefined,
): string | undefined {
  const name = eniConfig ?? zone;
  return name === undefined ? undefined : model.eniConfigs.get(name)?.subnetId;
}

export function nodeSubnets(
  model: ClusterModel,
  custom: boolean,
  nodeSubnet: string | undefined,
  eniConfig: string | undefined,
  zone: string | undefined,
): NodeSubnets {
  if (!custom) return nodeSubnet === undefined ? {} : { node: nodeSubnet };
  const pod = podSubnetOf(model, eniConfig, zone) ?? nodeSubnet;
  return {
    ...(nodeSubnet !== undefined && { node: nodeSubnet }),
    ...(pod !== undefined && { pod }),
  };
}

/** A node's addresses per subnet: at most two entries (its own subnet, and its ENIConfig subnet). */
export type Shares = readonly (readonly [string, number])[];

/** Addresses per subnet for a node in the model's terms. */
export function sharesOf(a: NodeAddresses, subnets: NodeSubnets): Shares {
  let secondary = a.trunkIps + a.branchIps;
  for (const n of a.secondaryEniIps) secondary += n;
  const podId = subnets.pod ?? subnets.node;
  if (subnets.node === undefined) return podId === undefined ? [] : [[podId, secondary]];
  if (podId === undefined || podId === subnets.node)
    return [[subnets.node, a.primaryEniIps + secondary]];
  return [
    [subnets.node, a.primaryEniIps],
    [podId, secondary],
  ];
}

/** Addresses per subnet as counted from the node's ENIs. */
export function sharesOfHoldings(h: EniHoldings): Shares {
  return Object.entries(h.bySubnet);
}

function shareIn(shares: Shares, id: string): number {
  for (const [k, n] of shares) if (k === id) return n;
  return 0;
}

/** Add what a node takes per subnet to `acc`. */
export function addShares(acc: Map<string, number>, shares: Shares): void {
  for (const [id, n] of shares) if (n !== 0) acc.set(id, (acc.get(id) ?? 0) + n);
}

/** Add a node's growth from `before` to `after` to `acc`, per subnet, never negative. */
export function addGrowth(acc: Map<string, number>, before: Shares, after: Shares): void {
  for (const [id, n] of after) {
    const d = n - shareIn(before, id);
    if (d > 0) acc.set(id, (acc.get(id) ?? 0) + d);
  }
}
