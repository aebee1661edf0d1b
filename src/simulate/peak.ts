import type { PodShape, ReplicaSet, Workload } from '../cluster/model.js';
import { DEFAULT_MAX_SURGE, DEFAULT_MAX_UNAVAILABLE } from '../cluster/objects/workload.js';
import { resolveFenceposts, scaledValue } from './int-or-percent.js';

/** What the change does to the workload's pods (SPEC `change`). */
export type ChangeKind = 'create' | 'scale' | 'rollout' | 'switch' | 'none';

/** One change to a Deployment or Rollout: the object as it is (absent on create) and as it will be. */
export interface WorkloadChange {
  readonly current?: Workload;
  readonly desired: Workload;
  /** The workload's ReplicaSets now; their pods are the current pods. */
  readonly replicaSets: readonly ReplicaSet[];
  /** Time of the decision (epoch ms), for Argo's scale-down deadlines. */
  readonly nowMs: number;
}

export interface BlueGreenPeak {
  readonly replicas: number;
  /** previewReplicaCount, or the full size when unset. */
  readonly preview: number;
  readonly previewSet: boolean;
  readonly manualPromotion: boolean;
  /** Old ReplicaSets still running inside their scale-down delay. */
  readonly retainedPods: number;
}

export interface Peak {
  readonly change: ChangeKind;
  readonly currentPods: number;
  readonly peakPods: number;
  /** Pods added at the peak run this template. */
  readonly pod?: PodShape;
  /** How the peak was worked out, in a person's words. */
  readonly reason: string;
  readonly desiredReplicas: number;
  readonly blueGreen?: BlueGreenPeak;
}

/** Argo and the apiserver both default a missing spec.replicas to 1. */
export function replicasOf(w: Workload): number {
  return w.replicas ?? 1;
}

function rsPods(rs: ReplicaSet): number {
  return Math.max(rs.specReplicas, rs.statusReplicas);
}

export function currentPodsOf(change: WorkloadChange): number {
  if (!change.current) return 0;
  if (change.replicaSets.length > 0) return change.replicaSets.reduce((n, rs) => n + rsPods(rs), 0);
  return change.current.status.replicas ?? replicasOf(change.current);
}

function templateChanged(change: WorkloadChange): boolean {
  const { current, desired } = change;
  return (
    current !== undefined &&
    desired.templateKey !== '' &&
    current.templateKey !== '' &&
    desired.templateKey !== current.templateKey
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Peak pods of a change, following the controllers (research notes on Deployments and Argo Rollouts). */
export function peakOf(change: WorkloadChange): Peak {
  const { desired } = change;
  const n1 = replicasOf(desired);
  const pod = desired.pod;
  const base = { desiredReplicas: n1, ...(pod && { pod }) };
  if (!change.current) {
    return {
      ...base,
      change: 'create',
      currentPods: 0,
      peakPods: n1,
      reason: `create: ${plural(n1, 'replica')}`,
    };
  }
  return desired.kind === 'Deployment' ? deploymentPeak(change, base) : rolloutPeak(change, base);
}

type Base = Pick<Peak, 'desiredReplicas' | 'pod'>;

function deploymentPeak(change: WorkloadChange, base: Base): Peak {
  const current = change.current as Workload;
  const { desired } = change;
  const c = currentPodsOf(change);
  const n0 = replicasOf(current);
  const n1 = replicasOf(desired);
  const strategy = desired.deploymentStrategy ?? { type: 'RollingUpdate' };
  const surge = (): number =>
    strategy.type === 'Recreate'
      ? 0
      : resolveFenceposts(
          strategy.maxSurge ?? DEFAULT_MAX_SURGE,
          strategy.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
          n1,
        ).surge;
  const activeSets = change.replicaSets.filter(rs => rsPods(rs) > 0).length;
  const changed = templateChanged(change);
  // Resuming a Deployment whose template changed while paused starts the rollout now.
  const resumedWithPending =
    current.paused &&
    !desired.paused &&
    (activeSets >= 2 || (current.status.updatedReplicas ?? 0) < (current.status.replicas ?? 0));

  if (changed && desired.paused) {
    // A paused Deployment still scales (syncDeployment -> sync -> scale); only the new template waits.
    const s = activeSets >= 2 && strategy.type === 'RollingUpdate' ? surge() : 0;
    return {
      ...base,
      change: 'rollout',
      currentPods: c,
      peakPods: n1 === n0 ? c : Math.max(c, n1 + s),
      reason: `paused: the new pods start when the Deployment is resumed${n1 === n0 ? '' : `; scale ${n0} -> ${n1} now`}`,
    };
  }
  if (changed || resumedWithPending) {
    const s = surge();
    const peak = Math.max(c, n1 + s);
    const why =
      strategy.type === 'Recreate'
        ? `Recreate: old pods stop before ${plural(n1, 'new pod')} start`
        : `RollingUpdate: ${n1} replicas + maxSurge ${s}`;
    return {
      ...base,
      change: 'rollout',
      currentPods: c,
      peakPods: peak,
      reason: resumedWithPending && !changed ? `resume with a pending rollout; ${why}` : why,
    };
  }
  if (n1 !== n0) {
    // Scaling during a rollout scales proportionally up to replicas + maxSurge.
    const midRollout = activeSets >= 2 && strategy.type === 'RollingUpdate';
    const s = midRollout ? surge() : 0;
    const peak = Math.max(c, n1 + s);
    return {
      ...base,
      change: 'scale',
      currentPods: c,
      peakPods: peak,
      reason: midRollout
        ? `scale ${n0} -> ${n1} during a rollout (+ maxSurge ${s})`
        : `scale ${n0} -> ${n1}`,
    };
  }
  return { ...base, change: 'none', currentPods: c, peakPods: c, reason: 'no change to pods' };
}

interface Sets {
  readonly stable?: ReplicaSet;
  readonly preview?: ReplicaSet;
  /** Other sets with pods: old ones inside their scale-down delay, or being scaled down. */
  readonly others: readonly ReplicaSet[];
}

function rolloutSets(change: WorkloadChange): Sets {
  const current = change.current as Workload;
  const stableHash = current.status.stableRS ?? current.status.activeSelector;
  const currentHash = current.status.currentPodHash;
  const stable = change.replicaSets.find(
    rs => rs.podTemplateHash !== undefined && rs.podTemplateHash === stableHash,
  );
  const preview =
    currentHash !== undefined && currentHash !== stableHash
      ? change.replicaSets.find(rs => rs.podTemplateHash === currentHash)
      : undefined;
  const others = change.replicaSets.filter(
    rs => rs !== stable && rs !== preview && rsPods(rs) > 0 && !deadlinePassed(rs, change.nowMs),
  );
  return { ...(stable && { stable }), ...(preview && { preview }), others };
}

function deadlinePassed(rs: ReplicaSet, nowMs: number): boolean {
  if (rs.scaleDownDeadline === undefined) return false;
  const t = Date.parse(rs.scaleDownDeadline);
  return Number.isFinite(t) && t <= nowMs;
}

function isPromotion(current: Workload, desired: Workload): boolean {
  const s0 = current.status;
  const s1 = desired.status;
  if (s1.abort === true) return false;
  return (
    (s0.paused === true && s1.paused !== true) ||
    (s0.promoteFull !== true && s1.promoteFull === true) ||
    (current.paused && !desired.paused)
  );
}

function rolloutPeak(change: WorkloadChange, base: Base): Peak {
  const current = change.current as Workload;
  const { desired } = change;
  const c = currentPodsOf(change);
  const n0 = replicasOf(current);
  const n1 = replicasOf(desired);
  const bg = desired.rolloutStrategy?.blueGreen;
  const changed = templateChanged(change);

  if (bg) {
    const sets = rolloutSets(change);
    const previewSet = bg.previewReplicaCount !== undefined;
    const p1 = bg.previewReplicaCount ?? n1;
    const manual = !bg.autoPromotionEnabled;
    const retainedOld = sets.others.reduce((n, rs) => n + rsPods(rs), 0);
    const bgInfo = (retained: number): BlueGreenPeak => ({
      replicas: n1,
      preview: p1,
      previewSet,
      manualPromotion: manual,
      retainedPods: retained,
    });
    if (changed) {
      // A preview still waiting for promotion is superseded and kept through its delay.
      const retained = retainedOld + (sets.preview ? rsPods(sets.preview) : 0);
      const previewPods = manual ? p1 : Math.max(n1, p1);
      const peak = Math.max(c, n1 + previewPods + retained);
      const parts = [`${n1} active`, `${previewPods} preview`];
      if (retained > 0) parts.push(`${retained} kept from older sets`);
      const later = manual && p1 < n1 ? `; promotion adds ${n1 - p1} more` : '';
      return {
        ...base,
        change: 'switch',
        currentPods: c,
        peakPods: peak,
        reason: `blue/green: ${parts.join(' + ')}${later}`,
        blueGreen: bgInfo(retained),
      };
    }
    if (isPromotion(current, desired)) {
      const previewPods = sets.preview ? rsPods(sets.preview) : n1;
      const add = Math.max(0, n1 - previewPods);
      return {
        ...base,
        change: 'switch',
        currentPods: c,
        peakPods: c + add,
        reason:
          add > 0
            ? `promotion: preview ${previewPods} -> ${n1} beside ${n1} active`
            : 'promotion: the preview is already full size',
        blueGreen: bgInfo(retainedOld),
      };
    }
    if (n1 !== n0) {
      const previewRunning = sets.preview !== undefined && rsPods(sets.preview) > 0;
      const peak = previewRunning
        ? Math.max(c, n1 + (previewSet ? p1 : n1) + retainedOld)
        : Math.max(c, n1);
      return {
        ...base,
        change: 'scale',
        currentPods: c,
        peakPods: peak,
        reason: previewRunning
          ? `scale ${n0} -> ${n1} with a preview running`
          : `scale ${n0} -> ${n1}`,
        blueGreen: bgInfo(retainedOld),
      };
    }
    return { ...base, change: 'none', currentPods: c, peakPods: c, reason: 'no change to pods' };
  }

  const canary = desired.rolloutStrategy?.canary;
  if (changed && canary) {
    const { peak, reason } = canaryPeak(canary, n1);
    return { ...base, change: 'rollout', currentPods: c, peakPods: Math.max(c, peak), reason };
  }
  if (n1 !== n0) {
    // Scaled while a canary runs: the canary keeps its share of the new size beside the stable set.
    const inProgress =
      canary !== undefined &&
      current.status.currentPodHash !== undefined &&
      current.status.currentPodHash !== current.status.stableRS;
    const peak = inProgress ? canaryPeak(canary, n1).peak : n1;
    return {
      ...base,
      change: 'scale',
      currentPods: c,
      peakPods: Math.max(c, peak),
      reason: inProgress ? `scale ${n0} -> ${n1} during a canary` : `scale ${n0} -> ${n1}`,
    };
  }
  return { ...base, change: 'none', currentPods: c, peakPods: c, reason: 'no change to pods' };
}

type Canary = NonNullable<NonNullable<Workload['rolloutStrategy']>['canary']>;

/** Pods of a canary Rollout of `n1` replicas at the worst step (research notes §3.4). */
function canaryPeak(canary: Canary, n1: number): { peak: number; reason: string } {
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
