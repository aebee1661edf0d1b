import { scaledValue } from '../int-or-percent.js';
import type { Peak, WorkloadChange } from './change.js';
import { plural, templateChanged } from './pods.js';

/**
 * Peak pods of a DaemonSet change (k8s pkg/controller/daemon): one pod on every node it admits. A
 * RollingUpdate with maxSurge starts the new pod beside the old one on up to maxSurge nodes at once
 * (SurgeCount: a percentage of the nodes to schedule, rounded up, util/daemonset_util.go); maxSurge 0,
 * the apps/v1 default, deletes first, so the count never rises. OnDelete replaces nothing by itself.
 */
export function daemonSetPeak(change: WorkloadChange): Peak {
  const nodes = change.daemonSetNodes ?? { current: 0, desired: 0, both: 0 };
  const { desired, current } = change;
  const pod = desired.pod;
  const base = { desiredReplicas: nodes.desired, ...(pod && { pod }) };
  const host = pod?.network === 'host' ? ' (hostNetwork: they take no pod address)' : '';
  if (!current) {
    return {
      ...base,
      change: 'create',
      currentPods: 0,
      peakPods: nodes.desired,
      reason: `create: one pod on each of ${plural(nodes.desired, 'node')} its selectors and tolerations admit${host}`,
    };
  }
  const added = nodes.desired - nodes.both;
  const changed = templateChanged(change);
  const strategy = desired.daemonSetStrategy ?? { type: 'RollingUpdate' };
  const surge =
    changed && strategy.type === 'RollingUpdate' && strategy.maxSurge !== undefined
      ? Math.min(nodes.both, scaledValue(strategy.maxSurge, nodes.desired, true))
      : 0;
  const peakPods = nodes.current + added + surge;
  if (!changed && added <= 0)
    return {
      ...base,
      change: 'none',
      currentPods: nodes.current,
      peakPods: nodes.current,
      reason: 'no change to pods',
    };
  const parts: string[] = [];
  if (added > 0) parts.push(`${plural(added, 'node')} newly admitted`);
  if (surge > 0)
    parts.push(`maxSurge: ${plural(surge, 'node')} run the old and the new pod at once`);
  else if (changed && strategy.type === 'RollingUpdate')
    parts.push('RollingUpdate without surge: each old pod stops before its new one starts');
  else if (changed) parts.push('OnDelete: pods take the new template as they are deleted');
  return {
    ...base,
    change: changed ? 'rollout' : 'scale',
    currentPods: nodes.current,
    peakPods,
    reason: `${parts.join('; ')}${host}`,
    ...(surge > 0 && { surgeNodes: surge }),
  };
}
