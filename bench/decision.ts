import { workloadKey, type ClusterModel, type Workload } from '../src/cluster/model.js';
import { DEFAULT_POLICY } from '../src/policy/config.js';
import { decide } from '../src/policy/decide.js';
import { AddressBook } from '../src/simulate/address-book.js';
import { resolveChange } from '../src/simulate/resolve.js';

export interface DecisionTiming {
  readonly coldMedianMs: number;
  readonly coldP99Ms: number;
  readonly warmMedianMs: number;
  readonly warmP99Ms: number;
  readonly verdict: string;
  readonly summary: string;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * One in-process decision: the 1,000-replica blue/green switch of `storefront`, timed after warm-up.
 * Cold: a new model object each time, so nothing derived from the state is reused (what the first
 * request after every state change pays). Warm: the same request again on the same state.
 */
export function timeDecision(model: ClusterModel, runs = 500, warmup = 30): DecisionTiming {
  const rollout = model.workloads.get(workloadKey('Rollout', 'team-0', 'storefront'));
  if (!rollout) throw new Error('no storefront Rollout in the model');
  const desired = { ...rollout, templateKey: `${rollout.templateKey}-v2` };
  const book = new AddressBook();
  let last: ReturnType<typeof decide> | undefined;
  const run = (m: ClusterModel): number => {
    const t = performance.now();
    const { change } = resolveChange(
      m,
      { type: 'workload', workload: desired },
      { current: rollout, nowMs: Date.now() },
    );
    last = decide({ model: m, change, config: DEFAULT_POLICY, book });
    return performance.now() - t;
  };
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t = run({ ...model });
    if (i >= warmup) cold.push(t);
  }
  for (let i = 0; i < warmup + runs; i++) {
    const t = run(model);
    if (i >= warmup) warm.push(t);
  }
  cold.sort((a, b) => a - b);
  warm.sort((a, b) => a - b);
  return {
    coldMedianMs: percentile(cold, 50),
    coldP99Ms: percentile(cold, 99),
    warmMedianMs: percentile(warm, 50),
    warmP99Ms: percentile(warm, 99),
    verdict: last?.verdict ?? '?',
    summary: last?.messages.slice(0, 2).join('; ') ?? '',
  };
}

/**
 * A DaemonSet that takes an address on every node, created on the whole cluster: every node's CNI is
 * asked whether it must grow. Cold each time (a new model object), as after a state change.
 */
export function timeDaemonSetDecision(
  model: ClusterModel,
  runs = 50,
  warmup = 5,
): { medianMs: number; p99Ms: number; verdict: string; nodes: number } {
  const desired: Workload = {
    kind: 'DaemonSet',
    namespace: 'observability',
    name: 'bench-agent',
    labels: {},
    annotations: {},
    paused: false,
    templateKey: 'bench-agent-v1',
    pod: {
      requests: { cpuMilli: 10, memoryBytes: 16 * 2 ** 20 },
      network: 'pool',
      nodeSelector: {},
      requiredNodeTerms: [],
      tolerations: [],
      onePerNode: false,
      labels: {},
    },
    daemonSetStrategy: { type: 'RollingUpdate' },
    status: {},
  };
  const times: number[] = [];
  let last: ReturnType<typeof decide> | undefined;
  for (let i = 0; i < warmup + runs; i++) {
    const m = { ...model };
    const t = performance.now();
    const { change } = resolveChange(
      m,
      { type: 'workload', workload: desired },
      { nowMs: Date.now() },
    );
    last = decide({ model: m, change, config: DEFAULT_POLICY, book: new AddressBook() });
    const ms = performance.now() - t;
    if (i >= warmup) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return {
    medianMs: percentile(times, 50),
    p99Ms: percentile(times, 99),
    verdict: last?.verdict ?? '?',
    nodes: model.nodes.size,
  };
}
