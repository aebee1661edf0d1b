import type { RolloutStrategy, Workload } from '../../cluster/model.js';
import type { BlueGreenPeak, Peak, WorkloadChange } from './change.js';
import { currentPodsOf, noChange, peakBase, replicasOf, rsPods, templateChanged } from './pods.js';
import { blueGreenNewSetReplicas, retainedDuringDelay } from './argo-blue-green.js';
import { rolloutSets } from './rollout-sets.js';

type BlueGreen = NonNullable<RolloutStrategy['blueGreen']>;

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

/** Peak pods of a change to a blue/green Rollout that exists (semantics notes §3.2). */
export function blueGreenPeak(change: WorkloadChange, bg: BlueGreen): Peak {
  const base = peakBase(change);
  const current = change.current as Workload;
  const { desired } = change;
  const c = currentPodsOf(change);
  const n0 = replicasOf(current);
  const n1 = replicasOf(desired);
  const sets = rolloutSets(change);
  const previewSet = bg.previewReplicaCount !== undefined;
  const p1 = bg.previewReplicaCount ?? n1;
  const manual = !bg.autoPromotionEnabled;
  const limit = bg.scaleDownDelayRevisionLimit;
  const retainedOld = retainedDuringDelay(sets.others.map(rsPods), n1, limit);
  const bgInfo = (retained: number): BlueGreenPeak => ({
    replicas: n1,
    preview: p1,
    previewSet,
    manualPromotion: manual,
    retainedPods: retained,
  });
  if (templateChanged(change)) {
    // A preview still waiting for promotion is superseded: marked, then sized to the replicas until its
    // scale-down deadline, like every other old set within the revision limit.
    const superseded = [...sets.others, ...(sets.preview ? [sets.preview] : [])].map(rsPods);
    const retained = retainedDuringDelay(superseded, n1, limit);
    const firstSize = blueGreenNewSetReplicas({
      replicas: n1,
      ...(bg.previewReplicaCount !== undefined && { previewReplicaCount: bg.previewReplicaCount }),
      activeIsOther: true,
      promoteFull: desired.status.promoteFull === true,
      newSetIsCurrent: false,
      notPaused: !desired.paused,
      scaleUpPreviewCheckPoint: false,
    });
    // Auto promotion scales the preview to the replicas before the switch (ScaleUpPreviewCheckPoint).
    const previewPods = manual ? firstSize : Math.max(n1, firstSize);
    // In the reconcile that starts the preview (rollout/bluegreen.go reconcileBlueGreenReplicaSets: stable,
    // new, then other sets) the new set scales up before any old set is scaled down or marked.
    const transient = n1 + firstSize + superseded.reduce((a, b) => a + b, 0);
    const peak = Math.max(c, transient, n1 + previewPods + retained);
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
  return noChange(base, c);
}
