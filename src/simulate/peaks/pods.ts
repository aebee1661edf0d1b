import type { ReplicaSet, Workload } from '../../cluster/model.js';
import type { Peak, PeakBase, WorkloadChange } from './change.js';

/** Argo and the apiserver both default a missing spec.replicas to 1. */
export function replicasOf(w: Workload): number {
  return w.replicas ?? 1;
}

/** A set's pods: what it asks for, or more while pods it no longer wants are still counted. */
export function rsPods(rs: ReplicaSet): number {
  return Math.max(rs.specReplicas, rs.statusReplicas);
}

export function currentPodsOf(change: WorkloadChange): number {
  if (!change.current) return 0;
  if (change.replicaSets.length > 0) return change.replicaSets.reduce((n, rs) => n + rsPods(rs), 0);
  return change.current.status.replicas ?? replicasOf(change.current);
}

export function templateChanged(change: WorkloadChange): boolean {
  const { current, desired } = change;
  return (
    current !== undefined &&
    desired.templateKey !== '' &&
    current.templateKey !== '' &&
    desired.templateKey !== current.templateKey
  );
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function peakBase(change: WorkloadChange): PeakBase {
  const { pod } = change.desired;
  return { desiredReplicas: replicasOf(change.desired), ...(pod && { pod }) };
}

/** A new object of a replicated kind: all its replicas start, nothing runs before. */
export function createPeak(change: WorkloadChange): Peak {
  const base = peakBase(change);
  return {
    ...base,
    change: 'create',
    currentPods: 0,
    peakPods: base.desiredReplicas,
    reason: `create: ${plural(base.desiredReplicas, 'replica')}`,
  };
}

export function noChange(base: PeakBase, currentPods: number): Peak {
  return {
    ...base,
    change: 'none',
    currentPods,
    peakPods: currentPods,
    reason: 'no change to pods',
  };
}
