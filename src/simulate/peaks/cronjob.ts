import type { Peak, WorkloadChange } from './change.js';
import { wantActive } from './job.js';
import { plural, templateChanged } from './pods.js';

/**
 * Peak pods of a CronJob change: one run of its jobTemplate, from nothing running, as the Job controller
 * would start it (wantActive with no success yet). A suspended CronJob starts no run. Which runs may
 * overlap is concurrencyPolicy's (k8s pkg/controller/cronjob cronjob_controllerv2.go syncCronJob): Allow,
 * the apiserver's default, starts a run even while earlier ones still run, Forbid skips it, Replace
 * deletes the running Job first.
 */
export function cronJobPeak(change: WorkloadChange): Peak {
  const { desired, current } = change;
  const spec = desired.cronJob ?? {
    concurrencyPolicy: 'Allow',
    suspend: false,
    job: { suspend: false },
  };
  const run = spec.suspend ? 0 : wantActive(spec.job, 0, 0);
  const pod = desired.pod;
  const base = { desiredReplicas: run, ...(pod && { pod }) };
  const what = spec.suspend ? 'suspended: no runs start' : `one run of ${plural(run, 'pod')}`;
  const overlap =
    spec.concurrencyPolicy === 'Allow' && run > 0
      ? `; concurrencyPolicy Allow: runs that overlap add ${plural(run, 'pod')} each`
      : spec.concurrencyPolicy === 'Replace' && run > 0
        ? '; concurrencyPolicy Replace: a run still going is deleted as the next starts'
        : '';
  const reason = `${what}${overlap}`;
  if (!current)
    return {
      ...base,
      change: 'create',
      currentPods: 0,
      peakPods: run,
      reason: `create: ${reason}`,
    };
  const before = current.cronJob;
  const runBefore = !before || before.suspend ? 0 : wantActive(before.job, 0, 0);
  const changed = templateChanged(change);
  if (!changed && run === runBefore)
    return {
      ...base,
      change: 'none',
      currentPods: run,
      peakPods: run,
      reason: 'no change to its runs',
    };
  // Runs come and go: the addresses a run takes must be free when it starts, so it is judged whole.
  return { ...base, change: changed ? 'rollout' : 'scale', currentPods: 0, peakPods: run, reason };
}
