import { inputError } from '../../errors.js';
import { isRecord } from '../fields.js';
import type { EniHoldings } from '../model.js';
import { Reader } from '../reader.js';

/** The VPC resource controller tags each branch ENI with its trunk; branch ENIs are not attached. */
const TRUNK_TAG = 'vpcresources.k8s.aws/trunk-eni-id';
const INSTANCE_TAG = 'node.k8s.amazonaws.com/instance_id';

/** One ENI reduced to what holdings need. */
export interface NetworkInterface {
  readonly id: string;
  readonly subnetId: string;
  readonly type: string;
  readonly instanceId?: string;
  readonly branch: boolean;
  /** Secondary addresses (the ENI's primary excluded). */
  readonly secondaryIps: number;
  readonly prefixes: number;
}

export function parseNetworkInterfaces(doc: unknown, source: string): NetworkInterface[] {
  if (!isRecord(doc) || !Array.isArray(doc.NetworkInterfaces)) {
    throw inputError(
      source,
      'NetworkInterfaces',
      'expected the output of `aws ec2 describe-network-interfaces --output json`',
    );
  }
  return new Reader(doc, source, '').list('NetworkInterfaces').map(networkInterfaceFromEc2);
}

export function networkInterfaceFromEc2(e: Reader): NetworkInterface {
  const tags: Record<string, string> = {};
  for (const t of e.list('TagSet')) tags[t.requireString('Key')] = t.string('Value') ?? '';
  const type = e.string('InterfaceType') ?? 'interface';
  const branch = type === 'branch' || tags[TRUNK_TAG] !== undefined;
  const attached = e.child('Attachment')?.string('InstanceId');
  const instanceId = attached ?? tags[INSTANCE_TAG];
  const secondaryIps = e.list('PrivateIpAddresses').filter(a => a.bool('Primary') !== true).length;
  return {
    id: e.requireString('NetworkInterfaceId'),
    subnetId: e.requireString('SubnetId'),
    type,
    ...(instanceId !== undefined && instanceId !== '' && { instanceId }),
    branch,
    secondaryIps,
    prefixes: e.list('Ipv4Prefixes').length,
  };
}

/** What each instance holds, keyed by instance id: every ENI's primary, its pool, its branch ENIs. */
export function holdingsByInstance(enis: readonly NetworkInterface[]): Map<string, EniHoldings> {
  const acc = new Map<
    string,
    {
      enis: number;
      poolIps: number;
      prefixes: number;
      branchEnis: number;
      ips: number;
      bySubnet: Record<string, number>;
    }
  >();
  for (const eni of enis) {
    if (eni.instanceId === undefined) continue;
    let h = acc.get(eni.instanceId);
    if (!h) {
      h = { enis: 0, poolIps: 0, prefixes: 0, branchEnis: 0, ips: 0, bySubnet: {} };
      acc.set(eni.instanceId, h);
    }
    const pool = eni.secondaryIps + 16 * eni.prefixes;
    const ips = 1 + pool;
    if (eni.branch) h.branchEnis += 1;
    else {
      h.enis += 1;
      if (eni.type !== 'trunk') {
        h.poolIps += pool;
        h.prefixes += eni.prefixes;
      }
    }
    h.ips += ips;
    h.bySubnet[eni.subnetId] = (h.bySubnet[eni.subnetId] ?? 0) + ips;
  }
  return acc;
}
