import { slotsPerEni } from '../cni/instance-limits.js';
import type { CniSettings } from '../cni/settings.js';
import type { ClusterModel, Node, Workload } from '../cluster/model.js';
import { resolveFenceposts } from '../simulate/int-or-percent.js';
import { replicasOf } from '../simulate/peaks/index.js';
import { simulate, type Simulation, type SimulationInput } from '../simulate/simulate.js';
import type { Ceiling } from '../simulate/resolve.js';
import type { PolicyConfig } from './config.js';
import { judge } from './verdict.js';
import { nodePoolRemedies } from './nodepool-remedies.js';
import { limitsOf } from '../cluster/limits-of.js';

export type RemedyKind = 'cni' | 'max-pods' | 'preview' | 'step' | 'surge' | 'nodepool' | 'free';

export interface Remedy {
  readonly kind: RemedyKind;
  /** One line a person can act on, with the numbers behind it. */
  readonly text: string;
  /** For `cni` remedies: the aws-node env to set. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Lets the caller stop the search when its time budget runs low; the core itself reads no clock. */
export type StopSearch = () => boolean;

/**
 * The webhook never looks for remedies longer than this. The search runs on the event loop, so while
 * one review searches no other is answered: four absurd scale-ups in flight, each searching for half
 * the default 2 s budget, kept a plain review waiting past a second. Remedies are a courtesy; the
 * verdict and its numbers are settled before the search starts.
 */
export const REMEDY_SEARCH_MAX_MS = 100;

/** How long a review with `budgetMs` may look for remedies: half its budget, at most REMEDY_SEARCH_MAX_MS. */
export function remedySearchMs(budgetMs: number): number {
  return Math.min(budgetMs / 2, REMEDY_SEARCH_MAX_MS);
}

/** What every trial needs: the change as asked, the policy to judge by, and when to give up. */
interface Search {
  readonly input: SimulationInput;
  readonly sim: Simulation;
  readonly config: PolicyConfig;
  readonly stop: StopSearch;
}

/**
 * A remedy fits when the change is no longer denied and no more of its pods are left without a place:
 * a setting that only "fits" by leaving pods Pending is no fix.
 */
function fits(s: Search, input: SimulationInput): Simulation | undefined {
  const sim = simulate(input);
  // A remedy that fits only on addresses nobody could count is no remedy.
  if (sim.unplaced > s.sim.unplaced || sim.unresolved.length > 0) return undefined;
  return judge(sim, input.model, s.config).verdict === 'deny' ? undefined : sim;
}

/**
 * The largest value in [lo, hi] for which `ok` holds: each knob here (replicas, a preview size, a surge,
 * a warm or minimum target) needs more addresses as it grows, so what fits is a range ending somewhere.
 * The search gallops up from `lo` (lo+1, lo+2, lo+4, ...) until a trial fails, then bisects that
 * bracket: about 2·log2(answer − lo) simulations, each of a change near what fits. Bisecting the whole
 * range instead would start at its middle, and for `replicas: 2147483647` every one of its first 30
 * trials would simulate thousands of nodes to learn what the first trial near `lo` already shows.
 */
function bisect<T>(
  s: Search,
  lo: number,
  hi: number,
  ok: (v: number) => T | undefined,
): { value: number; result: T } | undefined {
  if (lo > hi || s.stop()) return undefined;
  let best: { value: number; result: T } | undefined;
  const first = ok(lo);
  if (first === undefined) return undefined;
  best = { value: lo, result: first };
  let low = lo + 1;
  let high = hi;
  for (let step = 1; low <= high && !s.stop(); step *= 2) {
    const probe = Math.min(best.value + step, high);
    const r = ok(probe);
    if (r === undefined) {
      high = probe - 1;
      break;
    }
    best = { value: probe, result: r };
    low = probe + 1;
  }
  while (low <= high && !s.stop()) {
    const mid = Math.floor((low + high) / 2);
    const r = ok(mid);
    if (r === undefined) high = mid - 1;
    else {
      best = { value: mid, result: r };
      low = mid + 1;
    }
  }
  return best;
}

/** The largest value in [lo, hi] whose trial fits. */
function largest(
  s: Search,
  hi: number,
  lo: number,
  trial: (v: number) => SimulationInput,
): { value: number; sim: Simulation } | undefined {
  const found = bisect(s, lo, hi, v => fits(s, trial(v)));
  return found && { value: found.value, sim: found.result };
}

/** Pods the change leaves Pending or without an address. */
function stranded(sim: Simulation): number {
  return sim.unplaced + sim.unservedPods;
}

/**
 * The smallest value in [lo, hi] that leaves no more pods Pending or without an address than the
 * change as asked: below it a MINIMUM_IP_TARGET without WARM_IP_TARGET freezes pools too small for the
 * pods.
 */
function smallestPlacing(
  s: Search,
  lo: number,
  hi: number,
  trial: (v: number) => SimulationInput,
): number | undefined {
  // Bisect on the mirrored range so that "holds from here up" reads as "holds up to here".
  const found = bisect(s, -hi, -lo, v =>
    stranded(simulate(trial(-v))) <= stranded(s.sim) ? true : undefined,
  );
  return found ? -found.value : undefined;
}

function perNode(sim: Simulation): string {
  const t = sim.typicalNode;
  return t ? `new nodes take ${t.addresses.ips} addresses each` : 'no new node is needed';
}

function giveBack(sim: Simulation): string {
  const credit = sim.subnets.reduce((n, x) => n + x.credit, 0);
  return credit > 0 ? `; existing nodes give back ${credit}` : '';
}

function withCni(s: Search, cni: CniSettings): SimulationInput {
  return { ...s.input, cni };
}

function withDesired(s: Search, desired: Workload): SimulationInput {
  return { ...s.input, change: { ...s.input.change, desired } };
}

function cniRemedies(s: Search): Remedy[] {
  const base = s.input.cni ?? s.input.model.cni;
  const out: Remedy[] = [];
  if (base.minimumIpTarget > 1) {
    const trial = (m: number): SimulationInput => withCni(s, { ...base, minimumIpTarget: m });
    const floor = smallestPlacing(s, 1, base.minimumIpTarget - 1, trial);
    const found =
      floor === undefined ? undefined : largest(s, base.minimumIpTarget - 1, floor, trial);
    if (found) {
      out.push({
        kind: 'cni',
        env: { MINIMUM_IP_TARGET: String(found.value) },
        text: `set MINIMUM_IP_TARGET=${found.value} on aws-node (largest that fits): ${perNode(found.sim)}${giveBack(found.sim)}`,
      });
    }
  }
  if (base.warmIpTarget > 0) {
    const floor = base.minimumIpTarget > 0 ? 0 : 1;
    const found = largest(s, base.warmIpTarget - 1, floor, w =>
      withCni(s, { ...base, warmIpTarget: w }),
    );
    if (found) {
      out.push({
        kind: 'cni',
        env: { WARM_IP_TARGET: String(found.value) },
        text: `set WARM_IP_TARGET=${found.value} on aws-node (largest that fits): ${perNode(found.sim)}${giveBack(found.sim)}`,
      });
    }
  }
  if (base.warmIpTarget === 0 && base.minimumIpTarget > 0 && s.sim.unservedPods > 0) {
    // MINIMUM_IP_TARGET alone freezes every pool at its value; any WARM_IP_TARGET lets it grow again.
    const type = s.sim.unserved[0]?.instanceType ?? s.sim.typicalNode?.instanceType;
    const limits = limitsOf(s.input.model, type);
    const found = largest(s, limits ? slotsPerEni(limits) : 16, 1, w =>
      withCni(s, { ...base, warmIpTarget: w }),
    );
    if (found) {
      out.push({
        kind: 'cni',
        env: { WARM_IP_TARGET: String(found.value) },
        text: `set WARM_IP_TARGET=${found.value} on aws-node beside MINIMUM_IP_TARGET=${base.minimumIpTarget} (largest that fits): pools then grow as pods arrive, and the change needs ${found.sim.ipsRequired} addresses of ${found.sim.ipsAvailable} available; ${perNode(found.sim)}${giveBack(found.sim)}`,
      });
    }
  }
  if (base.warmIpTarget === 0 && base.minimumIpTarget === 0 && !base.prefixDelegation) {
    // WARM_ENI_TARGET keeps a whole spare ENI; a warm IP count grows and releases address by address.
    const type = s.sim.typicalNode?.instanceType;
    const limits = limitsOf(s.input.model, type);
    const found = largest(s, limits ? slotsPerEni(limits) : 16, 1, w =>
      withCni(s, { ...base, warmIpTarget: w }),
    );
    if (found) {
      out.push({
        kind: 'cni',
        env: { WARM_IP_TARGET: String(found.value) },
        text: `set WARM_IP_TARGET=${found.value} on aws-node instead of WARM_ENI_TARGET=${base.warmEniTarget}: ${perNode(found.sim)}${giveBack(found.sim)}`,
      });
    }
  }
  if (!base.prefixDelegation && !s.stop()) {
    const pd = { ...base, prefixDelegation: true, warmPrefixTarget: base.warmPrefixTarget || 1 };
    const sim = fits(s, withCni(s, pd));
    if (sim) {
      out.push({
        kind: 'cni',
        env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: String(pd.warmPrefixTarget) },
        text: `enable prefix delegation (ENABLE_PREFIX_DELEGATION=true, WARM_PREFIX_TARGET=${pd.warmPrefixTarget}): ${perNode(sim)}; needs free /28 blocks in the subnets`,
      });
    }
  }
  return out;
}

function previewRemedy(s: Search): Remedy[] {
  const bg = s.sim.peak.blueGreen;
  const { current, desired } = s.input.change;
  const strategy = desired.rolloutStrategy?.blueGreen;
  if (
    !bg ||
    !strategy ||
    s.sim.peak.change !== 'switch' ||
    !current ||
    current.templateKey === desired.templateKey
  )
    return [];
  const found = largest(s, bg.preview - 1, 0, p =>
    withDesired(s, {
      ...desired,
      rolloutStrategy: {
        blueGreen: { ...strategy, previewReplicaCount: p, autoPromotionEnabled: false },
      },
    }),
  );
  if (!found) return [];
  return [
    {
      kind: 'preview',
      text: `set previewReplicaCount: ${found.value} with autoPromotionEnabled: false: the preview fits now; promotion later needs room for ${bg.replicas - found.value} more pods`,
    },
  ];
}

/** The largest ceiling an autoscaler could reach with the addresses there are now. */
function ceilingRemedy(s: Search, ceiling: Ceiling): Remedy[] {
  const { desired } = s.input.change;
  const from = ceiling.fromReplicas;
  const found = largest(s, ceiling.maxReplicas - 1, from + 1, r =>
    withDesired(s, { ...desired, replicas: r }),
  );
  if (!found) {
    return [
      {
        kind: 'step',
        text: `no ${ceiling.field} above the ${from} replicas now fits; free addresses before the target scales`,
      },
    ];
  }
  return [
    {
      kind: 'step',
      text: `set ${ceiling.field}: ${found.value} (the largest that fits now; ${ceiling.maxReplicas} does not)`,
    },
  ];
}

function stepRemedy(s: Search): Remedy[] {
  const { current, desired } = s.input.change;
  if (s.sim.peak.change !== 'scale' && s.sim.peak.change !== 'create') return [];
  // Pods without an address stay so: no later step frees what a frozen pool or a full ENI never gives.
  if (s.sim.unservedPods > 0) return [];
  const from = current ? replicasOf(current) : 0;
  const to = replicasOf(desired);
  if (to <= from + 1) return [];
  const found = largest(s, to - 1, from + 1, r => withDesired(s, { ...desired, replicas: r }));
  if (!found) return [];
  return [
    {
      kind: 'step',
      text: `scale in steps: ${found.value} replicas fit now (+${found.value - from}); add the rest once addresses are freed`,
    },
  ];
}

function surgeRemedy(s: Search): Remedy[] {
  const { desired } = s.input.change;
  const strategy = desired.deploymentStrategy;
  if (s.sim.peak.change !== 'rollout' || !strategy || strategy.type !== 'RollingUpdate') return [];
  const { surge } = resolveFenceposts(
    strategy.maxSurge ?? '25%',
    strategy.maxUnavailable ?? '25%',
    replicasOf(desired),
  );
  if (surge <= 0) return [];
  // With both at 0 the controller still replaces one pod at a time (ResolveFenceposts).
  const found = largest(s, surge - 1, 0, m =>
    withDesired(s, { ...desired, deploymentStrategy: { ...strategy, maxSurge: m } }),
  );
  if (!found) return [];
  return [
    { kind: 'surge', text: `set maxSurge: ${found.value} (now ${surge}): the rollout then fits` },
  ];
}

function freeRemedy(sim: Simulation, model: ClusterModel, config: PolicyConfig): Remedy[] {
  return judge(sim, model, config).short.map(x => ({
    kind: 'free' as const,
    text: `free ${x.shortfall} addresses in ${x.id} (${x.zone}), or add capacity there (a larger CIDR, or a subnet tagged kubernetes.io/role/cni)`,
  }));
}

/** The model with the kubelet's max pods of one node group's nodes lowered to `maxPods`. */
function withGroupMaxPods(model: ClusterModel, group: string, maxPods: number): ClusterModel {
  const nodes = new Map<string, Node>();
  for (const [name, n] of model.nodes) {
    nodes.set(
      name,
      n.nodeGroup === group && n.maxPods > maxPods
        ? {
            ...n,
            maxPods,
            allocatable: { ...n.allocatable, pods: Math.min(n.allocatable.pods, maxPods) },
          }
        : n,
    );
  }
  return { ...model, nodes };
}

/**
 * Where the kubelet's max pods lets the scheduler send a node more pods than its ENIs address, max pods
 * matching the ENI capacity makes the scheduler stop there, and the pods that no longer fit wait Pending
 * for new nodes that the autoscaler does add.
 */
function maxPodsRemedies(s: Search): Remedy[] {
  const out: Remedy[] = [];
  const seen = new Set<string>();
  for (const b of s.sim.unserved) {
    if (b.cause.reason === 'frozen-pool' || b.group === undefined || seen.has(b.group)) continue;
    if (s.stop()) break;
    seen.add(b.group);
    // The +2 of the EKS max-pods figure: aws-node and kube-proxy run on the host network.
    const maxPods = b.cause.podsServed + 2;
    if (maxPods >= b.maxPods) continue;
    const model = withGroupMaxPods(s.input.model, b.group, maxPods);
    const sim = simulate({ ...s.input, model });
    const j = judge(sim, model, s.config);
    const then =
      j.verdict !== 'deny'
        ? `the change then fits: ${perNode(sim)}`
        : sim.unservedPods > 0
          ? `${sim.unservedPods} pods would still get no address`
          : `the pods it moves to new nodes then need ${j.shortfall} more addresses than the subnets have`;
    out.push({
      kind: 'max-pods',
      text: `set the kubelet's maxPods to ${maxPods} on node group ${b.group} (now ${b.maxPods}; what the ENIs of ${b.instanceType ?? 'its nodes'} address): the scheduler stops there and the autoscaler adds nodes for the rest; ${then}`,
    });
  }
  return out;
}

/** Changes that would make a denied change fit, each found by re-running the simulation. */
export function remediesFor(
  input: SimulationInput,
  sim: Simulation,
  config: PolicyConfig,
  stop: StopSearch = () => false,
  ceiling?: Ceiling,
): Remedy[] {
  const s: Search = { input, sim, config, stop };
  return [
    ...(ceiling ? ceilingRemedy(s, ceiling) : []),
    ...cniRemedies(s),
    ...maxPodsRemedies(s),
    ...previewRemedy(s),
    ...(ceiling ? [] : stepRemedy(s)),
    ...surgeRemedy(s),
    ...nodePoolRemedies(input, sim, config, stop).map(r => ({ kind: 'nodepool' as const, ...r })),
    ...freeRemedy(sim, input.model, config),
  ];
}
