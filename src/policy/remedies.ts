import { slotsPerEni } from '../cni/instance-limits.js';
import type { CniSettings } from '../cni/settings.js';
import type { ClusterModel, Workload } from '../cluster/model.js';
import { resolveFenceposts } from '../simulate/int-or-percent.js';
import { replicasOf } from '../simulate/peak.js';
import { simulate, type Simulation, type SimulationInput } from '../simulate/simulate.js';
import type { PolicyConfig } from './config.js';
import { judge } from './verdict.js';

export type RemedyKind = 'cni' | 'preview' | 'step' | 'surge' | 'free';

export interface Remedy {
  readonly kind: RemedyKind;
  /** One line a person can act on, with the numbers behind it. */
  readonly text: string;
  /** For `cni` remedies: the aws-node env to set. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A setting search never needs more simulations than this; each is a full re-run. */
const MAX_TRIALS = 40;

function fits(input: SimulationInput, config: PolicyConfig): Simulation | undefined {
  const sim = simulate(input);
  return judge(sim, input.model, config).verdict === 'deny' ? undefined : sim;
}

/** The largest value in [lo, hi] for which `test` passes, scanning down from hi. */
function largest<T>(
  hi: number,
  lo: number,
  test: (v: number) => T | undefined,
): { value: number; result: T } | undefined {
  for (let v = hi, n = 0; v >= lo && n < MAX_TRIALS; v--, n++) {
    const result = test(v);
    if (result !== undefined) return { value: v, result };
  }
  return undefined;
}

function perNode(sim: Simulation): string {
  const t = sim.typicalNode;
  return t ? `new nodes take ${t.addresses.ips} addresses each` : 'no new node is needed';
}

function giveBack(sim: Simulation): string {
  const credit = sim.subnets.reduce((n, s) => n + s.credit, 0);
  return credit > 0 ? `; existing nodes give back ${credit}` : '';
}

function withCni(input: SimulationInput, cni: CniSettings): SimulationInput {
  return { ...input, cni };
}

function cniRemedies(
  input: SimulationInput,
  sim: Simulation,
  base: CniSettings,
  config: PolicyConfig,
): Remedy[] {
  const out: Remedy[] = [];
  if (base.minimumIpTarget > 1) {
    const found = largest(base.minimumIpTarget - 1, 1, m =>
      fits(withCni(input, { ...base, minimumIpTarget: m }), config),
    );
    if (found) {
      out.push({
        kind: 'cni',
        env: { MINIMUM_IP_TARGET: String(found.value) },
        text: `set MINIMUM_IP_TARGET=${found.value} on aws-node (largest that fits): ${perNode(found.result)}${giveBack(found.result)}`,
      });
    }
  }
  if (base.warmIpTarget > 0) {
    const floor = base.minimumIpTarget > 0 ? 0 : 1;
    const found = largest(base.warmIpTarget - 1, floor, w =>
      fits(withCni(input, { ...base, warmIpTarget: w }), config),
    );
    if (found) {
      out.push({
        kind: 'cni',
        env: { WARM_IP_TARGET: String(found.value) },
        text: `set WARM_IP_TARGET=${found.value} on aws-node (largest that fits): ${perNode(found.result)}${giveBack(found.result)}`,
      });
    }
  }
  if (base.warmIpTarget === 0 && base.minimumIpTarget === 0 && !base.prefixDelegation) {
    // WARM_ENI_TARGET keeps a whole spare ENI; a warm IP count releases and grows address by address.
    const type = sim.typicalNode?.instanceType;
    const limits = type === undefined ? undefined : input.model.instanceTypes.get(type);
    const hi = limits ? slotsPerEni(limits) : 16;
    const found = largest(hi, 1, w => fits(withCni(input, { ...base, warmIpTarget: w }), config));
    if (found) {
      out.push({
        kind: 'cni',
        env: { WARM_IP_TARGET: String(found.value) },
        text: `set WARM_IP_TARGET=${found.value} on aws-node instead of WARM_ENI_TARGET=${base.warmEniTarget}: ${perNode(found.result)}${giveBack(found.result)}`,
      });
    }
  }
  if (!base.prefixDelegation) {
    const pd = { ...base, prefixDelegation: true, warmPrefixTarget: base.warmPrefixTarget || 1 };
    const sim = fits(withCni(input, pd), config);
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

function withDesired(input: SimulationInput, desired: Workload): SimulationInput {
  return { ...input, change: { ...input.change, desired } };
}

function previewRemedy(input: SimulationInput, sim: Simulation, config: PolicyConfig): Remedy[] {
  const bg = sim.peak.blueGreen;
  const strategy = input.change.desired.rolloutStrategy?.blueGreen;
  if (!bg || !strategy || sim.peak.change !== 'switch' || !input.change.current) return [];
  if (input.change.current.templateKey === input.change.desired.templateKey) return [];
  const found = largest(bg.preview - 1, 0, p =>
    fits(
      withDesired(input, {
        ...input.change.desired,
        rolloutStrategy: {
          blueGreen: { ...strategy, previewReplicaCount: p, autoPromotionEnabled: false },
        },
      }),
      config,
    ),
  );
  if (!found) return [];
  return [
    {
      kind: 'preview',
      text: `set previewReplicaCount: ${found.value} with autoPromotionEnabled: false: the preview fits now; promotion later needs room for ${bg.replicas - found.value} more pods`,
    },
  ];
}

function stepRemedy(input: SimulationInput, sim: Simulation, config: PolicyConfig): Remedy[] {
  const { change } = input;
  if (sim.peak.change !== 'scale' && sim.peak.change !== 'create') return [];
  const from = change.current ? replicasOf(change.current) : 0;
  const to = replicasOf(change.desired);
  if (to <= from + 1) return [];
  const found = largest(to - 1, from + 1, r =>
    fits(withDesired(input, { ...change.desired, replicas: r }), config),
  );
  if (!found) return [];
  return [
    {
      kind: 'step',
      text: `scale in steps: ${found.value} replicas fit now (+${found.value - from}); add the rest once addresses are freed`,
    },
  ];
}

function surgeRemedy(input: SimulationInput, sim: Simulation, config: PolicyConfig): Remedy[] {
  const { desired } = input.change;
  const strategy = desired.deploymentStrategy;
  if (sim.peak.change !== 'rollout' || !strategy || strategy.type !== 'RollingUpdate') return [];
  const n = replicasOf(desired);
  const { surge } = resolveFenceposts(
    strategy.maxSurge ?? '25%',
    strategy.maxUnavailable ?? '25%',
    n,
  );
  if (surge <= 0) return [];
  const found = largest(surge - 1, 0, s =>
    fits(
      withDesired(input, {
        ...desired,
        deploymentStrategy: {
          type: 'RollingUpdate',
          maxSurge: s,
          maxUnavailable:
            s === 0
              ? Math.max(1, Number(strategy.maxUnavailable ?? 1) || 1)
              : (strategy.maxUnavailable ?? '25%'),
        },
      }),
      config,
    ),
  );
  if (!found) return [];
  return [
    { kind: 'surge', text: `set maxSurge: ${found.value} (now ${surge}): the rollout then fits` },
  ];
}

function freeRemedy(sim: Simulation, model: ClusterModel, config: PolicyConfig): Remedy[] {
  return judge(sim, model, config).short.map(s => ({
    kind: 'free' as const,
    text: `free ${s.shortfall} addresses in ${s.id} (${s.zone}), or add capacity there (a larger CIDR, or a subnet tagged kubernetes.io/role/cni)`,
  }));
}

/** Changes that would make a denied change fit, each found by re-running the simulation. */
export function remediesFor(
  input: SimulationInput,
  sim: Simulation,
  config: PolicyConfig,
): Remedy[] {
  const base = input.cni ?? input.model.cni;
  return [
    ...cniRemedies(input, sim, base, config),
    ...previewRemedy(input, sim, config),
    ...stepRemedy(input, sim, config),
    ...surgeRemedy(input, sim, config),
    ...freeRemedy(sim, input.model, config),
  ];
}
