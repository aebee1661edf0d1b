import type { CanaryStep, IntOrPercent } from '../../cluster/model.js';
import { resolveFenceposts } from '../int-or-percent.js';

/*
 * The replica arithmetic of Argo Rollouts' canary strategy (argo-rollouts utils/replicaset/canary.go and
 * replicaset.go), restated over plain numbers so a rollout can be walked reconcile by reconcile.
 */

/** Argo's defaults: "25", which its percent helper reads as 25 % (utils/defaults DefaultMaxSurge). */
export const ARGO_DEFAULT_MAX_SURGE = '25';
export const ARGO_DEFAULT_MAX_UNAVAILABLE = '25';

/** MaxSurge and MaxUnavailable of a canary Rollout; any string is a percentage (GetValueFromIntOrPercent). */
export function canaryFenceposts(
  maxSurge: IntOrPercent | undefined,
  maxUnavailable: IntOrPercent | undefined,
  replicas: number,
): { surge: number; unavailable: number } {
  const f = resolveFenceposts(
    maxSurge ?? ARGO_DEFAULT_MAX_SURGE,
    maxUnavailable ?? ARGO_DEFAULT_MAX_UNAVAILABLE,
    replicas,
    true,
  );
  return { surge: f.surge, unavailable: replicas === 0 ? 0 : Math.min(f.unavailable, replicas) };
}

/** A ReplicaSet as the canary arithmetic reads it. */
export interface CanarySet {
  readonly replicas: number;
  readonly available: number;
}

/** GetCurrentSetWeight: the last setWeight at or before the step; past the last step, the full weight. */
export function currentSetWeight(
  steps: readonly CanaryStep[],
  stepIndex: number,
  maxWeight: number,
): number {
  if (steps.length === 0 || stepIndex >= steps.length) return maxWeight;
  for (let i = stepIndex; i >= 0; i--) {
    const w = steps[i]?.setWeight;
    if (w !== undefined) return w;
  }
  return 0;
}

/**
 * UseSetCanaryScale: the last setCanaryScale at or before the step, unless it says matchTrafficWeight. It
 * applies only with traffic routing.
 */
export function currentSetCanaryScale(
  steps: readonly CanaryStep[],
  stepIndex: number,
): CanaryStep['setCanaryScale'] {
  if (stepIndex >= steps.length) return undefined;
  for (let i = stepIndex; i >= 0; i--) {
    const scale = steps[i]?.setCanaryScale;
    if (scale === undefined) continue;
    return scale.matchTrafficWeight === true ? undefined : scale;
  }
  return undefined;
}

export interface CanaryPosition {
  readonly steps: readonly CanaryStep[];
  readonly stepIndex: number;
  readonly maxWeight: number;
  readonly trafficRouting: boolean;
  /** status.promoteFull, or no distinct stable set (stableRS empty or equal to currentPodHash). */
  readonly fullWeight: boolean;
  readonly abort: boolean;
  /** abortScaleDownDelaySeconds: 0, which keeps the canary (and its setCanaryScale) on abort. */
  readonly abortKeepsCanary: boolean;
}

/**
 * GetCanaryReplicasOrWeight (without dynamic-stable-scale aborts): setCanaryScale.replicas when in force, else
 * the weight the canary is sized for.
 */
export function canaryReplicasOrWeight(p: CanaryPosition): { replicas?: number; weight: number } {
  if (p.fullWeight) return { weight: p.maxWeight };
  const scale =
    p.trafficRouting && !(p.abort && !p.abortKeepsCanary)
      ? currentSetCanaryScale(p.steps, p.stepIndex)
      : undefined;
  if (scale?.replicas !== undefined) return { replicas: scale.replicas, weight: 0 };
  if (scale?.weight !== undefined) return { weight: scale.weight };
  return { weight: p.abort ? 0 : currentSetWeight(p.steps, p.stepIndex, p.maxWeight) };
}

/** floorCeilingTied: replicas × weight lands exactly halfway between two counts. */
function floorCeilingTied(weight: number, maxWeight: number, total: number): boolean {
  const x = total * (weight / maxWeight);
  return x - Math.trunc(x) === 0.5;
}

function weightDelta(weight: number, maxWeight: number, canary: number, total: number): number {
  return Math.abs((canary * maxWeight) / total - weight);
}

/**
 * approximateWeightedCanaryStableReplicaCounts: the canary and stable counts closest to the weight, summing
 * to the replicas or, when maxSurge allows, one more. Between 0 and the full weight neither side is 0 once
 * two pods can run.
 */
export function approximateWeightedCounts(
  replicas: number,
  weight: number,
  maxWeight: number,
  maxSurge: number,
): { canary: number; stable: number } {
  if (replicas === 0) return { canary: 0, stable: 0 };
  const ceil = Math.ceil((replicas * weight) / maxWeight);
  const floor = Math.floor((replicas * weight) / maxWeight);
  const tied = floorCeilingTied(weight, maxWeight, replicas);
  const zeroAllowed = weight === maxWeight || weight === 0 || (replicas === 1 && maxSurge === 0);
  const options: { canary: number; total: number }[] = [];
  if (ceil < replicas || zeroAllowed) options.push({ canary: ceil, total: replicas });
  if (!tied && (floor !== 0 || zeroAllowed)) options.push({ canary: floor, total: replicas });
  if (maxSurge > 0) {
    options.push({ canary: ceil, total: replicas + 1 });
    const surgeTied = floorCeilingTied(weight, maxWeight, replicas + 1);
    if (!surgeTied && (floor !== 0 || zeroAllowed))
      options.push({ canary: floor, total: replicas + 1 });
  }
  const first = options[0];
  if (first === undefined) return { canary: 0, stable: replicas };
  let best = first;
  let bestDelta = weightDelta(weight, maxWeight, best.canary, best.total);
  for (const option of options.slice(1)) {
    const delta = weightDelta(weight, maxWeight, option.canary, option.total);
    if (delta < bestDelta) {
      best = option;
      bestDelta = delta;
    }
  }
  return { canary: best.canary, stable: best.total - best.canary };
}

/** GetReplicasForScaleDown: the pods a set can give up without counting pods that are not available. */
export function replicasForScaleDown(
  rs: CanarySet | undefined,
  ignoreAvailability: boolean,
): number {
  if (rs === undefined) return 0;
  if (rs.replicas < rs.available) return rs.replicas;
  return ignoreAvailability ? rs.replicas : rs.available;
}

function scaleDownCount(
  drain: CanarySet | undefined,
  desired: number,
  count: number,
  current: number,
): number {
  return drain !== undefined && drain.replicas > desired
    ? Math.max(desired, drain.replicas - count)
    : current;
}

/** adjustReplicaWithinLimits: keep the pair within maxSurge without going below minAvailable. */
function adjustWithinLimits(
  drain: CanarySet | undefined,
  adjust: CanarySet | undefined,
  drainCount: number,
  adjustCount: number,
  maxAllowed: number,
  minAvailable: number,
): [number, number] {
  let over = Math.max(0, adjustCount + drainCount - maxAllowed);
  let available = drain ? Math.min(drain.available, drainCount) : 0;
  if (adjust !== undefined) {
    adjustCount -= over;
    available += Math.min(adjust.available, adjustCount);
    const extraAvailable = Math.max(0, adjust.available - adjustCount);
    const stillNeeded = Math.max(0, minAvailable - available);
    adjustCount += Math.min(extraAvailable, stillNeeded);
    over = Math.max(0, adjustCount + drainCount - maxAllowed);
    drainCount -= over;
  }
  return [drainCount, adjustCount];
}

export interface BasicCanaryInput {
  readonly replicas: number;
  /** GetCanaryReplicasOrWeight: the step's weight, or the full weight when promoting or without a stable. */
  readonly weight: number;
  readonly maxWeight: number;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly canary?: CanarySet;
  /** Undefined when there is no stable set, or it is the canary set itself (CheckStableRSExists). */
  readonly stable?: CanarySet;
  /** spec.replicas of every other set of the Rollout. */
  readonly otherReplicas: number;
}

/**
 * CalculateReplicaCountsForBasicCanary: where the canary and stable sets go next. Up to replicas + maxSurge
 * in all, the stable first; down only as far as maxUnavailable allows, and only once no other set has pods.
 */
export function basicCanaryCounts(input: BasicCanaryInput): { canary: number; stable: number } {
  const { replicas, canary, stable } = input;
  let desired = approximateWeightedCounts(replicas, input.weight, input.maxWeight, input.maxSurge);
  let canaryCount = canary?.replicas ?? 0;
  let stableCount = 0;
  if (stable !== undefined) stableCount = stable.replicas;
  // Without a distinct stable set the steps do not apply: straight to full weight.
  else desired = { canary: replicas, stable: 0 };
  const maxAllowed = replicas + input.maxSurge;
  const all = input.otherReplicas + (canary?.replicas ?? 0) + (stable?.replicas ?? 0);
  let scaleUp = maxAllowed - all;
  if (stable !== undefined && stable.replicas < desired.stable && scaleUp > 0) {
    if (stable.replicas + scaleUp < desired.stable) {
      stableCount = stable.replicas + scaleUp;
      scaleUp = 0;
    } else {
      stableCount = desired.stable;
      scaleUp -= desired.stable - stable.replicas;
    }
  }
  if (canary !== undefined && canary.replicas < desired.canary && scaleUp > 0) {
    canaryCount = Math.min(canary.replicas + scaleUp, desired.canary);
  }
  if (input.otherReplicas > 0) return { canary: canaryCount, stable: stableCount };
  const minAvailable = replicas - input.maxUnavailable;
  const increasing = canary === undefined || desired.canary >= canary.replicas;
  const toScaleDown =
    replicasForScaleDown(canary, !increasing) + replicasForScaleDown(stable, increasing);
  if (toScaleDown <= minAvailable) return { canary: canaryCount, stable: stableCount };
  const count = toScaleDown - minAvailable;
  if (!increasing) {
    canaryCount = scaleDownCount(canary, desired.canary, count, canaryCount);
    [canaryCount, stableCount] = adjustWithinLimits(
      canary,
      stable,
      canaryCount,
      stableCount,
      maxAllowed,
      minAvailable,
    );
  } else if (stable !== undefined) {
    stableCount = scaleDownCount(stable, desired.stable, count, stableCount);
    [stableCount, canaryCount] = adjustWithinLimits(
      stable,
      canary,
      stableCount,
      canaryCount,
      maxAllowed,
      minAvailable,
    );
  }
  return { canary: canaryCount, stable: stableCount };
}

/** trafficWeightToReplicas: the replicas for a weight, rounded up. */
export function trafficWeightToReplicas(
  replicas: number,
  weight: number,
  maxWeight: number,
): number {
  return Math.ceil((weight * replicas) / maxWeight);
}

/** CheckMinPodsPerReplicaSet: a set that runs at all runs at least minPodsPerReplicaSet, capped at the replicas. */
function withMinPods(count: number, replicas: number, minPods: number | undefined): number {
  if (count === 0 || minPods === undefined) return count;
  return Math.max(count, Math.min(minPods, replicas));
}

export interface TrafficCanaryInput {
  readonly replicas: number;
  readonly weight: number;
  readonly maxWeight: number;
  /** setCanaryScale.replicas in force at this step. */
  readonly canaryReplicas?: number;
  readonly dynamicStableScale: boolean;
  readonly minPodsPerReplicaSet?: number;
  /** The traffic weights in force now (status.canary.weights), if known. */
  readonly weights?: { readonly canary: number; readonly stable: number };
}

/**
 * CalculateReplicaCountsForTrafficRoutedCanary (without abort): the canary from setCanaryScale or the weight;
 * the stable stays full unless dynamicStableScale, then it follows the higher of the desired and the actual
 * stable weight.
 */
export function trafficRoutedCanaryCounts(input: TrafficCanaryInput): {
  canary: number;
  stable: number;
} {
  const { replicas, maxWeight } = input;
  const canary =
    input.canaryReplicas ??
    withMinPods(
      trafficWeightToReplicas(replicas, input.weight, maxWeight),
      replicas,
      input.minPodsPerReplicaSet,
    );
  if (!input.dynamicStableScale) return { canary, stable: replicas };
  let stable = trafficWeightToReplicas(replicas, maxWeight - input.weight, maxWeight);
  if (input.weights)
    stable = Math.max(stable, trafficWeightToReplicas(replicas, input.weights.stable, maxWeight));
  return {
    canary: withMinPods(canary, replicas, input.minPodsPerReplicaSet),
    stable: withMinPods(stable, replicas, input.minPodsPerReplicaSet),
  };
}

export interface BasicCanaryWalkInput {
  readonly replicas: number;
  readonly steps: readonly CanaryStep[];
  readonly maxWeight: number;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  /** The stable set's replicas; undefined when the Rollout has none. */
  readonly stable?: number;
  /** The canary set's replicas now (0 when the template is new). */
  readonly canary: number;
  /** Replicas of every other set still running (an interrupted canary). */
  readonly others: readonly number[];
  /** The step the walk starts at (0 after a template change). */
  readonly startStep: number;
}

/**
 * Reconciles walked at most (a few milliseconds). Rollouts with percentages end in tens of reconciles; one
 * that moves a pod at a time through many thousands does not finish, and says so.
 */
const MAX_RECONCILES = 2_000;

/**
 * A basic canary, reconcile by reconcile in rollout/canary.go's order: the stable set first, then the canary
 * (NewRSNewReplicas), then the other sets (scaleDownOldReplicaSetsForCanary); one scale per reconcile. Pods
 * are available as soon as they exist and every pause ends, so a step is done as soon as nothing scales:
 * waiting delays steps, it never adds pods, because every scale-up is bounded by replicas + maxSurge and by
 * the step's counts. Returns the pods after each scale, starting with the pods before the first, and whether
 * the walk reached the end of the steps within its bound.
 */
export function basicCanaryWalk(input: BasicCanaryWalkInput): {
  pods: number[];
  complete: boolean;
} {
  const { replicas, steps, maxWeight, maxSurge, maxUnavailable } = input;
  const ready = (n: number): CanarySet => ({ replicas: n, available: n });
  let stable = input.stable === undefined ? undefined : ready(input.stable);
  let canary = ready(input.canary);
  let others = [...input.others];
  const total = (): number =>
    (stable?.replicas ?? 0) + canary.replicas + others.reduce((a, b) => a + b, 0);
  const pods = [total()];
  let step = input.startStep;
  for (let i = 0; i < MAX_RECONCILES; i++) {
    // Without a stable set the controller heads straight for the full weight (GetCanaryReplicasOrWeight).
    const weight = stable === undefined ? maxWeight : currentSetWeight(steps, step, maxWeight);
    const next = basicCanaryCounts({
      replicas,
      weight,
      maxWeight,
      maxSurge,
      maxUnavailable,
      canary,
      ...(stable && { stable }),
      otherReplicas: others.reduce((a, b) => a + b, 0),
    });
    if (stable !== undefined && next.stable !== stable.replicas) {
      stable = ready(next.stable);
      pods.push(total());
      continue;
    }
    if (next.canary !== canary.replicas) {
      canary = ready(next.canary);
      pods.push(total());
      continue;
    }
    if (others.some(n => n > 0)) {
      let maxScaleDown = total() - (replicas - maxUnavailable);
      if (maxScaleDown > 0) {
        others = others.map(n => {
          if (maxScaleDown <= 0 || n === 0) return n;
          const keep = n > maxScaleDown ? n - maxScaleDown : 0;
          maxScaleDown -= n - keep;
          return keep;
        });
        pods.push(total());
        continue;
      }
    }
    if (step >= steps.length) return { pods, complete: true };
    step++;
  }
  return { pods, complete: false };
}
