import type { DeploymentStrategy, Workload } from '../../cluster/model.js';
import type { Peak, WorkloadChange } from './change.js';
import {
  maxSurge,
  rollingUpdateWalk,
  scaleSets,
  type DeploymentView,
  type SetView,
} from './deployment-controller.js';
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

/**
 * The sets as the controller sees them. Without ReplicaSets in the input, the pods counted now stand for one
 * set. Creation times and the replica annotations are not in the model, so sets order by name and
 * proportions fall back to status.replicas, as the controller does for a set without annotations.
 */
function setViews(change: WorkloadChange, currentPods: number): SetView[] {
  if (change.replicaSets.length === 0)
    return [
      { name: 'current', replicas: currentPods, availableReplicas: currentPods, createdMs: 0 },
    ];
  return change.replicaSets.map(rs => ({
    name: rs.name,
    replicas: rs.specReplicas,
    availableReplicas: rs.specReplicas,
    createdMs: 0,
  }));
}

const total = (sets: readonly SetView[]): number => sets.reduce((n, rs) => n + rs.replicas, 0);

/** Peak pods of a Deployment change, following the deployment controller (semantics notes §2). */
export function deploymentPeak(change: WorkloadChange): Peak {
  if (!change.current) return createPeak(change);
  const base = peakBase(change);
  const current: Workload = change.current;
  const { desired } = change;
  const c = currentPodsOf(change);
  const n0 = replicasOf(current);
  const n1 = replicasOf(desired);
  const strategy: DeploymentStrategy = desired.deploymentStrategy ?? { type: 'RollingUpdate' };
  const view: DeploymentView = {
    replicas: n1,
    strategy,
    statusReplicas: current.status.replicas ?? c,
  };
  const s = maxSurge(view);
  const sets = setViews(change, c);
  const activeSets = change.replicaSets.filter(rs => rsPods(rs) > 0).length;
  const midRollout = activeSets >= 2 && strategy.type === 'RollingUpdate';
  const changed = templateChanged(change);
  // Resuming a Deployment whose template changed while paused starts the rollout now.
  const resumedWithPending =
    current.paused &&
    !desired.paused &&
    (activeSets >= 2 || (current.status.updatedReplicas ?? 0) < (current.status.replicas ?? 0));
  // A replicas change is a scaling event: sync() -> scale() resizes the existing sets before any rollout
  // step, with the old template (syncDeployment checks isScalingEvent first).
  const sizes = n1 === n0 ? undefined : scaleSets(view, undefined, sets);
  const scaled = sizes
    ? sets.map(rs => ({ ...rs, replicas: sizes.get(rs.name) ?? rs.replicas }))
    : sets;
  const afterScale = total(scaled);

  if (changed && desired.paused) {
    // A paused Deployment still scales (syncDeployment -> sync -> scale); only the new template waits.
    return {
      ...base,
      change: 'rollout',
      currentPods: c,
      peakPods: n1 === n0 ? c : Math.max(c, afterScale),
      reason: `paused: the new pods start when the Deployment is resumed${n1 === n0 ? '' : `; scale ${n0} -> ${n1} now`}`,
    };
  }
  if (changed || resumedWithPending) {
    let peak: number;
    let why: string;
    let podsOverTime: number[] | undefined;
    if (strategy.type === 'Recreate') {
      // rolloutRecreate: every old set to 0, and the new set to the replicas only once no old pod runs.
      peak = Math.max(c, afterScale, n1);
      why = `Recreate: old pods stop before ${plural(n1, 'new pod')} start`;
    } else {
      const pods = rollingUpdateWalk(view, scaled);
      peak = Math.max(c, ...pods);
      podsOverTime = sizes ? [c, ...pods] : pods;
      why =
        peak >= n1 + s || s === 0
          ? `RollingUpdate: ${n1} replicas + maxSurge ${s}`
          : `RollingUpdate: ${afterScale} old + ${n1} new pods (maxSurge ${s}, but the new set never exceeds the replicas)`;
    }
    return {
      ...base,
      change: 'rollout',
      currentPods: c,
      peakPods: peak,
      reason: resumedWithPending && !changed ? `resume with a pending rollout; ${why}` : why,
      ...(podsOverTime && { podsOverTime }),
    };
  }
  if (n1 !== n0) {
    // The base last: fields after a spread are added one shape transition at a time, which an HPA's
    // scale to a new count reads back from memory.
    return {
      change: 'scale',
      currentPods: c,
      peakPods: Math.max(c, afterScale),
      reason: midRollout
        ? `scale ${n0} -> ${n1} during a rollout (+ maxSurge ${s})`
        : `scale ${n0} -> ${n1}`,
      ...base,
    };
  }
  return noChange(base, c);
}
