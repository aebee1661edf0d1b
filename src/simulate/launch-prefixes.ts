import { IPS_PER_PREFIX, type NodeAddresses } from '../cni/node-addresses.js';

/**
 * EC2NodeClass spec.ipPrefixCount (aws/karpenter-provider-aws pkg/apis/v1/ec2nodeclass.go IPPrefixCount):
 * the launch template assigns that many /28 prefixes to the primary ENI, taken from the node's subnet at
 * launch, before ipamd runs. Under prefix delegation ipamd counts them as its pool, so the node holds
 * the more of the two; in secondary-IP mode ipamd does not use them and they are held besides its pool.
 */
export function withLaunchPrefixes(a: NodeAddresses, prefixes: number | undefined): NodeAddresses {
  if (prefixes === undefined || prefixes <= 0) return a;
  const extra =
    a.mode === 'prefix'
      ? Math.max(0, prefixes - a.prefixes) * IPS_PER_PREFIX
      : prefixes * IPS_PER_PREFIX;
  if (extra === 0) return a;
  return { ...a, ips: a.ips + extra, primaryEniIps: a.primaryEniIps + extra };
}
