import type { InstanceLimits } from '../../cni/instance-limits.js';
import type { CniSettings } from '../../cni/settings.js';
import type { ClusterModel, PodShape } from '../../cluster/model.js';
import type { AddressBook } from '../address-book.js';
import type { DaemonSetLoad } from '../node-room.js';
import type { Unresolved } from '../unresolved.js';

/**
 * The one seam between placement and the ways new nodes appear (node groups under Cluster Autoscaler,
 * Karpenter NodePools, EKS Auto Mode), as Karpenter's cloud-provider interface keeps AWS out of its
 * scheduler: placement hands over the pods no existing node takes and gets back the nodes that would be
 * launched for them. Placement never learns an autoscaler's rules; an autoscaler never sees existing nodes'
 * packing.
 */

/** Who launches the nodes: named in messages and in `check` JSON. */
export type ProvisionerKind = 'node-group' | 'karpenter' | 'auto-mode';

export interface ProvisionRequest {
  readonly model: ClusterModel;
  readonly pod: PodShape;
  /** Pods left over once existing nodes took what they can. */
  readonly pods: number;
  readonly cni: CniSettings;
  readonly book: AddressBook;
  /** workloadKey of the workload: its own anti-affinity, and the node group it runs in now. */
  readonly workload: string;
  /** Free addresses of a subnet less what admitted changes hold there; undefined when not listed. */
  readonly available: (subnetId: string) => number | undefined;
  /**
   * Set when the pods' topology spread fixes zones (placement decides it, from zones()): how many of the
   * pods go to new nodes in each zone; the counts sum to `pods`.
   */
  readonly podsByZone?: ReadonlyMap<string, number>;
  /** Set when topology spread on the hostname caps how many of the pods one new node takes. */
  readonly maxPodsPerNode?: number;
}

/** One instance type a new node could be, with the pods capacity its launcher gives it. */
export interface CandidateType {
  readonly instanceType?: string;
  /** Undefined when the type is in no instance-types input: its addresses cannot be modelled. */
  readonly limits?: InstanceLimits;
  /** The kubelet's max pods on this type: ipamd's growth cap. */
  readonly maxPods: number;
  /** DaemonSet pods on this type, when they differ by type (selectors on instance labels). */
  readonly daemonSets?: DaemonSetLoad;
}

/** Another zone a node could land in when nothing in the pods fixes one. */
export interface ZoneOption {
  readonly zone: string;
  readonly subnetId?: string;
}

/** One node that would be launched. */
export interface NewNode {
  /** The node group or NodePool. */
  readonly pool: string;
  readonly zone: string;
  readonly subnetId?: string;
  /** The ENIConfig the node's pods use under custom networking. */
  readonly eniConfig?: string;
  readonly workloadPods: number;
  readonly daemonSets: DaemonSetLoad;
  /** Every type the launcher may pick for these pods; the first is the one it is likely to pick. */
  readonly candidates: readonly CandidateType[];
  /** Every zone the node may land in (its own included) when the pods leave the zone open. */
  readonly zoneOptions?: readonly ZoneOption[];
  /** CNI settings the node's addressing runs under, when not the cluster's (EKS Auto Mode). */
  readonly cni?: CniSettings;
  /** /28 prefixes the launch template assigns (EC2NodeClass spec.ipPrefixCount). */
  readonly launchPrefixes?: number;
}

export interface Provision {
  readonly kind: ProvisionerKind;
  readonly nodes: readonly NewNode[];
  /** Pods no node this provisioner would launch takes: they stay Pending. */
  readonly unplaced: number;
  readonly notes: readonly string[];
  /** Pools that might launch the nodes but that the inputs do not describe well enough to model. */
  readonly unresolved?: readonly Unresolved[];
}

export interface Provisioner {
  readonly kind: ProvisionerKind;
  /** Undefined when none of its pools can run the pod, so the next provisioner is asked. */
  provision(req: ProvisionRequest): Provision | undefined;
  /**
   * The zones it can launch a node in for the pod, sorted; empty when none of its pools can run it. A
   * provisioner without it is never handed pods whose zones the spread fixes.
   */
  zones?(req: ProvisionRequest): readonly string[];
}

/** More new nodes than any subnet could address; a provisioner stops adding nodes here. */
export const MAX_NEW_NODES = 10_000;

/** The first provisioner that has a pool for the pod launches its nodes; the others are not asked. */
export function provisionNewNodes(
  provisioners: readonly Provisioner[],
  req: ProvisionRequest,
): Provision | undefined {
  for (const p of provisioners) {
    const out = p.provision(req);
    if (out) return out;
  }
  return undefined;
}
