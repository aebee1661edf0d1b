import { eksMaxPods } from './max-pods.js';
import { nodeAddresses } from './node-addresses.js';
import { prefixDelegationEffective, type InstanceLimits } from './instance-limits.js';
import type { CniSettings } from './settings.js';

/**
 * Why a node's CNI stops giving addresses while the scheduler still sends it pods:
 * - `frozen-pool`: MINIMUM_IP_TARGET without WARM_IP_TARGET. ipamd's shortfall is then
 *   max(0 - available, MINIMUM_IP_TARGET - total) (pkg/ipamd/ipamd.go datastoreTargetState), which is
 *   never above 0 once the pool holds MINIMUM_IP_TARGET: the pool never grows (README
 *   `MINIMUM_IP_TARGET`, note 2: "This configuration will prevent future ENIs/IPs from being allocated").
 * - `max-pods`: the kubelet's max pods is above what the instance's ENIs can address (maxPods 110 on an
 *   m5.large whose ENIs serve 27 pods plus 2 host-network ones).
 * - `eni-limit`: max pods matches the instance type, but the settings leave fewer ENIs for pods
 *   (MAX_ENI, the trunk ENI of ENABLE_POD_ENI, the primary ENI under custom networking) or fewer
 *   host-network pods run than the max-pods figure assumes.
 */
export type UnservedReason = 'frozen-pool' | 'max-pods' | 'eni-limit';

export interface UnservedCause {
  readonly reason: UnservedReason;
  /** Pods the pool gives an address to, at most (host-network pods not counted). */
  readonly podsServed: number;
  /** The EKS max-pods figure for the type under these settings (uncapped): what the ENIs can address. */
  readonly eniMaxPods: number;
}

/** The most pool pods a node of this type and max pods serves under these settings. */
export function podsServedBy(
  limits: InstanceLimits,
  settings: CniSettings,
  maxPods: number,
): number {
  return nodeAddresses({ limits, settings, maxPods, pods: maxPods + 1 }).podsWithIp;
}

/** Why a node of this type, settings and max pods leaves pods without an address. */
export function unservedCause(
  limits: InstanceLimits,
  settings: CniSettings,
  maxPods: number,
): UnservedCause {
  const podsServed = podsServedBy(limits, settings, maxPods);
  const eniMaxPods = eksMaxPods(limits, {
    prefixDelegation: prefixDelegationEffective(limits, settings.prefixDelegation),
    customNetworking: settings.customNetworking,
    ...(settings.maxEni !== undefined && { maxEni: settings.maxEni }),
    showMaxAllowed: true,
  });
  let reason: UnservedReason;
  if (
    settings.minimumIpTarget > 0 &&
    settings.warmIpTarget === 0 &&
    podsServedBy(limits, { ...settings, warmIpTarget: 1 }, maxPods) > podsServed
  )
    reason = 'frozen-pool';
  else if (maxPods > eniMaxPods) reason = 'max-pods';
  else reason = 'eni-limit';
  return { reason, podsServed, eniMaxPods };
}
