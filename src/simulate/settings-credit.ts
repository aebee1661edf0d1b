import { IPS_PER_PREFIX, type NodeAddresses } from '../cni/node-addresses.js';
import {
  prefixDelegationEffective,
  slotsPerEni,
  type InstanceLimits,
} from '../cni/instance-limits.js';
import { ipTargetsDefined, type CniSettings } from '../cni/settings.js';
import type { ClusterModel, EniHoldings } from '../cluster/model.js';
import type { AddressBook } from './address-book.js';
import { nodeSubnets } from './subnet-shares.js';
import { addressSettings } from './eni-subnets.js';
import { limitsOf } from '../cluster/limits-of.js';
import type { Unresolved } from './unresolved.js';

/** What the CNI on one existing node works from: its type, subnet, kubelet max pods, pods and holdings. */
export interface NodeShape {
  readonly limits: InstanceLimits;
  readonly subnetId?: string;
  readonly maxPods: number;
  /** Pods that hold an address from ipamd's pool. */
  readonly poolPods: number;
  readonly branchPods: number;
  /** Counted from its ENIs, when network interfaces were given. */
  readonly held?: EniHoldings;
}

/** One existing node under a settings change: what it holds now and what ipamd makes of it. */
export interface NodeSettingsOutcome {
  /** Modelled under the old settings, or counted from its ENIs. */
  readonly before: NodeAddresses | EniHoldings;
  /** A fresh node with the same pods under the new settings. */
  readonly target: NodeAddresses;
  readonly heldIps: number;
  readonly heldEnis: number;
  /** What the node holds once ipamd has grown or shrunk its pool under the new settings. */
  readonly afterIps: number;
  /** ENIs it has then: a node keeps the ENIs it has, and adds those its new pool needs. */
  readonly afterEnis: number;
}

/**
 * Whether ipamd gives single addresses back under `to`: only with WARM_IP_TARGET / MINIMUM_IP_TARGET in
 * secondary-IP mode (isDatastorePoolTooHigh is false under WARM_ENI_TARGET; a prefix goes back only when
 * all 16 of its addresses are free, and pods sit on prefixes at random).
 */
export function releasesAddresses(from: CniSettings, to: CniSettings): boolean {
  return ipTargetsDefined(to) && !to.prefixDelegation && !from.prefixDelegation;
}

/**
 * A switch into prefix delegation on a running node: pods keep their secondary IPs (ipamd releases one only
 * when its pod is deleted, rpc_handler DelNetwork), and the datastore counts only /28 CIDRs of the new mode,
 * none of them assigned yet, so ipamd builds the prefix pool of a node with no pods beside them. A prefix
 * takes an ENI slot as a secondary IP does; the slots left on the ENIs it has come first.
 */
function intoPrefixMode(
  shape: NodeShape,
  before: NodeAddresses | EniHoldings,
  to: CniSettings,
  model: ClusterModel,
  book: AddressBook,
): { ips: number; enis: number } {
  const empty = book.addresses(
    shape.limits,
    addressSettings(model, to, shape.subnetId),
    shape.maxPods,
    0,
    shape.branchPods,
  );
  const prefixes = empty.prefixes;
  const heldPodEnis = 'podEnis' in before ? before.podEnis : Math.max(1, before.enis);
  const freeSlots = Math.max(0, heldPodEnis * slotsPerEni(shape.limits) - before.poolIps);
  const perEni = slotsPerEni(shape.limits);
  const extraEnis = perEni > 0 ? Math.ceil(Math.max(0, prefixes - freeSlots) / perEni) : 0;
  return {
    ips: before.ips + prefixes * IPS_PER_PREFIX + extraEnis,
    enis: before.enis + extraEnis,
  };
}

/**
 * What one existing node holds before and after the CNI settings change from `from` to `to`, with its pods
 * as they are. Growth happens in every mode; release only where ipamd really releases (releasesAddresses),
 * and never below the addresses pods use. An ENI goes back only once no pod uses it, which random pod
 * placement rarely allows, so a node keeps its ENIs.
 */
export function nodeSettingsOutcome(
  model: ClusterModel,
  shape: NodeShape,
  from: CniSettings,
  to: CniSettings,
  book: AddressBook,
): NodeSettingsOutcome {
  const { limits, subnetId, maxPods, poolPods: pods, branchPods: branch } = shape;
  const before =
    shape.held ??
    book.addresses(limits, addressSettings(model, from, subnetId), maxPods, pods, branch);
  const target = book.addresses(
    limits,
    addressSettings(model, to, subnetId),
    maxPods,
    pods,
    branch,
  );
  const heldIps = before.ips;
  const heldEnis = before.enis;
  const wasPd =
    prefixDelegationEffective(limits, from.prefixDelegation) || (shape.held?.prefixes ?? 0) > 0;
  if (target.mode === 'prefix' && !wasPd) {
    const into = intoPrefixMode(shape, before, to, model, book);
    return { before, target, heldIps, heldEnis, afterIps: into.ips, afterEnis: into.enis };
  }
  const afterEnis = Math.max(heldEnis, target.enis);
  let afterIps: number;
  // ipamd only unassigns addresses no pod holds: a target below the pods in use keeps theirs.
  if (releasesAddresses(from, to))
    afterIps = afterEnis + Math.max(target.poolIps, pods) + target.branchIps;
  else afterIps = Math.max(heldIps, target.ips);
  return { before, target, heldIps, heldEnis, afterIps, afterEnis };
}

/**
 * What existing nodes give back (positive) or take (negative) per subnet if the CNI settings change
 * from `from` to `to`, with their pods as they are (nodeSettingsOutcome).
 *
 * Nodes it cannot count (no known instance type, no listed subnet) go to `unresolved` when the new
 * settings make nodes take addresses: growth nobody counted is no zero. Where they only give back,
 * leaving them out only understates the credit.
 */
export function settingsCredit(
  model: ClusterModel,
  from: CniSettings,
  to: CniSettings,
  book: AddressBook,
  unresolved?: Unresolved[],
): Map<string, number> {
  const credit = new Map<string, number>();
  const uncounted: Unresolved[] = [];
  let takes = false;
  let counted = 0;
  for (const node of model.nodes.values()) {
    const limits = limitsOf(model, node.instanceType);
    if (!limits) {
      uncounted.push({
        cause: 'node-type',
        node: node.name,
        ...(node.instanceType !== undefined && { instanceType: node.instanceType }),
      });
      continue;
    }
    counted += 1;
    const held = model.holdings?.get(node.name);
    const o = nodeSettingsOutcome(
      model,
      {
        limits,
        ...(node.subnetId !== undefined && { subnetId: node.subnetId }),
        maxPods: node.maxPods,
        poolPods: node.usage.poolPods,
        branchPods: node.usage.branchPods,
        ...(held && { held }),
      },
      from,
      to,
      book,
    );
    const delta = o.heldIps - o.afterIps;
    if (delta === 0) continue;
    if (delta < 0) takes = true;
    const subnets = nodeSubnets(model, to.customNetworking, node.subnetId, node.eniConfig);
    // The pool lives on the pod-carrying ENIs: the node's subnet, or the ENIConfig subnet.
    const id = subnets.pod ?? subnets.node;
    if (id === undefined) {
      if (delta < 0)
        unresolved?.push({
          cause: 'node-subnet',
          node: node.name,
          ...(node.internalIp !== undefined && { internalIp: node.internalIp }),
        });
      continue;
    }
    credit.set(id, (credit.get(id) ?? 0) + delta);
  }
  // Unknown types: what they would take is unknown, and nodes alike in settings grow alike.
  if (takes || counted === 0) unresolved?.push(...uncounted);
  return credit;
}
