import type { InstanceLimits } from '../../cni/instance-limits.js';
import type { CniSettings } from '../../cni/settings.js';
import type {
  AutoModeNodeClass,
  ClusterModel,
  Ec2NodeClass,
  NodeClassSubnet,
  NodePool,
  PodShape,
} from '../../cluster/model.js';
import { eniConfigNameOf } from '../../cni/eni-config-name.js';
import { addressSettings } from '../eni-subnets.js';
import { withLaunchPrefixes } from '../launch-prefixes.js';
import type { Unresolved } from '../unresolved.js';
import { toleratesTaints } from '../fit.js';
import { daemonSetLoad, fitCount, type DaemonSetLoad } from '../node-room.js';
import { autoModeAssumptions, autoModeCni, autoModeTypeCapacity } from './auto-mode.js';
import { capacityMemoryMiB, ec2TypeCapacity, karpenterPods } from './ec2-node-class.js';
import { evaluateMaxPods, parseMaxPods } from './max-pods-cel.js';
import {
  CAPACITY_TYPE,
  KNOWN_TYPE_KEYS,
  NODEPOOL,
  ZONE,
  instanceLabels,
  isInstanceTypeKey,
  isWellKnownLabel,
} from './instance-labels.js';
import {
  MAX_NEW_NODES,
  type CandidateType,
  type NewNode,
  type Provision,
  type ProvisionRequest,
  type Provisioner,
  type ProvisionerKind,
  type ZoneOption,
} from './provisioner.js';
import {
  addRequirement,
  compatible,
  exactly,
  has,
  hasIntersection,
  requirementOf,
  type Requirement,
} from './requirements.js';
import { DEFAULT_KARPENTER_SETTINGS, type KarpenterSettings } from './karpenter-settings.js';
import { poolRequirements, typeMeets } from './type-filter.js';
import { minValuesCap, minValuesShort, poolMinValues, type MinValue } from './min-values.js';
import type { TypeCapacity } from './type-capacity.js';

/**
 * Karpenter NodePools (and EKS Auto Mode's, which are the same API with AWS's node class), simulated as
 * kubernetes-sigs/karpenter pkg/controllers/provisioning/scheduling does it (@22664681):
 * - NodePools in weight order, higher first, equal weights by name descending (utils/nodepool OrderByWeight);
 * - a pod goes to an open NodeClaim of the batch first, fewest pods first, else to a new NodeClaim from the
 *   first NodePool that can take it (scheduler.go add, addToInflightNode, addToNewNodeClaim);
 * - a NodeClaim is a set of instance types that all still fit every pod on it, DaemonSet overhead per type
 *   and the `pods` resource included (nodeclaim.go CanAdd, filterInstanceTypesByRequirements), so pods of one
 *   shape fill a NodeClaim up to what the largest allowed type takes;
 * - NodePool limits drop types whose capacity exceeds what is left, stop at a `nodes` limit of zero, and
 *   count each NodeClaim at its largest candidate (filterByRemainingResources, subtractMax).
 * The launch (aws/karpenter-provider-aws pkg/providers/instance @1d927085) takes the 60 cheapest candidates
 * and lets EC2 Fleet pick the cheapest (on-demand `lowest-price`); per zone it uses the EC2NodeClass
 * subnet with the most free addresses, less its in-flight estimate of the smallest candidate's pods
 * (pkg/providers/subnet ZonalSubnetsForLaunch).
 */

/** Fleet overrides per launch (pkg/providers/instance maxInstanceTypes). */
export const MAX_INSTANCE_TYPES = 60;

/** NodeClaims per NodePool in one simulation; more than any subnet could address. */
const MAX_CLAIMS = MAX_NEW_NODES;

interface TypeOption {
  readonly name: string;
  readonly limits: InstanceLimits;
  readonly capacity: TypeCapacity;
  readonly daemonSets: DaemonSetLoad;
  /** Pods of the workload one node of this type takes, DaemonSets first. */
  readonly fit: number;
  /** Its labels, for minValues. */
  readonly labels: ReadonlyMap<string, string>;
}

/** The cheapest type without prices: fewest vCPUs, then least memory, then name (stated in messages). */
function cheaperFirst(a: TypeOption, b: TypeOption): number {
  return (
    a.capacity.cpuMilli - b.capacity.cpuMilli ||
    a.capacity.memoryBytes - b.capacity.memoryBytes ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

interface NodeClassView {
  readonly kind: ProvisionerKind;
  readonly name: string;
  readonly subnets: readonly NodeClassSubnet[];
  readonly cni?: CniSettings;
  readonly assumption?: string;
  readonly launchPrefixes?: number;
  capacity(name: string, limits: InstanceLimits): TypeCapacity | undefined;
  /** Why a sized type has no capacity here (a maxPods expression that fails on it), by type. */
  readonly rejected?: Map<string, string>;
}

const autoModeCnis = new WeakMap<AutoModeNodeClass, CniSettings>();

function ec2View(nc: Ec2NodeClass, settings: KarpenterSettings): NodeClassView | string {
  const plain = (name: string, limits: InstanceLimits, over: Ec2NodeClass = nc) =>
    ec2TypeCapacity(name, limits, over, settings.reservedEnis, settings.vmMemoryOverheadPercent);
  const view = {
    kind: 'karpenter' as const,
    name: nc.name,
    subnets: nc.subnets,
    ...(nc.ipPrefixCount !== undefined && { launchPrefixes: nc.ipPrefixCount }),
    capacity: plain,
  };
  const expr = nc.maxPodsExpression;
  if (expr === undefined) return view;
  if (!settings.nodeClassCel)
    return {
      ...view,
      assumption: `EC2NodeClass ${nc.name}: kubelet maxPods ${JSON.stringify(expr)} is a CEL expression, which Karpenter ignores unless AWS_FEATURE_GATES has NodeClassCEL=true: the AMI family's default max pods taken, as Karpenter takes it`,
    };
  const parsed = parseMaxPods(expr);
  const rejected = new Map<string, string>();
  if ('error' in parsed)
    return `its EC2NodeClass ${nc.name} sets kubelet maxPods to the CEL expression ${JSON.stringify(expr)}, which ipguard cannot evaluate (${parsed.error})`;
  return {
    ...view,
    assumption: `EC2NodeClass ${nc.name}: kubelet maxPods is the CEL expression ${JSON.stringify(expr)}, evaluated per type (NodeClassCEL)`,
    rejected,
    capacity: (name, limits) => {
      if (limits.vcpus === undefined || limits.memoryMiB === undefined) return undefined;
      const maxPods = evaluateMaxPods(parsed, {
        vcpus: limits.vcpus,
        memory_mib: limits.memoryMiB,
        default_enis: limits.maxEnis,
        ips_per_eni: limits.ipv4PerEni,
        max_pods: karpenterPods(limits, { ...nc, maxPods: undefined }, settings.reservedEnis),
        instance_type: name,
      });
      // resolveMaxPods fails for the type, and Karpenter leaves it out.
      if (typeof maxPods !== 'number') {
        rejected.set(name, maxPods.error);
        return undefined;
      }
      return plain(name, limits, { ...nc, maxPods });
    },
  };
}

function autoModeView(nc: AutoModeNodeClass): NodeClassView {
  let cni = autoModeCnis.get(nc);
  if (!cni) autoModeCnis.set(nc, (cni = autoModeCni(nc)));
  return {
    kind: 'auto-mode',
    name: nc.name,
    subnets: nc.subnets,
    cni,
    assumption: autoModeAssumptions(nc),
    capacity: (name, limits) => autoModeTypeCapacity(name, limits, nc),
  };
}

function nodeClassOf(
  model: ClusterModel,
  pool: NodePool,
  settings: KarpenterSettings,
): NodeClassView | string {
  const ref = pool.nodeClassRef;
  if (ref.group === 'karpenter.k8s.aws' && ref.kind === 'EC2NodeClass') {
    const nc = model.ec2NodeClasses?.get(ref.name);
    return nc ? ec2View(nc, settings) : `its EC2NodeClass ${ref.name} is not in the inputs`;
  }
  if (ref.group === 'eks.amazonaws.com' && ref.kind === 'NodeClass') {
    const nc = model.autoModeNodeClasses?.get(ref.name);
    return nc ? autoModeView(nc) : `its EKS Auto Mode NodeClass ${ref.name} is not in the inputs`;
  }
  return `its node class ${ref.group}/${ref.kind} ${ref.name} is not one ipguard knows`;
}

/** The pod's requirements, one set per required node-affinity term (terms are ORed). */
function podTerms(pod: PodShape): Map<string, Requirement>[] {
  const base = new Map<string, Requirement>();
  for (const [k, v] of Object.entries(pod.nodeSelector)) addRequirement(base, k, exactly(v));
  if (pod.requiredNodeTerms.length === 0) return [base];
  return pod.requiredNodeTerms.map(term => {
    const m = new Map(base);
    for (const r of term) addRequirement(m, r.key, requirementOf(r));
    return m;
  });
}

/** Labels a NodeClaim of the pool would carry in a zone, for DaemonSet selectors and the ENIConfig. */
function faceLabels(
  reqs: ReadonlyMap<string, Requirement>,
  typeLabels: ReadonlyMap<string, string>,
  zone: string | undefined,
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, r] of reqs) {
    const only = !r.complement && r.values.size === 1 ? [...r.values][0] : undefined;
    if (only !== undefined) labels[k] = only;
  }
  for (const [k, v] of typeLabels) labels[k] = v;
  if (zone !== undefined) labels[ZONE] = zone;
  return labels;
}

interface PoolFit {
  readonly pool: NodePool;
  readonly nodeClass: NodeClassView;
  /** Every type that fits one pod, cheapest first. */
  readonly types: readonly TypeOption[];
  readonly zones: readonly string[];
  readonly reqs: ReadonlyMap<string, Requirement>;
  readonly mins: readonly MinValue[];
}

/** Why a pool cannot take the pod, or the types and zones it can launch for it. */
function poolFit(
  model: ClusterModel,
  pod: PodShape,
  pool: NodePool,
  nodeClass: NodeClassView,
  notes: Set<string>,
): PoolFit | string {
  if (!toleratesTaints(pod, pool.taints)) return 'the pod does not tolerate its taints';
  const base = poolRequirements(pool);
  let reqs: Map<string, Requirement> | undefined;
  let why = '';
  for (const term of podTerms(pod)) {
    const err = compatible(base, term, isWellKnownLabel);
    if (err !== undefined) {
      why = err;
      continue;
    }
    reqs = new Map(base);
    for (const [k, r] of term) addRequirement(reqs, k, r);
    break;
  }
  if (!reqs) return `the pod's node selection does not match it (${why})`;
  const zoneReq = reqs.get(ZONE);
  const zones = [...new Set(nodeClass.subnets.map(s => s.zone))]
    .filter(z => zoneReq === undefined || has(zoneReq, z))
    .sort();
  if (nodeClass.subnets.length === 0)
    return `${nodeClass.kind === 'auto-mode' ? 'NodeClass' : 'EC2NodeClass'} ${nodeClass.name} lists no subnets (status.subnets)`;
  if (zones.length === 0)
    return 'none of its node class subnets is in a zone the pod and pool allow';
  const capacityType = reqs.get(CAPACITY_TYPE);
  if (
    capacityType !== undefined &&
    !hasIntersection(capacityType, exactly('on-demand', 'spot', 'reserved'))
  )
    return 'its capacity types allow none of on-demand, spot, reserved';
  for (const key of reqs.keys()) {
    if (isInstanceTypeKey(key) && !KNOWN_TYPE_KEYS.has(key))
      notes.add(
        `NodePool ${pool.name}: requirement ${key} cannot be checked from the instance types given; every type is taken to meet it`,
      );
  }
  const types: TypeOption[] = [];
  const unsized: string[] = [];
  for (const [name, limits] of model.instanceTypes) {
    const labels = instanceLabels(name, limits, nodeClass.kind === 'auto-mode');
    if (!typeMeets(reqs, labels)) continue;
    const capacity = nodeClass.capacity(name, limits);
    if (!capacity) {
      if (!nodeClass.rejected?.has(name)) unsized.push(name);
      continue;
    }
    const daemonSets = daemonSetLoad(model.daemonSets, {
      name: `(new ${pool.name} node)`,
      labels: faceLabels(reqs, labels, zones[0]),
      taints: pool.taints,
    });
    let fit = Math.min(
      fitCount(capacity.allocatable.cpuMilli - daemonSets.cpuMilli, pod.requests.cpuMilli),
      fitCount(capacity.allocatable.memoryBytes - daemonSets.memoryBytes, pod.requests.memoryBytes),
      Math.max(0, capacity.pods - daemonSets.pods),
    );
    if (pod.onePerNode) fit = Math.min(fit, 1);
    if (fit >= 1) types.push({ name, limits, capacity, daemonSets, fit, labels });
  }
  if (unsized.length > 0) {
    const list = unsized.sort();
    notes.add(
      `NodePool ${pool.name}: ${list.length} allowed instance types have no vCPU or memory figure and cannot be sized (${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}): left out of the candidates`,
    );
  }
  const rejected = [...(nodeClass.rejected ?? [])].sort(([a], [b]) => (a < b ? -1 : 1));
  if (rejected.length > 0)
    notes.add(
      `NodePool ${pool.name}: its EC2NodeClass maxPods expression fails on ${rejected.length} allowed types (${rejected
        .slice(0, 3)
        .map(([t, why]) => `${t}: ${why}`)
        .join('; ')}${rejected.length > 3 ? '; …' : ''}): Karpenter leaves them out`,
    );
  if (types.length === 0) return 'no instance type it allows fits the pod with its DaemonSets';
  const { mins, unchecked } = poolMinValues(pool);
  for (const key of unchecked)
    notes.add(
      `NodePool ${pool.name}: minValues on ${key} cannot be checked from the instance types given; taken as met`,
    );
  return { pool, nodeClass, types: types.sort(cheaperFirst), zones, reqs, mins };
}

/** What is left of a pool's limits: limits less what its nodes and in-flight NodeClaims already count. */
interface Remaining {
  cpuMilli?: number;
  memoryBytes?: number;
  nodes?: number;
}

function remainingOf(
  model: ClusterModel,
  pool: NodePool,
  vmMemoryOverheadPercent: number,
): Remaining {
  const l = pool.limits;
  if (l.cpuMilli === undefined && l.memoryBytes === undefined && l.nodes === undefined) return {};
  let cpu = 0;
  let mem = 0;
  let count = 0;
  const registered = new Set<string>();
  for (const n of model.nodes.values()) {
    if (n.labels[NODEPOOL] !== pool.name) continue;
    registered.add(n.name);
    count += 1;
    const limits =
      n.instanceType === undefined ? undefined : model.instanceTypes.get(n.instanceType);
    const memMiB =
      limits && n.instanceType
        ? capacityMemoryMiB(n.instanceType, limits, vmMemoryOverheadPercent)
        : undefined;
    cpu += limits?.vcpus !== undefined ? limits.vcpus * 1000 : n.allocatable.cpuMilli;
    mem += memMiB !== undefined ? memMiB * 1024 * 1024 : n.allocatable.memoryBytes;
  }
  for (const c of model.nodeClaims ?? []) {
    if (c.nodePool !== pool.name || (c.nodeName !== undefined && registered.has(c.nodeName)))
      continue;
    count += 1;
    cpu += c.capacity.cpuMilli;
    mem += c.capacity.memoryBytes;
  }
  return {
    ...(l.cpuMilli !== undefined && { cpuMilli: l.cpuMilli - cpu }),
    ...(l.memoryBytes !== undefined && { memoryBytes: l.memoryBytes - mem }),
    ...(l.nodes !== undefined && { nodes: l.nodes - count }),
  };
}

function withinLimits(t: TypeOption, r: Remaining): boolean {
  return (
    (r.cpuMilli === undefined || t.capacity.cpuMilli <= r.cpuMilli) &&
    (r.memoryBytes === undefined || t.capacity.memoryBytes <= r.memoryBytes) &&
    (r.nodes === undefined || r.nodes >= 1)
  );
}

function limited(r: Remaining): boolean {
  return r.cpuMilli !== undefined || r.memoryBytes !== undefined || r.nodes !== undefined;
}

/** Karpenter counts a NodeClaim at its largest candidate against the limits (subtractMax). */
function subtractMax(r: Remaining, types: readonly TypeOption[]): void {
  if (r.cpuMilli !== undefined) r.cpuMilli -= Math.max(...types.map(t => t.capacity.cpuMilli));
  if (r.memoryBytes !== undefined)
    r.memoryBytes -= Math.max(...types.map(t => t.capacity.memoryBytes));
  if (r.nodes !== undefined) r.nodes -= 1;
}

function describeLimits(pool: NodePool): string {
  const l = pool.limits;
  const parts: string[] = [];
  if (l.cpuMilli !== undefined) parts.push(`cpu ${l.cpuMilli / 1000}`);
  if (l.memoryBytes !== undefined) parts.push(`memory ${Math.round(l.memoryBytes / 1024 ** 3)}Gi`);
  if (l.nodes !== undefined) parts.push(`nodes ${l.nodes}`);
  return parts.join(', ');
}

/** Karpenter's subnet for a zone: the most free addresses less its own in-flight estimate; ties, listed first. */
function subnetFor(
  nodeClass: NodeClassView,
  zone: string,
  available: ProvisionRequest['available'],
  inflight: ReadonlyMap<string, number>,
): string | undefined {
  let best: string | undefined;
  let bestFree = -Infinity;
  for (const s of nodeClass.subnets) {
    if (s.zone !== zone) continue;
    const free = (available(s.id) ?? -Infinity) - (inflight.get(s.id) ?? 0);
    if (best === undefined || free > bestFree) {
      best = s.id;
      bestFree = free;
    }
  }
  return best;
}

/** What one launch shares across the zones the spread fixes: limits, subnets, the claims so far. */
interface LaunchState {
  readonly remaining: Map<string, Remaining>;
  readonly inflight: Map<string, number>;
  readonly taken: Map<string, number>;
  readonly nodes: NewNode[];
  readonly byPool: Map<string, { claims: number; types: Set<string> }>;
  kind: ProvisionerKind;
}

export class KarpenterProvisioner implements Provisioner {
  readonly kind = 'karpenter' as const;

  readonly #settings: KarpenterSettings;

  /** `settings`: the controller's, from its Deployment (karpenterSettings); the defaults otherwise. */
  constructor(settings: KarpenterSettings = DEFAULT_KARPENTER_SETTINGS) {
    this.#settings = settings;
  }

  zones(req: ProvisionRequest): readonly string[] {
    const out = new Set<string>();
    for (const pool of req.model.nodePools?.values() ?? []) {
      const nodeClass = nodeClassOf(req.model, pool, this.#settings);
      if (typeof nodeClass === 'string') continue;
      const fit = poolFit(req.model, req.pod, pool, nodeClass, new Set());
      if (typeof fit !== 'string') for (const z of fit.zones) out.add(z);
    }
    return [...out].sort();
  }

  provision(req: ProvisionRequest): Provision | undefined {
    const { model, pod } = req;
    const pools = [...(model.nodePools?.values() ?? [])].sort(
      (a, b) => b.weight - a.weight || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
    );
    if (pools.length === 0) return undefined;
    const notes = new Set<string>();
    const fits: PoolFit[] = [];
    const why: string[] = [];
    // Pools the inputs do not describe: if no other pool takes the pods, the answer depends on them.
    const unresolved: Unresolved[] = [];
    for (const pool of pools) {
      const nodeClass = nodeClassOf(model, pool, this.#settings);
      if (typeof nodeClass === 'string') {
        notes.add(`NodePool ${pool.name}: ${nodeClass}, so its nodes cannot be modelled`);
        unresolved.push({ cause: 'pool-class', pool: pool.name, problem: nodeClass });
        continue;
      }
      const fit = poolFit(model, pod, pool, nodeClass, notes);
      if (typeof fit === 'string') {
        why.push(`${pool.name}: ${fit}`);
        // The pool would take the pods but for subnets its node class does not list.
        if (fit.endsWith('lists no subnets (status.subnets)'))
          unresolved.push({ cause: 'pool-class', pool: pool.name, problem: fit });
      } else fits.push(fit);
    }
    if (fits.length === 0) {
      if (notes.size === 0 && unresolved.length === 0) return undefined;
      return {
        kind: this.kind,
        nodes: [],
        unplaced: req.pods,
        ...(unresolved.length > 0 && { unresolved }),
        notes: [
          ...notes,
          `${req.pods} pods fit no existing node and no NodePool ipguard can model: they would stay Pending${why.length > 0 ? ` (${why.join('; ')})` : ''}`,
        ],
      };
    }
    return this.#launch(req, fits, notes);
  }

  /** What the controller's settings add to a result that launches EC2NodeClass nodes. */
  #settingsNotes(notes: Set<string>): void {
    const s = this.#settings;
    if (s.deployment === undefined)
      notes.add(
        'the Karpenter controller Deployment is not in the inputs: RESERVED_ENIS, VM_MEMORY_OVERHEAD_PERCENT and MIN_VALUES_POLICY taken at their defaults (0, 0.075, Strict)',
      );
    for (const n of s.notes) notes.add(n);
  }

  #launch(req: ProvisionRequest, fits: readonly PoolFit[], notes: Set<string>): Provision {
    const s: LaunchState = {
      remaining: new Map(
        fits.map(f => [
          f.pool.name,
          remainingOf(req.model, f.pool, this.#settings.vmMemoryOverheadPercent),
        ]),
      ),
      inflight: new Map(),
      taken: new Map(),
      nodes: [],
      byPool: new Map(),
      kind: fits[0]?.nodeClass.kind ?? this.kind,
    };
    // Topology spread: placement fixes how many pods go to each zone (limits and subnets shared).
    let unplaced = 0;
    if (!req.podsByZone) unplaced = this.#launchIn(req, fits, notes, s, undefined, req.pods);
    else
      for (const [zone, pods] of req.podsByZone)
        unplaced += this.#launchIn(req, fits, notes, s, zone, pods);
    const { nodes, byPool, kind } = s;
    for (const [name, s] of byPool) {
      const f = fits.find(x => x.pool.name === name);
      notes.add(
        `NodePool ${name}${f && f.pool.weight > 0 ? ` (weight ${f.pool.weight})` : ''}: ${s.claims} new NodeClaims, likely ${[...s.types].join(', ')} — Karpenter launches the cheapest type that fits; without prices ipguard takes the one with the fewest vCPUs, then least memory`,
      );
    }
    return { kind, nodes, unplaced, notes: [...notes] };
  }

  /** NodeClaims for `pods` pods, in `zone` when the spread fixes it; returns the pods left Pending. */
  #launchIn(
    req: ProvisionRequest,
    fits: readonly PoolFit[],
    notes: Set<string>,
    s: LaunchState,
    zone: string | undefined,
    pods: number,
  ): number {
    const { model } = req;
    const { remaining, inflight, taken, nodes, byPool } = s;
    const cap = req.maxPodsPerNode ?? Infinity;
    let left = pods;
    const poolIps = req.pod.network === 'pool' ? 1 : 0;
    while (left > 0 && nodes.length < MAX_CLAIMS) {
      let made = false;
      for (const f of fits) {
        const zones = zone === undefined ? f.zones : f.zones.filter(z => z === zone);
        if (zones.length === 0) continue;
        const rem = remaining.get(f.pool.name) ?? {};
        const types = limited(rem) ? f.types.filter(t => withinLimits(t, rem)) : f.types;
        if (types.length === 0) continue;
        // minValues (Strict): a NodeClaim takes no more pods than leave enough distinct values among
        // the types that still fit them all.
        const minCap =
          this.#settings.minValuesPolicy === 'Strict' ? minValuesCap(types, f.mins) : Infinity;
        if (minCap === 0) {
          const short = minValuesShort(types, f.mins)
            .map(m => `minValues ${m.min} on ${m.key}, only ${m.got} among the types that fit`)
            .join('; ');
          notes.add(
            `NodePool ${f.pool.name}: ${short}: Karpenter launches nothing for these pods (MIN_VALUES_POLICY Strict)`,
          );
          continue;
        }
        const largest = Math.max(...types.map(t => t.fit));
        if (minCap < largest)
          notes.add(
            `NodePool ${f.pool.name}: its minValues (${f.mins.map(m => `${m.min} ${m.key}`).join(', ')}) hold each NodeClaim to ${minCap} pods, where the largest type alone takes ${largest}`,
          );
        const perClaim = Math.min(cap, largest, minCap);
        // Without limits every full NodeClaim is alike: emit them in one step.
        const full = limited(rem) ? (left >= perClaim ? 1 : 0) : Math.floor(left / perClaim);
        const batch = full > 0 ? Math.min(full, MAX_CLAIMS - nodes.length) : 1;
        const onEach = full > 0 ? perClaim : left;
        const candidates = types.filter(t => t.fit >= onEach).slice(0, MAX_INSTANCE_TYPES);
        const likely = candidates[0];
        if (!likely) continue;
        const minPods = Math.min(...candidates.map(t => t.capacity.pods));
        const nodeCni = f.nodeClass.cni ?? req.cni;
        for (let i = 0; i < batch; i++) {
          const options: ZoneOption[] = zones.map(z => {
            const subnetId = subnetFor(f.nodeClass, z, req.available, inflight);
            return { zone: z, ...(subnetId !== undefined && { subnetId }) };
          });
          // EC2 picks the zone; the likely case takes the one with the most room left.
          let chosen = options[0] as ZoneOption;
          let room = -Infinity;
          for (const o of options) {
            const r =
              o.subnetId === undefined
                ? -Infinity
                : (req.available(o.subnetId) ?? -Infinity) - (taken.get(o.subnetId) ?? 0);
            if (r > room) {
              room = r;
              chosen = o;
            }
          }
          if (chosen.subnetId !== undefined) {
            inflight.set(chosen.subnetId, (inflight.get(chosen.subnetId) ?? 0) + minPods);
            const a = req.book.addresses(
              likely.limits,
              addressSettings(model, nodeCni, chosen.subnetId),
              likely.capacity.pods,
              likely.daemonSets.poolPods + poolIps * onEach,
              likely.daemonSets.branchPods + (req.pod.network === 'branch' ? onEach : 0),
            );
            taken.set(
              chosen.subnetId,
              (taken.get(chosen.subnetId) ?? 0) +
                withLaunchPrefixes(a, f.nodeClass.launchPrefixes).ips,
            );
          }
          const labels = faceLabels(
            f.reqs,
            instanceLabels(likely.name, likely.limits, f.nodeClass.kind === 'auto-mode'),
            chosen.zone,
          );
          const eniConfig = eniConfigNameOf(labels, undefined, model.eniConfigKeys);
          nodes.push({
            pool: f.pool.name,
            zone: chosen.zone,
            ...(chosen.subnetId !== undefined && { subnetId: chosen.subnetId }),
            eniConfig,
            workloadPods: onEach,
            daemonSets: likely.daemonSets,
            candidates: candidates.map((t): CandidateType => ({
              instanceType: t.name,
              limits: t.limits,
              maxPods: t.capacity.pods,
              daemonSets: t.daemonSets,
            })),
            ...(options.length > 1 && { zoneOptions: options }),
            ...(f.nodeClass.cni && { cni: f.nodeClass.cni }),
            ...(f.nodeClass.launchPrefixes !== undefined && {
              launchPrefixes: f.nodeClass.launchPrefixes,
            }),
          });
        }
        if (limited(rem)) subtractMax(rem, candidates);
        left -= batch * onEach;
        const seen = byPool.get(f.pool.name) ?? { claims: 0, types: new Set<string>() };
        seen.claims += batch;
        seen.types.add(likely.name);
        byPool.set(f.pool.name, seen);
        if (f.nodeClass.assumption !== undefined) notes.add(f.nodeClass.assumption);
        if (f.nodeClass.kind === 'karpenter') this.#settingsNotes(notes);
        if (f.nodeClass.launchPrefixes !== undefined && f.nodeClass.launchPrefixes > 0)
          notes.add(
            `EC2NodeClass ${f.nodeClass.name} assigns ${f.nodeClass.launchPrefixes} /28 prefixes at launch (ipPrefixCount): ${f.nodeClass.launchPrefixes * 16} addresses per node from its subnet, besides the CNI's pool unless prefix delegation adopts them`,
          );
        if (nodes.length === batch) s.kind = f.nodeClass.kind;
        made = true;
        break;
      }
      if (!made) {
        const capped = fits.filter(f => limited(remaining.get(f.pool.name) ?? {}));
        notes.add(
          capped.length > 0
            ? `${left} pods stay Pending: NodePool limits reached (${capped.map(f => `${f.pool.name}: ${describeLimits(f.pool)}`).join('; ')})`
            : `${left} pods stay Pending: no NodePool can launch a node for them`,
        );
        break;
      }
    }
    if (left > 0 && nodes.length >= MAX_CLAIMS)
      notes.add(`${left} more pods would need more than ${MAX_CLAIMS} new nodes; not simulated`);
    return left;
  }
}
