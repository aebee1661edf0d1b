import {
  workloadKey,
  type ClusterModel,
  type ReplicaSet,
  type Workload,
} from '../src/cluster/model.js';
import { DEFAULT_POLICY } from '../src/policy/config.js';
import { decide } from '../src/policy/decide.js';
import { AddressBook } from '../src/simulate/address-book.js';
import { resolveChange } from '../src/simulate/resolve.js';
import { nextStateVersion, timeOnNewVersions, timingOf, type Timing } from './timing.js';

export interface DecisionTiming {
  /** Each run on a new state version (timing.ts nextStateVersion). */
  readonly cold: Timing;
  /** The same request again on the same version: the memoized placement. */
  readonly warm: Timing;
  readonly verdict: string;
  readonly summary: string;
}

function storefront(model: ClusterModel): Workload {
  const rollout = model.workloads.get(workloadKey('Rollout', 'team-0', 'storefront'));
  if (!rollout) throw new Error('no storefront Rollout in the model');
  return rollout;
}

/**
 * The large cluster with `storefront` run by a Deployment instead of the Rollout: the same 1,000 pods
 * on the same nodes, one ReplicaSet, and a rolling update that surges 100% with none unavailable (the
 * blue/green switch of the story).
 */
export function withStorefrontDeployment(model: ClusterModel): {
  model: ClusterModel;
  current: Workload;
} {
  const rollout = storefront(model);
  const { rolloutStrategy, ...common } = rollout;
  if (!rolloutStrategy?.blueGreen) throw new Error('storefront is no blue/green Rollout');
  const current: Workload = {
    ...common,
    kind: 'Deployment',
    deploymentStrategy: { type: 'RollingUpdate', maxSurge: '100%', maxUnavailable: 0 },
    status: { replicas: rollout.status.replicas ?? 0 },
  };
  const rolloutKey = workloadKey('Rollout', rollout.namespace, rollout.name);
  const key = workloadKey('Deployment', rollout.namespace, rollout.name);
  const workloads = new Map(model.workloads);
  workloads.delete(rolloutKey);
  workloads.set(key, current);
  const workloadNodes = new Map(model.workloadNodes);
  const hosting = model.workloadNodes.get(rolloutKey);
  if (hosting) workloadNodes.set(key, hosting);
  workloadNodes.delete(rolloutKey);
  const replicaSets: ReplicaSet[] = model.replicaSets.map(rs =>
    rs.namespace === rollout.namespace &&
    rs.ownerKind === 'Rollout' &&
    rs.ownerName === rollout.name
      ? { ...rs, ownerKind: 'Deployment' }
      : rs,
  );
  return { model: { ...model, workloads, workloadNodes, replicaSets }, current };
}

/**
 * One in-process decision: the 1,000-replica blue/green switch of `storefront` (its template changes),
 * as a Rollout or, with `withStorefrontDeployment`, a Deployment. Cold: each run on a new state
 * version, so nothing derived per model is reused (what the first request after every state change
 * pays). Warm: the same request again on the same version.
 */
export function timeSwitch(
  model: ClusterModel,
  current: Workload = storefront(model),
  runs = 500,
  warmup = 30,
): DecisionTiming {
  const desired = { ...current, templateKey: `${current.templateKey}-v2` };
  const book = new AddressBook();
  let last: ReturnType<typeof decide> | undefined;
  const run = (m: ClusterModel): number => {
    const t = performance.now();
    const { change } = resolveChange(
      m,
      { type: 'workload', workload: desired },
      { current, nowMs: Date.now() },
    );
    last = decide({ model: m, change, config: DEFAULT_POLICY, book });
    return performance.now() - t;
  };
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const version = nextStateVersion(model, i);
    const t = run(version);
    if (i >= warmup) cold.push(t);
  }
  for (let i = 0; i < warmup + runs; i++) {
    const t = run(model);
    if (i >= warmup) warm.push(t);
  }
  return {
    cold: timingOf(cold),
    warm: timingOf(warm),
    verdict: last?.verdict ?? '?',
    summary: last?.messages.slice(0, 2).join('; ') ?? '',
  };
}

/**
 * A DaemonSet that takes an address on every node, created on the whole cluster: every node's CNI is
 * asked whether it must grow. Each run on a new state version with a new address book.
 */
export function timeDaemonSetDecision(
  model: ClusterModel,
  runs = 50,
  warmup = 5,
): Timing & { verdict: string; nodes: number } {
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
  const { timing, last } = timeOnNewVersions(model, warmup, runs, m => {
    const { change } = resolveChange(
      m,
      { type: 'workload', workload: desired },
      { nowMs: Date.now() },
    );
    return decide({ model: m, change, config: DEFAULT_POLICY, book: new AddressBook() });
  });
  return {
    ...timing,
    verdict: last?.verdict ?? '?',
    nodes: model.nodes.size,
  };
}
