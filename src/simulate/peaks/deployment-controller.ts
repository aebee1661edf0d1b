import type { DeploymentStrategy } from '../../cluster/model.js';
import { DEFAULT_MAX_SURGE, DEFAULT_MAX_UNAVAILABLE } from '../../cluster/objects/workload.js';
import { resolveFenceposts } from '../int-or-percent.js';

/*
 * The arithmetic of the Kubernetes deployment controller (pkg/controller/deployment: util/deployment_util.go,
 * sync.go `scale`, rolling.go), restated over plain numbers so a change can be walked sync by sync. Only
 * spec.replicas counts here, as it does in the controller; pods still terminating are not counted.
 */

/** What the controller reads of a Deployment. */
export interface DeploymentView {
  readonly replicas: number;
  readonly strategy: DeploymentStrategy;
  /** status.replicas: the fallback when a set has no max-replicas annotation. */
  readonly statusReplicas: number;
}

/** What the controller reads of one ReplicaSet. */
export interface SetView {
  readonly name: string;
  readonly replicas: number;
  readonly availableReplicas: number;
  /** creationTimestamp in epoch ms; sets created at the same time are ordered by name. */
  readonly createdMs: number;
  /** deployment.kubernetes.io/desired-replicas */
  readonly desiredReplicas?: number;
  /** deployment.kubernetes.io/max-replicas */
  readonly maxReplicas?: number;
}

function isRolling(d: DeploymentView): boolean {
  return d.strategy.type === 'RollingUpdate';
}

function fenceposts(d: DeploymentView): { surge: number; unavailable: number } {
  return resolveFenceposts(
    d.strategy.maxSurge ?? DEFAULT_MAX_SURGE,
    d.strategy.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
    d.replicas,
  );
}

/** MaxSurge: 0 unless RollingUpdate. */
export function maxSurge(d: DeploymentView): number {
  return isRolling(d) ? fenceposts(d).surge : 0;
}

/** MaxUnavailable: 0 unless RollingUpdate with replicas, and never more than the replicas. */
export function maxUnavailable(d: DeploymentView): number {
  if (!isRolling(d) || d.replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, d.replicas);
}

/** MinAvailable: the replicas less MaxUnavailable; 0 unless RollingUpdate. */
export function minAvailable(d: DeploymentView): number {
  return isRolling(d) ? d.replicas - maxUnavailable(d) : 0;
}

const sum = (sets: readonly SetView[]): number => sets.reduce((n, rs) => n + rs.replicas, 0);
const sumAvailable = (sets: readonly SetView[]): number =>
  sets.reduce((n, rs) => n + rs.availableReplicas, 0);

/**
 * NewRSNewReplicas: the size the new set may grow to now. RollingUpdate: all sets together never above
 * replicas + maxSurge, and the new set never above the replicas. Recreate: the replicas at once.
 */
export function newRSNewReplicas(
  d: DeploymentView,
  allSetsReplicas: number,
  newSetReplicas: number,
): number {
  if (!isRolling(d)) return d.replicas;
  const maxTotal = d.replicas + maxSurge(d);
  if (allSetsReplicas >= maxTotal) return newSetReplicas;
  const scaleUp = Math.min(maxTotal - allSetsReplicas, d.replicas - newSetReplicas);
  return newSetReplicas + scaleUp;
}

/** rolling.go reconcileNewReplicaSet: the new set's next size, or undefined when it stays. */
export function reconcileNewReplicaSet(
  d: DeploymentView,
  allSetsReplicas: number,
  newSetReplicas: number,
): number | undefined {
  if (newSetReplicas === d.replicas) return undefined;
  if (newSetReplicas > d.replicas) return d.replicas;
  const next = newRSNewReplicas(d, allSetsReplicas, newSetReplicas);
  return next === newSetReplicas ? undefined : next;
}

/** controller.ReplicaSetsByCreationTimestamp: older first, then by name. */
function olderFirst(a: SetView, b: SetView): number {
  if (a.createdMs !== b.createdMs) return a.createdMs - b.createdMs;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** rolling.go cleanupUnhealthyReplicas: scale unavailable pods of old sets away first. */
export function cleanupUnhealthyReplicas(
  oldSets: readonly SetView[],
  maxCleanupCount: number,
): { sets: SetView[]; cleanedUp: number } {
  const sets = [...oldSets].sort(olderFirst);
  let total = 0;
  for (let i = 0; i < sets.length; i++) {
    const rs = sets[i] as SetView;
    if (total >= maxCleanupCount) break;
    if (rs.replicas === 0 || rs.replicas === rs.availableReplicas) continue;
    const down = Math.min(maxCleanupCount - total, rs.replicas - rs.availableReplicas);
    sets[i] = { ...rs, replicas: rs.replicas - down };
    total += down;
  }
  return { sets, cleanedUp: total };
}

/** rolling.go scaleDownOldReplicaSetsForRollingUpdate: old sets down while minAvailable holds. */
export function scaleDownOldReplicaSetsForRollingUpdate(
  d: DeploymentView,
  allSets: readonly SetView[],
  oldSets: readonly SetView[],
): { sets: SetView[]; scaledDown: number } {
  const sets = [...oldSets].sort(olderFirst);
  const available = sumAvailable(allSets);
  const floor = d.replicas - maxUnavailable(d);
  if (available <= floor) return { sets, scaledDown: 0 };
  const target = available - floor;
  let total = 0;
  for (let i = 0; i < sets.length; i++) {
    const rs = sets[i] as SetView;
    if (total >= target) break;
    if (rs.replicas === 0) continue;
    const down = Math.min(rs.replicas, target - total);
    sets[i] = { ...rs, replicas: rs.replicas - down };
    total += down;
  }
  return { sets, scaledDown: total };
}

/** rolling.go reconcileOldReplicaSets: old sets after one scale-down, or undefined when none is possible. */
export function reconcileOldReplicaSets(
  d: DeploymentView,
  oldSets: readonly SetView[],
  newSet: SetView,
): SetView[] | undefined {
  if (sum(oldSets) === 0) return undefined;
  const allPods = sum(oldSets) + newSet.replicas;
  const newUnavailable = newSet.replicas - newSet.availableReplicas;
  const maxScaledDown = allPods - (d.replicas - maxUnavailable(d)) - newUnavailable;
  if (maxScaledDown <= 0) return undefined;
  const cleaned = cleanupUnhealthyReplicas(oldSets, maxScaledDown);
  const scaled = scaleDownOldReplicaSetsForRollingUpdate(
    d,
    [...cleaned.sets, newSet],
    cleaned.sets,
  );
  return cleaned.cleanedUp + scaled.scaledDown > 0 ? scaled.sets : undefined;
}

/** integer.RoundToInt32: halves round away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/**
 * getReplicaSetFraction: how much a set grows or shrinks when the Deployment is resized, by its share of the
 * max-replicas it was sized for. Without that annotation (or with 0) status.replicas stands in; with neither
 * the set does not move.
 */
export function replicaSetFraction(rs: SetView, d: DeploymentView): number {
  if (d.replicas === 0) return -rs.replicas;
  const deploymentMax = d.replicas + maxSurge(d);
  let annotated = rs.maxReplicas ?? 0;
  if (annotated === 0) annotated = d.statusReplicas;
  if (annotated === 0) return 0;
  return roundHalfAway((rs.replicas * deploymentMax) / annotated) - rs.replicas;
}

/** GetProportion: a set's fraction, bounded by what is still left to add or remove. */
export function proportion(rs: SetView, d: DeploymentView, toAdd: number, added: number): number {
  if (rs.replicas === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function isSaturated(d: DeploymentView, rs: SetView | undefined): boolean {
  return (
    rs !== undefined &&
    rs.replicas === d.replicas &&
    rs.desiredReplicas === d.replicas &&
    rs.availableReplicas === d.replicas
  );
}

/**
 * sync.go `scale`: the sizes of all sets after a scaling event (a replicas change, or any sync while paused).
 * One active set takes the whole size; otherwise, for RollingUpdate, every active set grows or shrinks by its
 * share of replicas + maxSurge, the largest first, and the rounding remainder goes to the first. Returns the
 * new size per set name; sets it does not touch keep theirs.
 */
export function scaleSets(
  d: DeploymentView,
  newSet: SetView | undefined,
  oldSets: readonly SetView[],
): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const rs of [...oldSets, ...(newSet ? [newSet] : [])]) sizes.set(rs.name, rs.replicas);
  const oldNewestFirst = [...oldSets].sort((a, b) => olderFirst(b, a));
  const active = [...oldNewestFirst, ...(newSet ? [newSet] : [])].filter(rs => rs.replicas > 0);
  // FindActiveOrLatest
  const activeOrLatest =
    active.length === 1
      ? active[0]
      : active.length === 0
        ? (newSet ?? oldNewestFirst[0])
        : undefined;
  if (activeOrLatest !== undefined) {
    sizes.set(activeOrLatest.name, d.replicas);
    return sizes;
  }
  if (isSaturated(d, newSet)) {
    for (const rs of oldSets) if (rs.replicas > 0) sizes.set(rs.name, 0);
    return sizes;
  }
  if (!isRolling(d)) return sizes;
  const allowed = d.replicas > 0 ? d.replicas + maxSurge(d) : 0;
  const toAdd = allowed - sum(active);
  if (toAdd === 0) return sizes;
  // ReplicaSetsBySizeNewer when growing, ReplicaSetsBySizeOlder when shrinking.
  const ordered = [...active].sort((a, b) =>
    a.replicas !== b.replicas
      ? b.replicas - a.replicas
      : toAdd > 0
        ? olderFirst(b, a)
        : olderFirst(a, b),
  );
  let added = 0;
  for (const rs of ordered) {
    const p = proportion(rs, d, toAdd, added);
    sizes.set(rs.name, rs.replicas + p);
    added += p;
  }
  const first = ordered[0] as SetView;
  sizes.set(first.name, Math.max(0, (sizes.get(first.name) ?? 0) + toAdd - added));
  return sizes;
}

/**
 * Syncs walked at most. The peak is the first scale-up: after it the old sets only shrink and the new one
 * only grows within both bounds, so a walk cut short never misses it; the bound only limits the cost.
 */
const MAX_SYNCS = 256;

/**
 * A RollingUpdate to a template no set runs yet, sync by sync (rolling.go rolloutRolling): the new set is
 * created at NewRSNewReplicas, then each sync either grows the new set or shrinks the old ones. Pods count
 * as available as soon as they exist: waiting for readiness only delays a step, it never adds pods, because
 * every scale-up is bounded by replicas + maxSurge and by the replicas in the new set. Returns the pods
 * after each step, starting with the pods before it.
 */
export function rollingUpdateWalk(d: DeploymentView, oldSets: readonly SetView[]): number[] {
  const ready = (rs: SetView): SetView => ({ ...rs, availableReplicas: rs.replicas });
  let olds = oldSets.map(ready);
  let created = { name: '', replicas: 0, availableReplicas: 0, createdMs: Number.MAX_SAFE_INTEGER };
  const pods = [sum(olds)];
  for (let i = 0; i < MAX_SYNCS; i++) {
    const grown = reconcileNewReplicaSet(d, sum(olds) + created.replicas, created.replicas);
    if (grown !== undefined) {
      created = { ...created, replicas: grown, availableReplicas: grown };
      pods.push(sum(olds) + grown);
      continue;
    }
    const shrunk = reconcileOldReplicaSets(d, olds, created);
    if (shrunk === undefined) break;
    olds = shrunk.map(ready);
    pods.push(sum(olds) + created.replicas);
  }
  return pods;
}
