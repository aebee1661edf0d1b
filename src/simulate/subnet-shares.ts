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

/** Addresses per subnet for a node in the model's terms. */
export function sharesOf(a: NodeAddresses, subnets: NodeSubnets): Map<string, number> {
  const shares = new Map<string, number>();
  const add = (id: string | undefined, n: number): void => {
    if (id === undefined || n === 0) return;
    shares.set(id, (shares.get(id) ?? 0) + n);
  };
  const secondary = a.secondaryEniIps.reduce((x, y) => x + y, 0) + a.trunkIps + a.branchIps;
  add(subnets.node, a.primaryEniIps);
  add(subnets.pod ?? subnets.node, secondary);
  return shares;
}

/** Addresses per subnet as counted from the node's ENIs. */
export function sharesOfHoldings(h: EniHoldings): Map<string, number> {
  return new Map(Object.entries(h.bySubnet));
}

/** Per-subnet growth from `before` to `after`, never negative (growth only). */
export function growth(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [id, n] of after) {
    const d = n - (before.get(id) ?? 0);
    if (d > 0) out.set(id, d);
  }
  return out;
}
