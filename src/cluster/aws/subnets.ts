import { inputError } from '../../errors.js';
import { isRecord } from '../fields.js';
import type { Subnet } from '../model.js';
import { Reader } from '../reader.js';

/** Subnets from what `aws ec2 describe-subnets --output json` prints (`{"Subnets": [...]}`). */
export function parseSubnets(doc: unknown, source: string): Map<string, Subnet> {
  if (!isRecord(doc) || !Array.isArray(doc.Subnets)) {
    throw inputError(
      source,
      'Subnets',
      'expected the output of `aws ec2 describe-subnets --output json`',
    );
  }
  const root = new Reader(doc, source, '');
  const subnets = new Map<string, Subnet>();
  for (const s of root.list('Subnets')) {
    const subnet = subnetFromEc2(s);
    subnets.set(subnet.id, subnet);
  }
  return subnets;
}

export function subnetFromEc2(s: Reader): Subnet {
  const cidr = s.requireString('CidrBlock');
  if (parseCidr(cidr) === undefined)
    throw s.fail('CidrBlock', `not an IPv4 CIDR: ${JSON.stringify(cidr)}`);
  const available = s.int('AvailableIpAddressCount');
  if (available === undefined) throw s.fail('AvailableIpAddressCount', 'missing');
  const tags: Record<string, string> = {};
  for (const t of s.list('Tags')) tags[t.requireString('Key')] = t.string('Value') ?? '';
  const zoneId = s.string('AvailabilityZoneId');
  const vpcId = s.string('VpcId');
  return {
    id: s.requireString('SubnetId'),
    zone: s.requireString('AvailabilityZone'),
    ...(zoneId !== undefined && { zoneId }),
    ...(vpcId !== undefined && { vpcId }),
    cidr,
    availableIps: available,
    tags,
  };
}

/** An IPv4 address as a 32-bit number, or undefined. */
export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const octet = Number(p);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  const [ip, bitsText] = cidr.split('/');
  if (ip === undefined || bitsText === undefined || !/^\d{1,2}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const base = ipv4ToNumber(ip);
  if (base === undefined || bits > 32) return undefined;
  return { base, bits };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const n = ipv4ToNumber(ip);
  if (!c || n === undefined) return false;
  const size = 2 ** (32 - c.bits);
  const start = Math.floor(c.base / size) * size;
  return n >= start && n < start + size;
}

/** Addresses EC2 lets instances use: the CIDR less the 5 AWS reserves. */
export function usableAddresses(cidr: string): number {
  const c = parseCidr(cidr);
  return c ? Math.max(2 ** (32 - c.bits) - 5, 0) : 0;
}
