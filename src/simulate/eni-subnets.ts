import type { CniSettings } from '../cni/settings.js';
import type { ClusterModel, Subnet } from '../cluster/model.js';

/** The tag that offers a subnet to the VPC CNI's subnet discovery; the value "0" withholds one. */
export const CNI_SUBNET_TAG = 'kubernetes.io/role/cni';

function offered(s: Subnet): boolean {
  return s.tags[CNI_SUBNET_TAG] !== undefined && s.tags[CNI_SUBNET_TAG] !== '0';
}

/**
 * Where new secondary ENIs take their addresses from. With ENABLE_SUBNET_DISCOVERY (the default since
 * v1.18) ipamd creates each one in the subnet with the most free addresses among the node's own subnet
 * (unless tagged kubernetes.io/role/cni=0) and the same-zone subnets tagged kubernetes.io/role/cni
 * (pkg/awsutils/awsutils.go createENI). One placer serves one simulation: every ENI it places counts
 * against its subnet for the next. Without discovery, or under custom networking, every ENI stays where
 * the node's other addresses are.
 */
export class SecondaryEniPlacer {
  readonly #model: ClusterModel;
  readonly #enabled: boolean;
  readonly #left = new Map<string, number>();
  readonly #candidates = new Map<string, readonly string[]>();

  constructor(model: ClusterModel, cni: CniSettings) {
    this.#model = model;
    this.#enabled = cni.subnetDiscovery && !cni.customNetworking;
  }

  #candidatesFor(nodeSubnet: string): readonly string[] {
    let list = this.#candidates.get(nodeSubnet);
    if (list) return list;
    const own = this.#model.subnets.get(nodeSubnet);
    list = [nodeSubnet];
    if (own) {
      const others = [...this.#model.subnets.values()].filter(
        s =>
          s.id !== own.id &&
          s.zone === own.zone &&
          (own.vpcId === undefined || s.vpcId === own.vpcId) &&
          offered(s),
      );
      const ownOk = own.tags[CNI_SUBNET_TAG] !== '0';
      list = [...(ownOk ? [own.id] : []), ...others.map(s => s.id).sort()];
      if (list.length === 0) list = [nodeSubnet];
    }
    this.#candidates.set(nodeSubnet, list);
    return list;
  }

  /** True when every ENI of a node in `nodeSubnet` lands in that subnet: placing them one by one is moot. */
  staysHome(nodeSubnet: string): boolean {
    if (!this.#enabled) return true;
    const c = this.#candidatesFor(nodeSubnet);
    return c.length === 1 && c[0] === nodeSubnet;
  }

  /** Addresses taken in a subnet by something other than a placed ENI (a new node's primary ENI). */
  consume(subnet: string, ips: number): void {
    if (!this.#enabled) return;
    this.#left.set(
      subnet,
      (this.#left.get(subnet) ?? this.#model.subnets.get(subnet)?.availableIps ?? 0) - ips,
    );
  }

  /** The subnet one new secondary ENI of `ips` addresses lands in, for a node in `nodeSubnet`. */
  place(nodeSubnet: string, ips: number): string {
    if (!this.#enabled) return nodeSubnet;
    const candidates = this.#candidatesFor(nodeSubnet);
    let best = candidates[0] ?? nodeSubnet;
    let bestLeft = Number.NEGATIVE_INFINITY;
    for (const id of candidates) {
      const left = this.#left.get(id) ?? this.#model.subnets.get(id)?.availableIps ?? 0;
      if (left > bestLeft) {
        best = id;
        bestLeft = left;
      }
    }
    this.#left.set(best, bestLeft - ips);
    return best;
  }
}

const primaryExcluded = new WeakMap<CniSettings, CniSettings>();

/**
 * The settings the address model uses for a node in `subnetId`. A node subnet tagged
 * kubernetes.io/role/cni=0 (with subnet discovery) keeps its primary ENI out of the pod pool, as custom
 * networking does: pods take addresses only from secondary ENIs, in the tagged subnets. One derived
 * object per settings object, so the address cache keeps hitting.
 */
export function addressSettings(
  model: ClusterModel,
  cni: CniSettings,
  subnetId: string | undefined,
): CniSettings {
  if (!cni.subnetDiscovery || cni.customNetworking || subnetId === undefined) return cni;
  if (model.subnets.get(subnetId)?.tags[CNI_SUBNET_TAG] !== '0') return cni;
  let derived = primaryExcluded.get(cni);
  if (!derived) primaryExcluded.set(cni, (derived = { ...cni, customNetworking: true }));
  return derived;
}
