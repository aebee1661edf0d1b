import type { NodeAddresses } from '../cni/node-addresses.js';
import type { CniSettings } from '../cni/settings.js';
import { findAwsNode } from '../cluster/build.js';
import type { ClusterModel, EniHoldings } from '../cluster/model.js';
import type { AddressBook } from './address-book.js';
import { addressSettings, SecondaryEniPlacer } from './eni-subnets.js';
import { podFitsNodeFace } from './fit.js';
import { faceInZone, nodeGroupsOf } from './node-groups.js';
import { daemonSetLoad } from './placement.js';
import { UnresolvableChange } from './resolve.js';
import { nodeSettingsOutcome, releasesAddresses, type NodeShape } from './settings-credit.js';
import { nodeSubnets } from './subnet-shares.js';
import { limitsOf } from '../cluster/limits-of.js';
import { describeUnresolved, type Unresolved } from './unresolved.js';

/**
 * Existing nodes the CNI treats alike: same instance type, subnet, ENIConfig, kubelet max pods, pods and
 * (when counted from ENIs) holdings. A 5,000-node cluster has a few dozen of these, so a settings change
 * costs one address computation per class, not per node.
 */
export interface NodeClass {
  readonly shape: NodeShape;
  readonly instanceType: string;
  readonly eniConfig?: string;
  /** Tainted node.kubernetes.io/unschedulable (cordoned): ipamd adds nothing there by default. */
  readonly cordoned: boolean;
  readonly nodes: number;
  /** One of its nodes, for messages. */
  readonly example: string;
}

export interface NodeClasses {
  readonly classes: readonly NodeClass[];
  /** Nodes aws-node runs on (not Fargate, not hybrid nodes: its own node affinity leaves them out). */
  readonly nodes: number;
  /** Nodes aws-node runs on whose addresses cannot be counted, with why. */
  readonly uncounted: readonly Unresolved[];
}

const classCache = new WeakMap<ClusterModel, NodeClasses>();

/** The taint the node lifecycle controller puts on a cordoned node; ipamd looks for exactly this one. */
const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

function heldKey(h: EniHoldings | undefined): string {
  if (!h) return '';
  const bySubnet = Object.entries(h.bySubnet)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${h.enis}/${h.poolIps}/${h.prefixes}/${h.branchEnis}/${h.ips}/${bySubnet}`;
}

interface ClassEntry {
  /** The class's full key, for the order classes are listed in. */
  readonly key: string;
  readonly cls: Omit<NodeClass, 'nodes'>;
  nodes: number;
}

/**
 * Cordoned, max pods, pool and branch pods as one number where they fit its ranges (holdings as text):
 * a node's class among those of its type, subnet and ENIConfig.
 */
function restKey(
  cordoned: boolean,
  maxPods: number,
  poolPods: number,
  branchPods: number,
  held: EniHoldings | undefined,
): number | string {
  if (
    held === undefined &&
    Number.isInteger(maxPods) &&
    Number.isInteger(poolPods) &&
    Number.isInteger(branchPods) &&
    maxPods >= 0 &&
    maxPods < 100_000 &&
    poolPods >= 0 &&
    poolPods < 10_000 &&
    branchPods >= 0 &&
    branchPods < 1_000
  )
    return (((cordoned ? 1 : 0) * 100_000 + maxPods) * 10_000 + poolPods) * 1_000 + branchPods;
  return `${cordoned ? 'cordoned' : ''}|${maxPods}|${poolPods}|${branchPods}|${heldKey(held)}`;
}

/** The classes of the model's nodes, built once per model (the model is immutable). */
export function nodeClassesOf(model: ClusterModel): NodeClasses {
  const cached = classCache.get(model);
  if (cached) return cached;
  const awsNode = findAwsNode(model.daemonSets);
  // Nodes found alike through nested maps on their own strings and one number: building a key string per
  // node and hashing it was most of the time on 5,000 nodes. The full key is made once per class, to sort.
  const tree = new Map<string, Map<string, Map<string, Map<number | string, ClassEntry>>>>();
  const entries: ClassEntry[] = [];
  const uncounted: Unresolved[] = [];
  let nodes = 0;
  for (const node of model.nodes.values()) {
    if (awsNode && !podFitsNodeFace(awsNode.pod, node)) continue;
    nodes += 1;
    const type = node.instanceType;
    const limits = limitsOf(model, type);
    if (type === undefined || !limits) {
      uncounted.push({
        cause: 'node-type',
        node: node.name,
        ...(type !== undefined && { instanceType: type }),
      });
      continue;
    }
    if (node.subnetId === undefined) {
      uncounted.push({
        cause: 'node-subnet',
        node: node.name,
        ...(node.internalIp !== undefined && { internalIp: node.internalIp }),
      });
      continue;
    }
    const held = model.holdings?.get(node.name);
    const cordoned = node.taints.some(
      t => t.key === UNSCHEDULABLE_TAINT && t.effect === 'NoSchedule',
    );
    const eniConfig = node.eniConfig ?? '';
    let bySubnet = tree.get(type);
    if (!bySubnet)
      tree.set(type, (bySubnet = new Map<string, Map<string, Map<number | string, ClassEntry>>>()));
    let byEni = bySubnet.get(node.subnetId);
    if (!byEni)
      bySubnet.set(node.subnetId, (byEni = new Map<string, Map<number | string, ClassEntry>>()));
    let byRest = byEni.get(eniConfig);
    if (!byRest) byEni.set(eniConfig, (byRest = new Map<number | string, ClassEntry>()));
    const rest = restKey(cordoned, node.maxPods, node.usage.poolPods, node.usage.branchPods, held);
    const hit = byRest.get(rest);
    if (hit) {
      hit.nodes += 1;
      continue;
    }
    const key = [
      cordoned ? 'cordoned' : '',
      type,
      node.subnetId,
      eniConfig,
      node.maxPods,
      node.usage.poolPods,
      node.usage.branchPods,
      heldKey(held),
    ].join('|');
    const entry: ClassEntry = {
      key,
      cls: {
        shape: {
          limits,
          subnetId: node.subnetId,
          maxPods: node.maxPods,
          poolPods: node.usage.poolPods,
          branchPods: node.usage.branchPods,
          ...(held && { held }),
        },
        instanceType: type,
        ...(node.eniConfig !== undefined && { eniConfig: node.eniConfig }),
        cordoned,
        example: node.name,
      },
      nodes: 1,
    };
    byRest.set(rest, entry);
    entries.push(entry);
  }
  const classes = entries
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map(v => ({ ...v.cls, nodes: v.nodes }));
  const result = { classes, nodes, uncounted };
  classCache.set(model, result);
  return result;
}

/** One class of existing nodes under the change. */
export interface ClassOutcome {
  readonly cls: NodeClass;
  /** Addresses one node of the class holds now, and once ipamd has acted on the new settings. */
  readonly ipsBefore: number;
  readonly ipsAfter: number;
  /** The pool under the new settings (for why it is that size). */
  readonly target: NodeAddresses;
  /** The most pool pods one node's CNI gives addresses to, under the old and the new settings. */
  readonly servedBefore: number;
  readonly servedAfter: number;
  /** Pods on one node that hold an address now and that the new pool would not serve once replaced. */
  readonly unservedPerNode: number;
  /** Cordoned: the growth the new settings ask for waits until the node is schedulable again. */
  readonly growthHeld: boolean;
}

export interface SettingsSubnet {
  readonly id: string;
  readonly zone: string;
  /** Free addresses as EC2 reports them. */
  readonly free: number;
  readonly reserved: number;
  /** free - reserved: what the growth can draw on at once. */
  readonly available: number;
  /** Addresses existing nodes take here at ipamd's next pass. */
  readonly growth: number;
  /** Addresses existing nodes give back here, at ipamd's next pool decrease (at most every 30 s). */
  readonly release: number;
  readonly growingNodes: number;
  readonly releasingNodes: number;
}

/** A fresh node of a node group in one zone: what it takes under the old and the new settings. */
export interface NewNodeChange {
  readonly group: string;
  readonly instanceType?: string;
  readonly zone: string;
  readonly subnetId?: string;
  /** DaemonSet pods on the fresh node that take a pool address. */
  readonly daemonSetPoolPods: number;
  readonly maxPods: number;
  readonly before?: NodeAddresses;
  readonly after?: NodeAddresses;
  readonly servedBefore?: number;
  readonly servedAfter?: number;
}

export interface SettingsImpact {
  readonly from: CniSettings;
  readonly to: CniSettings;
  /** Nodes the change applies to (aws-node runs there). */
  readonly nodes: number;
  readonly classes: readonly ClassOutcome[];
  readonly subnets: readonly SettingsSubnet[];
  readonly growth: number;
  readonly release: number;
  readonly growingNodes: number;
  readonly releasingNodes: number;
  /** Whether ipamd gives single addresses back under the new settings at all. */
  readonly releases: boolean;
  readonly unservedPods: number;
  readonly unservedNodes: number;
  /** Cordoned nodes whose growth ipamd does not take while they stay cordoned. */
  readonly heldBackNodes: number;
  readonly newNodes: readonly NewNodeChange[];
}

export interface SettingsImpactInput {
  readonly model: ClusterModel;
  readonly from: CniSettings;
  readonly to: CniSettings;
  readonly book: AddressBook;
  /** Addresses held per subnet by admitted changes that EC2 does not show yet. */
  readonly reserved?: ReadonlyMap<string, number>;
  /** Leave out what new nodes take (a remedy search only asks whether the existing nodes fit). */
  readonly existingOnly?: boolean;
}

/** Where one node's growth lands: new ENIs where subnet discovery sends them, the rest on its own subnet. */
function placeGrowth(
  acc: Map<string, number>,
  o: ReturnType<typeof nodeSettingsOutcome>,
  growth: number,
  nodeSubnet: string,
  placer: SecondaryEniPlacer,
): void {
  const add = (id: string, n: number): void => {
    if (n > 0) acc.set(id, (acc.get(id) ?? 0) + n);
  };
  const newEnis = o.afterEnis - o.heldEnis;
  let left = growth;
  if (newEnis > 0) {
    // Counted from its ENIs the growth is one block, as for a workload's growth (addNodeGrowth).
    const pieces =
      'secondaryEniIps' in o.before ? o.target.secondaryEniIps.slice(-newEnis) : [growth];
    for (const ips of pieces) {
      const take = Math.min(ips, left);
      if (take <= 0) break;
      add(placer.place(nodeSubnet, take), take);
      left -= take;
    }
  }
  add(nodeSubnet, left);
}

/**
 * Every existing node's holding under the old and the new CNI settings, per subnet. Growth is taken at
 * ipamd's next pass (about 5 s, isDatastorePoolTooLow then increaseDatastorePool); release comes only where
 * ipamd releases (releasesAddresses), at its next decrease, rate-limited to once per 30 s
 * (decreaseIPPoolInterval): after the growth, so it does not pay for it. Throws when a node the change
 * touches cannot be counted.
 */
export function settingsImpact(input: SettingsImpactInput): SettingsImpact {
  const { model, from, to, book } = input;
  const { classes, nodes, uncounted } = nodeClassesOf(model);
  if (uncounted.length > 0) {
    // One message per cause, with a count: 43 nodes in no listed subnet are one line.
    throw new UnresolvableChange(
      `${describeUnresolved(uncounted).join('; ')}: a CNI settings change is judged on every node, and these cannot be counted`,
    );
  }
  const growth = new Map<string, number>();
  const release = new Map<string, number>();
  const growing = new Map<string, number>();
  const releasing = new Map<string, number>();
  const touched = new Set<string>();
  const placer = new SecondaryEniPlacer(model, to);
  const outcomes: ClassOutcome[] = [];
  let unservedPods = 0;
  let unservedNodes = 0;
  for (const cls of classes) {
    const { shape } = cls;
    const outcome = nodeSettingsOutcome(model, shape, from, to, book);
    // isENIAttachmentAllowed: no address, no ENI on a cordoned node (release is not held back).
    const growthHeld =
      cls.cordoned && !to.manageEnisNonSchedulable && outcome.afterIps > outcome.heldIps;
    const o = growthHeld
      ? { ...outcome, afterIps: outcome.heldIps, afterEnis: outcome.heldEnis }
      : outcome;
    const servedBefore = book.podsServed(
      shape.limits,
      addressSettings(model, from, shape.subnetId),
      shape.maxPods,
    );
    const servedAfter = book.podsServed(
      shape.limits,
      addressSettings(model, to, shape.subnetId),
      shape.maxPods,
    );
    // Pods already past the old limit never had an address; the change only answers for those it strands.
    const unservedPerNode = Math.max(0, Math.min(shape.poolPods, servedBefore) - servedAfter);
    if (unservedPerNode > 0) {
      unservedPods += unservedPerNode * cls.nodes;
      unservedNodes += cls.nodes;
    }
    outcomes.push({
      cls,
      ipsBefore: o.heldIps,
      ipsAfter: o.afterIps,
      target: o.target,
      servedBefore,
      servedAfter,
      unservedPerNode,
      growthHeld,
    });
    const subnets = nodeSubnets(model, to.customNetworking, shape.subnetId, cls.eniConfig);
    const nodeSubnet = subnets.node;
    if (nodeSubnet === undefined) continue;
    touched.add(nodeSubnet);
    const podSubnet = subnets.pod ?? nodeSubnet;
    const delta = o.afterIps - o.heldIps;
    if (delta < 0) {
      release.set(podSubnet, (release.get(podSubnet) ?? 0) - delta * cls.nodes);
      releasing.set(podSubnet, (releasing.get(podSubnet) ?? 0) + cls.nodes);
    } else if (delta > 0) {
      if (podSubnet !== nodeSubnet) {
        // Custom networking: the ENIConfig subnet, whatever discovery would say.
        growth.set(podSubnet, (growth.get(podSubnet) ?? 0) + delta * cls.nodes);
        growing.set(podSubnet, (growing.get(podSubnet) ?? 0) + cls.nodes);
      } else {
        if (placer.staysHome(nodeSubnet)) {
          growth.set(nodeSubnet, (growth.get(nodeSubnet) ?? 0) + delta * cls.nodes);
          growing.set(nodeSubnet, (growing.get(nodeSubnet) ?? 0) + cls.nodes);
        } else {
          // Subnet discovery: each new ENI goes where the most addresses are free at that moment.
          const before = new Map(growth);
          for (let i = 0; i < cls.nodes; i++) placeGrowth(growth, o, delta, nodeSubnet, placer);
          for (const [id, n] of growth)
            if (n !== (before.get(id) ?? 0)) growing.set(id, (growing.get(id) ?? 0) + cls.nodes);
        }
      }
    }
  }
  const ids = new Set<string>([...touched, ...growth.keys(), ...release.keys()]);
  const subnets: SettingsSubnet[] = [...ids].sort().map(id => {
    const s = model.subnets.get(id);
    const free = s?.availableIps ?? 0;
    const reserved = input.reserved?.get(id) ?? 0;
    return {
      id,
      zone: s?.zone ?? '',
      free,
      reserved,
      available: free - reserved,
      growth: growth.get(id) ?? 0,
      release: release.get(id) ?? 0,
      growingNodes: growing.get(id) ?? 0,
      releasingNodes: releasing.get(id) ?? 0,
    };
  });
  const missing = subnets.filter(s => !model.subnets.has(s.id)).map(s => s.id);
  if (missing.length > 0)
    throw new UnresolvableChange(
      `subnet ${missing.join(', ')} takes this change's addresses but is not in the subnets: its free addresses are unknown`,
    );
  return {
    from,
    to,
    nodes,
    classes: outcomes,
    subnets,
    growth: subnets.reduce((n, s) => n + s.growth, 0),
    release: subnets.reduce((n, s) => n + s.release, 0),
    growingNodes: outcomes.reduce((n, c) => n + (c.ipsAfter > c.ipsBefore ? c.cls.nodes : 0), 0),
    releasingNodes: outcomes.reduce((n, c) => n + (c.ipsAfter < c.ipsBefore ? c.cls.nodes : 0), 0),
    releases: releasesAddresses(from, to),
    unservedPods,
    unservedNodes,
    heldBackNodes: outcomes.reduce((n, c) => n + (c.growthHeld ? c.cls.nodes : 0), 0),
    newNodes: input.existingOnly === true ? [] : newNodeChanges(model, from, to, book),
  };
}

/** What a fresh node of each node group takes, per zone, under the old and the new settings. */
function newNodeChanges(
  model: ClusterModel,
  from: CniSettings,
  to: CniSettings,
  book: AddressBook,
): NewNodeChange[] {
  const out: NewNodeChange[] = [];
  for (const group of nodeGroupsOf(model)) {
    for (const zone of group.zones) {
      const subnetId = zone.subnetIds[0];
      const ds = daemonSetLoad(model.daemonSets, faceInZone(group, zone.zone));
      const base = {
        group: group.name,
        ...(group.instanceType !== undefined && { instanceType: group.instanceType }),
        zone: zone.zone,
        ...(subnetId !== undefined && { subnetId }),
        daemonSetPoolPods: ds.poolPods,
        maxPods: group.maxPods,
      };
      const limits = group.limits;
      if (!limits) {
        out.push(base);
        continue;
      }
      const at = (s: CniSettings): NodeAddresses =>
        book.addresses(
          limits,
          addressSettings(model, s, subnetId),
          group.maxPods,
          ds.poolPods,
          ds.branchPods,
        );
      out.push({
        ...base,
        before: at(from),
        after: at(to),
        servedBefore: book.podsServed(
          limits,
          addressSettings(model, from, subnetId),
          group.maxPods,
        ),
        servedAfter: book.podsServed(limits, addressSettings(model, to, subnetId), group.maxPods),
      });
    }
  }
  return out;
}
