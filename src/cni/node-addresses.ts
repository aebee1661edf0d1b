import { ipTargetsDefined, type CniSettings } from './settings.js';
import {
  prefixDelegationEffective,
  slotsPerEni,
  trunkEffective,
  type InstanceLimits,
} from './instance-limits.js';

/** Addresses in one /28 prefix. */
export const IPS_PER_PREFIX = 16;

/**
 * Pods per node the model follows one by one. The kubelet's own ceiling is far below this; the clamp keeps a
 * hostile node object or flag from turning one answer into minutes of work.
 */
export const MAX_MODELLED_PODS = 1_000_000;

export interface NodeAddressInput {
  readonly limits: InstanceLimits;
  readonly settings: CniSettings;
  /** The kubelet's max pods (node capacity): ipamd stops growing its pool once it holds that many. */
  readonly maxPods: number;
  /** Pods on the node that take an address from ipamd's pool (not hostNetwork, not branch-ENI pods). */
  readonly pods: number;
  /** Pods with their own branch ENI (security groups for pods). */
  readonly branchPods?: number;
}

export type AddressMode = 'secondary-ip' | 'prefix';

/** What drove the pool to its size, for messages a person can check. */
export type PoolDriver =
  | 'warm-eni-target'
  | 'warm-ip-target'
  | 'minimum-ip-target'
  | 'warm-prefix-target'
  | 'max-pods'
  | 'eni-limit';

export interface NodeAddresses {
  readonly mode: AddressMode;
  /** Attached ENIs: the primary, secondary ENIs and the trunk; branch ENIs are not attached ENIs. */
  readonly enis: number;
  /** ENIs whose pool serves pods. */
  readonly podEnis: number;
  /** /28 prefixes held; 0 in secondary-IP mode. */
  readonly prefixes: number;
  /** Addresses the pool holds for pods (16 per prefix). */
  readonly poolIps: number;
  readonly branchEnis: number;
  /** Every IPv4 address the node takes from its subnets: ENI primaries, pool, branch ENIs. */
  readonly ips: number;
  readonly podsWithIp: number;
  /** Pods the pool can never serve (ENI limit, max-pods cap, MINIMUM_IP_TARGET without WARM_IP_TARGET). */
  readonly podsWithoutIp: number;
  /** Pool addresses held but not used by a pod: the warm pool. */
  readonly idleIps: number;
  /** Addresses on the primary ENI: the node IP, plus its pool unless custom networking is on. Always the node's subnet. */
  readonly primaryEniIps: number;
  /** Per secondary pod ENI, its primary address plus its pool share. */
  readonly secondaryEniIps: readonly number[];
  /** The trunk ENI's primary address (security groups for pods). */
  readonly trunkIps: number;
  /** One address per branch ENI. */
  readonly branchIps: number;
  readonly driver: PoolDriver;
}

interface Eni {
  /** Secondary IPs (SIP) or prefixes (PD) held. */
  cidrs: number;
}

interface Limits {
  readonly pd: boolean;
  /** Secondary IPs or prefixes per ENI. */
  readonly perEni: number;
  readonly ipsPerCidr: number;
  /** ENIs ipamd may attach in total (MAX_ENI applied), the trunk included. */
  readonly maxEnis: number;
  /** ENABLE_POD_ENI: hasRoomForEni keeps one slot for the trunk from the start, on every instance type. */
  readonly trunkSlot: boolean;
  /** The trunk ENI really attaches (and takes an address) only where the type supports trunking. */
  readonly trunk: boolean;
  readonly custom: boolean;
  readonly maxPods: number;
  readonly targets: boolean;
  readonly s: CniSettings;
}

/**
 * One node's datastore, grown the way ipamd's pool manager grows it (pkg/ipamd/ipamd.go
 * isDatastorePoolTooLow, datastoreTargetState, increaseDatastorePool, tryAssignIPs/tryAssignPrefixes).
 * Pods only arrive, so the pool never shrinks here; release is modelled in release.ts.
 */
class Datastore {
  /** Pod-carrying ENIs; index 0 is the primary ENI unless custom networking excludes it. */
  readonly enis: Eni[] = [];
  assigned = 0;
  /** Secondary IPs or prefixes over all ENIs, kept as a running sum so each pod costs O(1). */
  cidrs = 0;
  /**
   * The first ENI that may still have room. ENIs fill in order and never shrink here, so the index only moves
   * forward.
   */
  private openIndex = 0;
  /** Attached ENIs that ipamd manages for pods: the primary and the secondaries, not the trunk. */
  attached = 1;

  private readonly l: Limits;

  constructor(l: Limits) {
    this.l = l;
    // The primary ENI exists from boot; with custom networking it carries no pods.
    if (!l.custom) this.enis.push({ cidrs: 0 });
  }

  get total(): number {
    return this.cidrs * this.l.ipsPerCidr;
  }

  get available(): number {
    return this.total - this.assigned;
  }

  /** Prefixes with no pod on them, pods packed into prefixes in order. */
  get freePrefixes(): number {
    return this.cidrs - Math.ceil(this.assigned / IPS_PER_PREFIX);
  }

  /** datastoreTargetState's `short`, in IPs or (with prefix delegation) whole prefixes. */
  private short(): number {
    const { s } = this.l;
    const shortIps = Math.max(s.warmIpTarget - this.available, s.minimumIpTarget - this.total, 0);
    return this.l.pd ? Math.ceil(shortIps / IPS_PER_PREFIX) : shortIps;
  }

  tooLow(): boolean {
    // v1.17.1+ (#2745): no growth once the pool covers the kubelet's max pods.
    return this.total < this.l.maxPods && this.belowTarget();
  }

  /** The warm-target half of isDatastorePoolTooLow. */
  belowTarget(): boolean {
    const { s } = this.l;
    if (this.l.targets) return this.short() > 0;
    if (this.l.pd) {
      return (
        this.available < IPS_PER_PREFIX * s.warmPrefixTarget ||
        (s.warmPrefixTarget === 0 && this.available === 0)
      );
    }
    return (
      this.available < this.l.perEni * s.warmEniTarget ||
      (s.warmEniTarget === 0 && this.available === 0)
    );
  }

  /** One increaseDatastorePool pass; false when no ENI has room and no ENI can be attached. */
  increase(): boolean {
    const { s, pd, perEni } = this.l;
    let want: number;
    if (pd) {
      const need = this.l.targets
        ? this.short()
        : Math.max(s.warmPrefixTarget - this.freePrefixes, 0);
      want = Math.max(1, need);
    } else {
      want = this.l.targets ? this.short() : perEni;
    }
    // Top up one existing ENI that still has room.
    let open = this.enis[this.openIndex];
    while (open && open.cidrs >= perEni) open = this.enis[++this.openIndex];
    if (open) {
      const added = Math.min(perEni - open.cidrs, want);
      open.cidrs += added;
      this.cidrs += added;
      return true;
    }
    if (this.attached < this.l.maxEnis - (this.l.trunkSlot ? 1 : 0)) {
      const added = Math.min(want, perEni);
      this.enis.push({ cidrs: added });
      this.cidrs += added;
      this.attached += 1;
      return true;
    }
    return false;
  }

  /** Run the pool manager until it stops asking for more. */
  settle(): void {
    // Each pass adds at least one address or stops, so this is bounded by the ENI limit times slots.
    while (this.tooLow() && this.increase()) {
      /* keep growing */
    }
  }
}

function limitsFor(input: NodeAddressInput): Limits {
  const { limits, settings } = input;
  const pd = prefixDelegationEffective(limits, settings.prefixDelegation);
  const maxEnis =
    settings.maxEni !== undefined ? Math.min(settings.maxEni, limits.maxEnis) : limits.maxEnis;
  return {
    pd,
    perEni: slotsPerEni(limits),
    ipsPerCidr: pd ? IPS_PER_PREFIX : 1,
    maxEnis,
    trunkSlot: settings.podEni,
    trunk: trunkEffective(limits, settings.podEni),
    custom: settings.customNetworking,
    maxPods: Math.min(input.maxPods, MAX_MODELLED_PODS),
    targets: ipTargetsDefined(settings),
    s: settings,
  };
}

function driverOf(l: Limits, ds: Datastore, podsWithIp: number): PoolDriver {
  const { s } = l;
  // The pool is short of its warm target: something other than the setting stopped it.
  if (ds.belowTarget()) return ds.total >= l.maxPods ? 'max-pods' : 'eni-limit';
  if (l.targets) {
    return s.minimumIpTarget >= podsWithIp + s.warmIpTarget
      ? 'minimum-ip-target'
      : 'warm-ip-target';
  }
  return l.pd ? 'warm-prefix-target' : 'warm-eni-target';
}

/**
 * The addresses one node holds in the steady state of a fresh node that received `pods` pods one by one:
 * the smallest pool the CNI keeps for them (pools only shrink lazily, so a node with a history can hold more).
 */
export function nodeAddresses(input: NodeAddressInput): NodeAddresses {
  const l = limitsFor(input);
  const ds = new Datastore(l);
  ds.settle();
  let podsWithIp = 0;
  const pods = Math.min(input.pods, MAX_MODELLED_PODS);
  for (let i = 0; i < pods; i++) {
    if (ds.available <= 0) break;
    ds.assigned += 1;
    podsWithIp += 1;
    ds.settle();
  }
  const branchPods = Math.min(input.branchPods ?? 0, MAX_MODELLED_PODS);
  const branchEnis = l.trunk ? Math.min(branchPods, input.limits.maxBranchEnis ?? branchPods) : 0;

  const cidrIps = (e: Eni): number => e.cidrs * l.ipsPerCidr;
  const primary = l.custom ? undefined : ds.enis[0];
  const secondary = l.custom ? ds.enis : ds.enis.slice(1);
  const poolIps = ds.total;
  const enis = ds.attached + (l.trunk ? 1 : 0);
  return {
    mode: l.pd ? 'prefix' : 'secondary-ip',
    enis,
    podEnis: ds.enis.length,
    prefixes: l.pd ? ds.cidrs : 0,
    poolIps,
    branchEnis,
    ips: enis + poolIps + branchEnis,
    podsWithIp,
    podsWithoutIp: pods - podsWithIp + (branchPods - branchEnis),
    idleIps: poolIps - podsWithIp,
    primaryEniIps: 1 + (primary ? cidrIps(primary) : 0),
    secondaryEniIps: secondary.map(e => 1 + cidrIps(e)),
    trunkIps: l.trunk ? 1 : 0,
    branchIps: branchEnis,
    driver: driverOf(l, ds, podsWithIp),
  };
}
