import { ipTargetsDefined, type CniSettings } from '../cni/settings.js';
import type { ClusterModel } from '../cluster/model.js';
import type { AddressBook } from './address-book.js';
import { nodeSubnets } from './subnet-shares.js';
import { addressSettings } from './eni-subnets.js';

/**
 * What existing nodes give back (positive) or take (negative) per subnet if the CNI settings change
 * from `from` to `to`, with their pods as they are.
 *
 * ipamd returns single addresses only under WARM_IP_TARGET / MINIMUM_IP_TARGET in secondary-IP mode
 * (isDatastorePoolTooHigh is false under WARM_ENI_TARGET; prefixes go back only when all 16 addresses are
 * free, and pods sit on them at random). An ENI goes back only once no pod uses it, which random pod
 * placement rarely allows, so a node keeps its ENIs. Growth happens in every mode.
 */
export function settingsCredit(
  model: ClusterModel,
  from: CniSettings,
  to: CniSettings,
  book: AddressBook,
): Map<string, number> {
  const credit = new Map<string, number>();
  const releases = ipTargetsDefined(to) && !to.prefixDelegation && !from.prefixDelegation;
  for (const node of model.nodes.values()) {
    const limits =
      node.instanceType === undefined ? undefined : model.instanceTypes.get(node.instanceType);
    if (!limits) continue;
    const pods = node.usage.poolPods;
    const branch = node.usage.branchPods;
    const held = model.holdings?.get(node.name);
    const modelled = book.addresses(
      limits,
      addressSettings(model, from, node.subnetId),
      node.maxPods,
      pods,
      branch,
    );
    const heldIps = held?.ips ?? modelled.ips;
    const heldEnis = held?.enis ?? modelled.enis;
    const target = book.addresses(
      limits,
      addressSettings(model, to, node.subnetId),
      node.maxPods,
      pods,
      branch,
    );
    let after: number;
    // ipamd only unassigns addresses no pod holds: a target below the pods in use keeps theirs.
    if (releases)
      after = Math.max(heldEnis, target.enis) + Math.max(target.poolIps, pods) + target.branchIps;
    else after = Math.max(heldIps, target.ips);
    const delta = heldIps - after;
    if (delta === 0) continue;
    const subnets = nodeSubnets(model, to.customNetworking, node.subnetId, node.eniConfig);
    // The pool lives on the pod-carrying ENIs: the node's subnet, or the ENIConfig subnet.
    const id = subnets.pod ?? subnets.node;
    if (id === undefined) continue;
    credit.set(id, (credit.get(id) ?? 0) + delta);
  }
  return credit;
}
