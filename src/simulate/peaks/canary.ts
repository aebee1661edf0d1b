import type { RolloutStrategy, Workload } from '../../cluster/model.js';
import type { Peak, WorkloadChange } from './change.js';
import {
  basicCanaryWalk,
  canaryFenceposts,
  canaryReplicasOrWeight,
  currentSetWeight,
  trafficRoutedCanaryCounts,
} from './argo-canary.js';
import { currentPodsOf, noChange, peakBase, replicasOf, rsPods, templateChanged } from './pods.js';
import { rolloutSets } from './rollout-sets.js';

type Canary = NonNullable<RolloutStrategy['canary']>;

/**
 * Peak pods of a change to a Rollout that exists and is not blue/green (semantics notes §3.4). A Rollout
 * without a strategy is judged by its replicas alone.
 */
export function canaryPeak(change: WorkloadChange, canary: Canary | undefined): Peak {
  const base = peakBase(change);
  const current = change.current as Workload;
  const c = currentPodsOf(change);
  const n0 = replicasOf(current);
  const n1 = replicasOf(change.desired);
  if (templateChanged(change) && canary) {
    const { peak, reason, podsOverTime } = canaryStepsPeak(change, canary, n1, true);
    return {
      ...base,
      change: 'rollout',
      currentPods: c,
      peakPods: Math.max(c, peak),
      reason,
      ...(podsOverTime && { podsOverTime }),
    };
  }
  if (n1 !== n0) {
    // Scaled while a canary runs: the steps go on from where the rollout is, at the new size.
    const inProgress =
      canary !== undefined &&
      current.status.currentPodHash !== undefined &&
      current.status.currentPodHash !== current.status.stableRS;
    const peak = inProgress ? canaryStepsPeak(change, canary, n1, false).peak : n1;
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

/**
 * Pods of a canary Rollout of `n1` replicas at its worst moment. `restart`: a new template, so a new canary
 * set starts at step 0 and the running canary (if any) becomes an old set; otherwise the running canary goes
 * on from status.currentStepIndex.
 */
function canaryStepsPeak(
  change: WorkloadChange,
  canary: Canary,
  n1: number,
  restart: boolean,
): { peak: number; reason: string; podsOverTime?: readonly number[] } {
  const sets = rolloutSets(change);
  const canaryPods = sets.preview ? sets.preview.specReplicas : 0;
  const listed = sets.others.map(rs => rsPods(rs));
  // Pods no listed set accounts for: the stable set's when status names one, else old pods to scale down.
  const unattributed = sets.stable
    ? 0
    : Math.max(0, currentPodsOf(change) - canaryPods - listed.reduce((a, b) => a + b, 0));
  const namesStable = change.current?.status.stableRS !== undefined;
  const stablePods = sets.stable
    ? sets.stable.specReplicas
    : namesStable
      ? unattributed
      : undefined;
  const otherPods = namesStable || unattributed === 0 ? listed : [...listed, unattributed];
  const startStep = restart ? 0 : (change.current?.status.currentStepIndex ?? 0);
  if (canary.trafficRouting)
    return trafficPeak(
      canary,
      n1,
      startStep,
      stablePods ?? 0,
      restart ? [...otherPods, canaryPods] : otherPods,
    );
  const { surge, unavailable } = canaryFenceposts(canary.maxSurge, canary.maxUnavailable, n1);
  const walk = basicCanaryWalk({
    replicas: n1,
    steps: canary.steps,
    maxWeight: canary.maxTrafficWeight,
    maxSurge: surge,
    maxUnavailable: unavailable,
    ...(stablePods !== undefined && { stable: stablePods }),
    canary: restart ? 0 : canaryPods,
    others: restart ? [...otherPods, canaryPods].filter(n => n > 0) : otherPods,
    startStep,
  });
  // A walk cut short by its bound may not have seen the worst step: fall back to Argo's own ceiling.
  const peak = walk.complete ? Math.max(...walk.pods) : n1 + surge;
  return {
    peak,
    ...(walk.complete && { podsOverTime: walk.pods }),
    reason:
      peak >= n1 + surge
        ? `canary: ${n1} replicas + maxSurge ${surge}`
        : `canary: at most ${peak} pods across the steps (maxSurge ${surge}, maxUnavailable ${unavailable}; the stable set shrinks before the canary grows)`,
  };
}

/** The canary's size at each step from `startStep` on, by CalculateReplicaCountsForTrafficRoutedCanary. */
function trafficCanarySizes(canary: Canary, n1: number, startStep: number): number[] {
  const max = canary.maxTrafficWeight;
  const sizes: number[] = [];
  for (let i = startStep; i < canary.steps.length; i++) {
    const { replicas, weight } = canaryReplicasOrWeight({
      steps: canary.steps,
      stepIndex: i,
      maxWeight: max,
      trafficRouting: true,
      fullWeight: false,
      abort: false,
      abortKeepsCanary: false,
    });
    sizes.push(
      trafficRoutedCanaryCounts({
        replicas: n1,
        weight,
        maxWeight: max,
        ...(replicas !== undefined && { canaryReplicas: replicas }),
        dynamicStableScale: false,
        ...(canary.minPodsPerReplicaSet !== undefined && {
          minPodsPerReplicaSet: canary.minPodsPerReplicaSet,
        }),
      }).canary,
    );
  }
  return sizes;
}

function trafficPeak(
  canary: Canary,
  n1: number,
  startStep: number,
  stablePods: number,
  otherPods: readonly number[],
): { peak: number; reason: string } {
  const max = canary.maxTrafficWeight;
  const minPods =
    canary.minPodsPerReplicaSet === undefined
      ? {}
      : { minPodsPerReplicaSet: canary.minPodsPerReplicaSet };
  const others = otherPods.reduce((a, b) => a + b, 0);
  if (canary.dynamicStableScale) {
    // Stable shrinks as traffic moves, and traffic moves only once the canary is at its count
    // (rollout/trafficrouting.go keeps the previous setWeight until AtDesiredReplicaCountsForCanary): each
    // step's canary beside the stable size the step before still needs.
    const weights = [
      startStep === 0 ? 0 : currentSetWeight(canary.steps, startStep - 1, max),
      ...canary.steps
        .slice(startStep)
        .flatMap(s => (s.setWeight === undefined ? [] : [s.setWeight])),
      max,
    ];
    let peak = 0;
    for (let i = 1; i < weights.length; i++) {
      const prev = weights[i - 1] ?? 0;
      const { canary: size, stable } = trafficRoutedCanaryCounts({
        replicas: n1,
        weight: weights[i] ?? max,
        maxWeight: max,
        dynamicStableScale: true,
        weights: { canary: prev, stable: max - prev },
        ...minPods,
      });
      peak = Math.max(peak, size + stable + (i === 1 ? others : 0));
    }
    return { peak, reason: 'canary with dynamic stable scale' };
  }
  // The stable set stays full; at full promotion the canary is full size beside it (scaleDownDelaySeconds).
  const sizes = trafficCanarySizes(canary, n1, startStep);
  const largest = Math.max(n1, ...sizes);
  const first = sizes[0] ?? n1;
  const peak = Math.max(n1 + largest, Math.max(stablePods, n1) + others + first);
  return {
    peak,
    reason: `canary with traffic routing: ${n1} stable + ${largest} canary`,
  };
}
