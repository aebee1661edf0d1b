import type { RolloutStrategy, Workload } from '../../cluster/model.js';
import { DEFAULT_MAX_SURGE } from '../../cluster/objects/workload.js';
import { scaledValue } from '../int-or-percent.js';
import type { Peak, WorkloadChange } from './change.js';
import { currentPodsOf, noChange, peakBase, replicasOf, templateChanged } from './pods.js';

type Canary = NonNullable<RolloutStrategy['canary']>;

/**
 * Peak pods of a change to a Rollout that exists and is not blue/green (semantics notes §3.4). A
 * Rollout without a strategy is judged by its replicas alone.
 */
export function canaryPeak(change: WorkloadChange, canary: Canary | undefined): Peak {
  const base = peakBase(change);
  const current = change.current as Workload;
  const c = currentPodsOf(change);
  const n0 = replicasOf(current);
  const n1 = replicasOf(change.desired);
  if (templateChanged(change) && canary) {
    const { peak, reason } = canaryStepsPeak(canary, n1);
    return { ...base, change: 'rollout', currentPods: c, peakPods: Math.max(c, peak), reason };
  }
  if (n1 !== n0) {
    // Scaled while a canary runs: the canary keeps its share of the new size beside the stable set.
    const inProgress =
      canary !== undefined &&
      current.status.currentPodHash !== undefined &&
      current.status.currentPodHash !== current.status.stableRS;
    const peak = inProgress ? canaryStepsPeak(canary, n1).peak : n1;
    return {
      ...base,
      change: 'scale',
      currentPods: c,
      peakPods: Math.max(c, peak),
      reason: inProgress ? `scale ${n0} -> ${n1} during a canary` : `scale ${n0} -> ${n1}`,
    };
  }
  return noChange(base, c);
}

/** Pods of a canary Rollout of `n1` replicas at the worst step. */
function canaryStepsPeak(canary: Canary, n1: number): { peak: number; reason: string } {
  const max = canary.maxTrafficWeight;
  if (canary.trafficRouting && canary.dynamicStableScale) {
    // Stable shrinks as traffic moves: the peak is the new canary size beside the stable size of the step before.
    const weights = [
      0,
      ...canary.steps.flatMap(s => (s.setWeight === undefined ? [] : [s.setWeight])),
      max,
    ];
    let peak = 0;
    for (let i = 1; i < weights.length; i++) {
      const prev = weights[i - 1] ?? 0;
      const next = weights[i] ?? max;
      peak = Math.max(peak, Math.ceil((n1 * next) / max) + Math.ceil((n1 * (max - prev)) / max));
    }
    return { peak, reason: 'canary with dynamic stable scale' };
  }
  if (canary.trafficRouting) {
    let weight = 0;
    let largest = n1; // at full promotion the canary is full size beside the stable set
    for (const step of canary.steps) {
      if (step.setWeight !== undefined) weight = step.setWeight;
      const scale = step.setCanaryScale;
      const size =
        scale?.replicas ??
        (scale?.weight !== undefined
          ? Math.ceil((n1 * scale.weight) / max)
          : Math.ceil((n1 * weight) / max));
      largest = Math.max(largest, size);
    }
    return {
      peak: n1 + largest,
      reason: `canary with traffic routing: ${n1} stable + ${largest} canary`,
    };
  }
  const surge = scaledValue(canary.maxSurge ?? DEFAULT_MAX_SURGE, n1, true, true);
  return { peak: n1 + surge, reason: `canary: ${n1} replicas + maxSurge ${surge}` };
}
