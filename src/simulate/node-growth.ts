import type { ClusterModel, Node } from '../cluster/model.js';
import type { CniSettings } from '../cni/settings.js';
import type { AddressBook } from './address-book.js';
import { addressSettings, type SecondaryEniPlacer } from './eni-subnets.js';
import type { UnservedTally } from './unserved.js';
import type { Unresolved } from './unresolved.js';
import { limitsOf } from '../cluster/limits-of.js';
import {
  addGrowth,
  addNodeGrowth,
  nodeSubnets,
  type NodeSubnets,
  sharesOf,
  sharesOfHoldings,
} from './subnet-shares.js';

/** Where one simulation adds up what existing nodes take, and what it could not count. */
export interface ExistingGrowth {
  readonly model: ClusterModel;
  readonly cni: CniSettings;
  readonly book: AddressBook;
  readonly placer: SecondaryEniPlacer;
  readonly fromExisting: Map<string, number>;
  /** Subnets of the existing nodes that take pods, even when they need no new address. */
  readonly touched: Set<string>;
  readonly notes: string[];
  /** Nodes the change puts pods on whose subnet or type the inputs do not describe. */
  readonly unresolved: Unresolved[];
  readonly noteMissing: (s: NodeSubnets) => void;
  /** Pods the change leaves waiting for an address their node's CNI never gives. */
  readonly unserved: UnservedTally;
}

/**
 * What one existing node takes per subnet when its pool pods become `poolPods` and its branch pods
 * `branchPods`: its addresses under `cni` with those pods, less what it holds now (counted from its ENIs
 * when given, else modelled under the cluster's settings with the pods it has).
 */
export function growExistingNode(
  g: ExistingGrowth,
  node: Node,
  poolPods: number,
  branchPods: number,
): void {
  const { model, cni, book } = g;
  const limits = limitsOf(model, node.instanceType);
  const subnets = nodeSubnets(model, cni.customNetworking, node.subnetId, node.eniConfig);
  g.noteMissing(subnets);
  if (subnets.node !== undefined) g.touched.add(subnets.node);
  else if (subnets.pod === undefined)
    g.unresolved.push({
      cause: 'node-subnet',
      node: node.name,
      ...(node.internalIp !== undefined && { internalIp: node.internalIp }),
    });
  if (!limits) {
    g.unresolved.push({
      cause: 'node-type',
      node: node.name,
      ...(node.instanceType !== undefined && { instanceType: node.instanceType }),
    });
    return;
  }
  const u = node.usage;
  const held = model.holdings?.get(node.name);
  const settings = addressSettings(model, cni, node.subnetId);
  const after = book.addresses(limits, settings, node.maxPods, poolPods, branchPods);
  // Pods already waiting for an address are not this change's; under the same settings, the rest are.
  const waiting = book.addresses(limits, settings, node.maxPods, u.poolPods, u.branchPods);
  g.unserved.add(
    node.nodeGroup,
    node.instanceType,
    false,
    limits,
    settings,
    node.maxPods,
    after.podsWithoutIp - waiting.podsWithoutIp,
  );
  // Under the cluster's own settings what the node holds now is `waiting`, already looked up.
  const now = (): ReturnType<AddressBook['addresses']> =>
    cni === model.cni
      ? waiting
      : book.addresses(
          limits,
          addressSettings(model, model.cni, node.subnetId),
          node.maxPods,
          u.poolPods,
          u.branchPods,
        );
  if (subnets.pod !== undefined && subnets.pod !== subnets.node) {
    // Custom networking: the ENIConfig subnet, whatever discovery would say.
    const before = held ? sharesOfHoldings(held) : sharesOf(now(), subnets);
    addGrowth(g.fromExisting, before, sharesOf(after, subnets));
  } else if (subnets.node !== undefined) {
    addNodeGrowth(g.fromExisting, held ?? now(), after, subnets.node, g.placer);
  }
}
