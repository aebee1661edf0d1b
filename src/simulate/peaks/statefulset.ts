import type { Peak, WorkloadChange } from './change.js';
import { createPeak, noChange, peakBase, replicasOf, templateChanged } from './pods.js';

/**
 * Peak pods of a StatefulSet change (k8s pkg/controller/statefulset stateful_set_control.go). Pods keep
 * their identity, so an update deletes a pod and recreates it under the same name only once the old one
 * is gone: RollingUpdate replaces in place and never surges; maxUnavailable only lets more go at once,
 * and OnDelete waits for someone to delete them. podManagementPolicy (OrderedReady or Parallel) sets the
 * pace of a scale, not its end: the peak is the larger of the pods now and the replicas asked for.
 */
export function statefulSetPeak(change: WorkloadChange): Peak {
  if (!change.current) return createPeak(change);
  const base = peakBase(change);
  const current = change.current;
  const n0 = replicasOf(current);
  const n1 = base.desiredReplicas;
  // status.replicas counts the pods the controller has created, terminating ones included.
  const c = current.status.replicas ?? n0;
  const peak = Math.max(c, n1);
  const strategy = change.desired.statefulSetStrategy ?? { type: 'RollingUpdate' };
  if (templateChanged(change)) {
    const how =
      strategy.type === 'OnDelete'
        ? 'OnDelete: pods take the new template as they are deleted'
        : 'RollingUpdate: each pod is replaced in place, no surge';
    return {
      ...base,
      change: 'rollout',
      currentPods: c,
      peakPods: peak,
      reason: n1 === n0 ? how : `scale ${n0} -> ${n1}; ${how}`,
    };
  }
  if (n1 !== n0) {
    return {
      ...base,
      change: 'scale',
      currentPods: c,
      peakPods: peak,
      reason: `scale ${n0} -> ${n1}`,
    };
  }
  return noChange(base, c);
}
