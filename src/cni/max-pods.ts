import type { InstanceLimits } from './instance-limits.js';
import { IPS_PER_PREFIX } from './node-addresses.js';

export interface MaxPodsOptions {
  readonly prefixDelegation?: boolean;
  readonly customNetworking?: boolean;
  /** --cni-max-eni: caps the ENIs counted. */
  readonly maxEni?: number;
  /** --show-max-allowed: the uncapped figure instead of the recommendation. */
  readonly showMaxAllowed?: boolean;
}

/** The calculator recommends at most 110 pods, or 250 on types with more than 30 vCPUs. */
export function recommendedMaxPodsCap(vcpus: number | undefined): number {
  // The script compares with `-gt 30`; an unknown vCPU count fails that test and gets 110.
  return vcpus !== undefined && vcpus > 30 ? 250 : 110;
}

/**
 * The EKS max-pods figure as amazon-eks-ami's max-pods-calculator.sh computes it: ENIs of the default
 * network card (less MAX_ENI, less the primary under custom networking), times the addresses or
 * /28 prefixes per ENI less the ENI's own primary, plus 2 for the host-network aws-node and kube-proxy.
 * Without --show-max-allowed the result is capped at the recommendation.
 */
export function eksMaxPods(limits: InstanceLimits, opts: MaxPodsOptions = {}): number {
  let enis = limits.maxEnis;
  if (opts.maxEni !== undefined) enis = Math.min(opts.maxEni, enis);
  if (opts.customNetworking === true) enis -= 1;
  // The calculator only enables the prefix formula on Nitro types.
  const prefixes = opts.prefixDelegation === true && limits.nitro !== false;
  const perEni = (limits.ipv4PerEni - 1) * (prefixes ? IPS_PER_PREFIX : 1);
  const max = Math.max(enis, 0) * perEni + 2;
  if (opts.showMaxAllowed === true) return max;
  return Math.min(max, recommendedMaxPodsCap(limits.vcpus));
}
