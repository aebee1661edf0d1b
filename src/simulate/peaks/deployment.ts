import { DEFAULT_MAX_SURGE, DEFAULT_MAX_UNAVAILABLE } from '../../cluster/objects/workload.js';
import { resolveFenceposts } from '../int-or-percent.js';
import type { Peak, WorkloadChange } from './change.js';
import {
  createPeak,
  currentPodsOf,
  noChange,
  peakBase,
  plural,
  replicasOf,
  rsPods,
  templateChanged,
} from './pods.js';

/** Peak pods of a Deployment change, following the deployment controller (semantics notes §2). */
export function deploymentPeak(change: WorkloadChange): Peak {
  if (!change.current) return createPeak(change);
  const base = peakBase(change);
  const current = change.current;
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
  return noChange(base, c);
}
