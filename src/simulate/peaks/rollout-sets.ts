import type { ReplicaSet, Workload } from '../../cluster/model.js';
import type { WorkloadChange } from './change.js';
import { rsPods } from './pods.js';

/** A Rollout's ReplicaSets by role, from the hashes in its status. */
export interface RolloutSets {
  readonly stable?: ReplicaSet;
  readonly preview?: ReplicaSet;
  /** Other sets with pods: old ones inside their scale-down delay, or being scaled down. */
  readonly others: readonly ReplicaSet[];
}

export function rolloutSets(change: WorkloadChange): RolloutSets {
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
