import type { RolloutStrategy, Workload } from '../../cluster/model.js';
import type { BlueGreenPeak, Peak, WorkloadChange } from './change.js';
import { currentPodsOf, noChange, peakBase, replicasOf, rsPods, templateChanged } from './pods.js';
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
  const retainedOld = sets.others.reduce((n, rs) => n + rsPods(rs), 0);
  const bgInfo = (retained: number): BlueGreenPeak => ({
    replicas: n1,
    preview: p1,
    previewSet,
    manualPromotion: manual,
    retainedPods: retained,
  });
  if (templateChanged(change)) {
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
  return noChange(base, c);
}
