import type { ClusterModel, Node } from '../src/cluster/model.js';

/** Median and p99 of one timed loop, in milliseconds. */
export interface Timing {
  readonly medianMs: number;
  readonly p99Ms: number;
}

/** The p-th percentile of ascending samples (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function timingOf(samples: number[]): Timing {
  samples.sort((a, b) => a - b);
  return { medianMs: percentile(samples, 50), p99Ms: percentile(samples, 99) };
}

/**
 * The next state version as the live source publishes one after a pod event: a new model object and a
 * new node map in which one node is a new object (its usage recounted, here to the same sums so every
 * version decides alike). Whatever the core derives per model is built again; only what hangs off
 * unchanged objects (a node, the instance limits, the CNI settings) can carry over, as it does live.
 */
const namesOf = new WeakMap<ClusterModel, readonly string[]>();

export function nextStateVersion(model: ClusterModel, i: number): ClusterModel {
  const nodes = new Map(model.nodes);
  let names = namesOf.get(model);
  if (!names) namesOf.set(model, (names = [...model.nodes.keys()]));
  const name = names[i % names.length];
  const node = name === undefined ? undefined : model.nodes.get(name);
  if (name !== undefined && node)
    nodes.set(name, { ...node, usage: { ...node.usage } } satisfies Node);
  return { ...model, nodes };
}

/**
 * A state version that shares no node object with the last (a relist, or the first version after
 * start): every per-node derivation is built again.
 */
export function freshStateVersion(model: ClusterModel): ClusterModel {
  const nodes = new Map<string, Node>();
  for (const [name, n] of model.nodes) nodes.set(name, { ...n, usage: { ...n.usage } });
  return { ...model, nodes };
}

/**
 * `decideOn` timed once per state version (`nextStateVersion`), after `warmup` untimed runs: what a
 * decision costs when the live source has just published a new model. Returns the last result too.
 */
export function timeOnNewVersions<R>(
  model: ClusterModel,
  warmup: number,
  runs: number,
  decideOn: (version: ClusterModel, i: number) => R,
): { readonly timing: Timing; readonly last: R | undefined } {
  const times: number[] = [];
  let last: R | undefined;
  for (let i = 0; i < warmup + runs; i++) {
    const version = nextStateVersion(model, i);
    const t = performance.now();
    last = decideOn(version, i);
    const ms = performance.now() - t;
    if (i >= warmup) times.push(ms);
  }
  return { timing: timingOf(times), last };
}
