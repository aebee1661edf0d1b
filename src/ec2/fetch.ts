import type { Logger } from 'pino';
import type { InstanceLimits } from '../cni/instance-limits.js';
import { instanceLimitsFromEc2 } from '../cluster/aws/instance-types.js';
import {
  networkInterfaceFromEc2,
  type NetworkInterface,
} from '../cluster/aws/network-interfaces.js';
import { subnetFromEc2 } from '../cluster/aws/subnets.js';
import type { Subnet } from '../cluster/model.js';
import { Reader } from '../cluster/reader.js';
import type { Ec2Api, InstanceTypeInfo, SdkNetworkInterface, SdkSubnet } from './api.js';
import { classifyAwsError, describeAwsError } from './errors.js';
import {
  selectSubnets,
  type Ec2Demand,
  type SubnetSelection,
} from '../cluster/aws/subnet-selection.js';
import { FILTER_VALUES_PER_CALL, INSTANCE_TYPES_PER_CALL } from './ttls.js';

/**
 * One round of EC2 reads for a demand: raw answers (for snapshots, which write them as the aws CLI
 * would) and their projections (for the model). Shared by the background refresher and the CLI.
 */

const NODE_INSTANCE_TAG = 'node.k8s.amazonaws.com/instance_id';

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Projections that fail (an IPv6-only subnet has no CidrBlock) are skipped, not fatal. */
function project<R, T>(
  raw: readonly R[],
  what: string,
  read: (r: R, i: number) => T,
  log: Logger,
): { kept: R[]; items: T[] } {
  const kept: R[] = [];
  const items: T[] = [];
  raw.forEach((r, i) => {
    try {
      items.push(read(r, i));
      kept.push(r);
    } catch (err) {
      log.debug({ err: (err as Error).message }, `skipping a ${what} that cannot be read`);
    }
  });
  return { kept, items };
}

export interface SubnetsFetch {
  /** Every subnet described (the nodes' VPCs), raw and projected, in the same order. */
  readonly raw: readonly SdkSubnet[];
  readonly subnets: readonly Subnet[];
  readonly selection: SubnetSelection;
}

function readSubnets(
  raw: readonly SdkSubnet[],
  log: Logger,
): { raw: SdkSubnet[]; subnets: Subnet[] } {
  const { kept, items } = project(
    raw,
    'subnet',
    (s, i) => subnetFromEc2(Reader.of(s, 'EC2 DescribeSubnets', `Subnets[${i}]`)),
    log,
  );
  return { raw: kept, subnets: items };
}

/**
 * The subnets of the cluster's VPC. With no VPC known yet (the first call, without aws-node's VPC_ID)
 * every subnet in the region is described to find which VPC holds the node addresses; afterwards only
 * that VPC. A node address in none of its subnets (EKS Hybrid Nodes, on premises) stays uncovered: an
 * EKS cluster lives in one VPC, so describing the whole region again would find nothing, at the price
 * of a region-wide call on every refresh. ENIConfig subnets outside the VPC are asked for by id.
 */
export async function fetchSubnets(
  api: Ec2Api,
  demand: Ec2Demand,
  knownVpcIds: readonly string[],
  clusterName: string | undefined,
  signal: AbortSignal,
  log: Logger,
): Promise<SubnetsFetch> {
  const vpcIds =
    knownVpcIds.length > 0 ? knownVpcIds : demand.vpcId !== undefined ? [demand.vpcId] : [];
  let got = readSubnets(
    await api.describeSubnets(
      vpcIds.length > 0 ? { filters: [{ Name: 'vpc-id', Values: [...vpcIds] }] } : {},
      signal,
    ),
    log,
  );
  let selection = selectSubnets(got.subnets, demand, clusterName);
  if (selection.uncoveredIps.length > 0)
    log.debug(
      { addresses: selection.uncoveredIps.slice(0, 5), vpcs: vpcIds },
      "node addresses in no subnet of the cluster's VPC",
    );
  if (selection.missingEniConfigSubnets.length > 0) {
    try {
      const extra = readSubnets(
        await api.describeSubnets({ subnetIds: selection.missingEniConfigSubnets }, signal),
        log,
      );
      got = { raw: [...got.raw, ...extra.raw], subnets: [...got.subnets, ...extra.subnets] };
      selection = selectSubnets(got.subnets, demand, clusterName);
    } catch (err) {
      if (classifyAwsError(err) !== 'invalid') throw err;
      log.warn(
        { subnets: selection.missingEniConfigSubnets, err: describeAwsError(err) },
        'an ENIConfig names a subnet EC2 does not know',
      );
    }
  }
  return { raw: got.raw, subnets: got.subnets, selection };
}

export interface InstanceTypesFetch {
  readonly raw: readonly InstanceTypeInfo[];
  readonly limits: ReadonlyMap<string, InstanceLimits>;
  /** Types EC2 does not know in this region (a typo in a label, a type not offered here). */
  readonly unknown: readonly string[];
}

/** Instance types by name, 100 per call; one unknown name fails a whole call, so those are retried one by one. */
export async function fetchInstanceTypes(
  api: Ec2Api,
  types: readonly string[],
  signal: AbortSignal,
  log: Logger,
): Promise<InstanceTypesFetch> {
  const raw: InstanceTypeInfo[] = [];
  const unknown: string[] = [];
  for (const batch of chunks(types, INSTANCE_TYPES_PER_CALL)) {
    try {
      raw.push(...(await api.describeInstanceTypes(batch, signal)));
    } catch (err) {
      if (classifyAwsError(err) !== 'invalid') throw err;
      for (const t of batch) {
        try {
          raw.push(...(await api.describeInstanceTypes([t], signal)));
        } catch (one) {
          if (classifyAwsError(one) !== 'invalid') throw one;
          unknown.push(t);
        }
      }
    }
  }
  if (unknown.length > 0)
    log.warn({ instanceTypes: unknown }, 'EC2 does not know these instance types');
  return { ...readInstanceTypes(raw, log), unknown };
}

function readInstanceTypes(
  raw: readonly InstanceTypeInfo[],
  log: Logger,
): { raw: InstanceTypeInfo[]; limits: Map<string, InstanceLimits> } {
  const { kept, items } = project(
    raw,
    'instance type',
    (t, i) =>
      instanceLimitsFromEc2(Reader.of(t, 'EC2 DescribeInstanceTypes', `InstanceTypes[${i}]`)),
    log,
  );
  const limits = new Map<string, InstanceLimits>();
  for (const l of items) if (l.instanceType !== undefined) limits.set(l.instanceType, l);
  return { raw: kept, limits };
}

/**
 * Every type the region offers (aws/karpenter-provider-aws pkg/providers/instancetype lists them the same
 * way, DescribeInstanceTypes page by page, then filters by each NodePool's requirements): NodePools pick
 * from all of them, and asking by name would fail whole calls on types the region does not offer.
 */
export async function fetchRegionInstanceTypes(
  api: Ec2Api,
  signal: AbortSignal,
  log: Logger,
): Promise<InstanceTypesFetch> {
  return { ...readInstanceTypes(await api.describeRegionInstanceTypes(signal), log), unknown: [] };
}

export interface NetworkInterfacesFetch {
  readonly raw: readonly SdkNetworkInterface[];
  readonly interfaces: readonly NetworkInterface[];
}

/**
 * The ENIs of the nodes: attached to them, or tagged with their instance id by the VPC CNI (which tags
 * the ENIs it creates, so ENIs between attach steps are counted too).
 */
export async function fetchNetworkInterfaces(
  api: Ec2Api,
  instanceIds: readonly string[],
  signal: AbortSignal,
  log: Logger,
): Promise<NetworkInterfacesFetch> {
  const byId = new Map<string, SdkNetworkInterface>();
  for (const batch of chunks(instanceIds, FILTER_VALUES_PER_CALL)) {
    for (const name of ['attachment.instance-id', `tag:${NODE_INSTANCE_TAG}`]) {
      for (const eni of await api.describeNetworkInterfaces(
        [{ Name: name, Values: batch }],
        signal,
      )) {
        if (eni.NetworkInterfaceId !== undefined) byId.set(eni.NetworkInterfaceId, eni);
      }
    }
  }
  const { kept, items } = project(
    [...byId.values()],
    'network interface',
    (e, i) =>
      networkInterfaceFromEc2(
        Reader.of(e, 'EC2 DescribeNetworkInterfaces', `NetworkInterfaces[${i}]`),
      ),
    log,
  );
  return { raw: kept, interfaces: items };
}
