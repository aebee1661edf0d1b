import type { CniSettings } from './settings.js';
import type { NodeAddresses } from './node-addresses.js';
import { slotsPerEni, type InstanceLimits } from './instance-limits.js';

/** Why the pool is the size it is, in the setting's own words (e.g. `MINIMUM_IP_TARGET=13`). */
export function poolReason(
  a: NodeAddresses,
  s: CniSettings,
  limits: InstanceLimits,
  maxPods: number,
): string {
  switch (a.driver) {
    case 'warm-eni-target':
      return s.warmEniTarget === 0
        ? 'WARM_ENI_TARGET=0 adds a full ENI only when no address is free'
        : `WARM_ENI_TARGET=${s.warmEniTarget} keeps ${s.warmEniTarget === 1 ? 'a spare ENI' : `${s.warmEniTarget} spare ENIs`} of ${slotsPerEni(limits)} addresses`;
    case 'warm-ip-target':
      return `WARM_IP_TARGET=${s.warmIpTarget} keeps ${s.warmIpTarget} spare addresses${a.mode === 'prefix' ? ', rounded up to /28 prefixes' : ''}`;
    case 'minimum-ip-target':
      return `MINIMUM_IP_TARGET=${s.minimumIpTarget} holds at least ${s.minimumIpTarget} addresses${a.mode === 'prefix' ? ', rounded up to /28 prefixes' : ''}${s.warmIpTarget === 0 && a.podsWithoutIp > 0 ? ' and, without WARM_IP_TARGET, never more' : ''}`;
    case 'warm-prefix-target':
      return s.warmPrefixTarget === 0
        ? 'WARM_PREFIX_TARGET=0 adds a /28 prefix only when no address is free'
        : `WARM_PREFIX_TARGET=${s.warmPrefixTarget} keeps ${s.warmPrefixTarget} spare /28 prefix${s.warmPrefixTarget === 1 ? '' : 'es'}`;
    case 'max-pods':
      return `the pool stops growing at the kubelet's max pods (${maxPods})`;
    case 'eni-limit':
      return `every ENI the instance allows is attached (${a.enis})`;
  }
}
