import type { NodeAddresses } from '../cni/node-addresses.js';
import type { ClusterModel, EniHoldings } from '../cluster/model.js';
import type { SecondaryEniPlacer } from './eni-subnets.js';
import { DEFAULT_ENI_CONFIG_NAME } from '../cni/eni-config-name.js';

/** The subnets one node's addresses come from. */
export interface NodeSubnets {
  /** The node's own subnet: its primary ENI, and everything else unless custom networking is on. */
  readonly node?: string;
  /** Under custom networking, the ENIConfig subnet of secondary, trunk and branch ENIs. */
  readonly pod?: string;
  /**
   * Under custom networking, the ENIConfig the node names when no such ENIConfig exists. ipamd then
   * attaches no pod ENI (tryAllocateENI returns on "Failed to get pod ENI config"), so pods past the
   * primary ENI get no address; the addresses are still counted in the node's subnet.
   */
  readonly missingEniConfig?: string;
}

/** The subnet of the ENIConfig a node uses (resolved when the model was built; "default" otherwise). */
export function podSubnetOf(
  model: ClusterModel,
  eniConfig: string | undefined,
): string | undefined {
  return model.eniConfigs.get(eniConfig ?? DEFAULT_ENI_CONFIG_NAME)?.subnetId;
}

export function nodeSubnets(
  model: ClusterModel,
  custom: boolean,
  nodeSubnet: string | undefined,
  eniConfig: string | undefined,
): NodeSubnets {
  if (!custom) return nodeSubnet === undefined ? {} : { node: nodeSubnet };
  const podSubnet = podSubnetOf(model, eniConfig);
  const pod = podSubnet ?? nodeSubnet;
  return {
    ...(nodeSubnet !== undefined && { node: nodeSubnet }),
    ...(pod !== undefined && { pod }),
    ...(podSubnet === undefined && {
      missingEniConfig: eniConfig ?? DEFAULT_ENI_CONFIG_NAME,
    }),
  };
}

/** The warning for nodes whose ENIConfig does not exist under custom networking. */
export function missingEniConfigNote(eniConfig: string, nodes: number): string {
  const which = nodes === 1 ? '1 node taking pods names' : `${nodes} nodes taking pods name`;
  return `${which} ENIConfig "${eniConfig}", which does not exist: with custom networking the CNI attaches no pod ENIs there and those pods get no address (counted here in the node's subnet)`;
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

/**
 * A new node's addresses per subnet when its secondary ENIs may land elsewhere (subnet discovery): the
 * primary ENI, the trunk and branch ENIs stay in the node's subnet.
 */
export function placedShares(
  a: NodeAddresses,
  subnets: NodeSubnets,
  placer: SecondaryEniPlacer,
): Shares {
  const node = subnets.node;
  if (node === undefined) return [];
  const own = a.primaryEniIps + a.trunkIps + a.branchIps;
  // The node's own ENI comes first: EC2's free count drops before ipamd creates the next ENI.
  placer.consume(node, own);
  const out = new Map<string, number>([[node, own]]);
  for (const ips of a.secondaryEniIps) {
    const id = placer.place(node, ips);
    out.set(id, (out.get(id) ?? 0) + ips);
  }
  return [...out];
}

/**
 * Add an existing node's growth per subnet. ENIs it has grow where they are (the node's subnet: which
 * subnet discovery picked for them is not known without its ENIs); ENIs it adds go where discovery
 * sends them. Counted from its ENIs (`before` as holdings), the growth is one block.
 */
export function addNodeGrowth(
  acc: Map<string, number>,
  before: NodeAddresses | EniHoldings,
  after: NodeAddresses,
  nodeSubnet: string,
  placer: SecondaryEniPlacer,
): void {
  const add = (id: string, n: number): void => {
    if (n > 0) acc.set(id, (acc.get(id) ?? 0) + n);
  };
  if (!('secondaryEniIps' in before)) {
    const delta = after.ips - before.ips;
    if (delta > 0) add(placer.place(nodeSubnet, delta), delta);
    return;
  }
  add(
    nodeSubnet,
    after.primaryEniIps -
      before.primaryEniIps +
      (after.trunkIps - before.trunkIps) +
      (after.branchIps - before.branchIps),
  );
  after.secondaryEniIps.forEach((ips, i) => {
    const had = before.secondaryEniIps[i];
    if (had !== undefined) add(nodeSubnet, ips - had);
    else add(placer.place(nodeSubnet, ips), ips);
  });
}
