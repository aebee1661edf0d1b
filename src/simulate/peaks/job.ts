import type { JobSpec, Workload } from '../../cluster/model.js';
import type { Peak, WorkloadChange } from './change.js';
import { plural } from './pods.js';

/**
 * The pods a Job keeps running at once (k8s pkg/controller/job job_controller.go manageJob): none while
 * suspended; without completions, parallelism until the first success, then only those still running;
 * with completions, parallelism capped by the completions still to go. The apiserver defaults a missing
 * parallelism to 1, and both to 1 when neither is set (pkg/apis/batch/v1 defaults.go SetDefaults_Job).
 */
export function wantActive(spec: JobSpec, active: number, succeeded: number): number {
  if (spec.suspend) return 0;
  const parallelism = spec.parallelism ?? 1;
  const completions = spec.completions ?? (spec.parallelism === undefined ? 1 : undefined);
  if (completions === undefined) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(parallelism, completions - succeeded));
}

function specOf(w: Workload): JobSpec {
  return w.job ?? { suspend: false };
}

function describe(spec: JobSpec, pods: number, succeeded: number): string {
  if (spec.suspend) return 'suspended: no pods';
  const parallelism = spec.parallelism ?? 1;
  const completions = spec.completions ?? (spec.parallelism === undefined ? 1 : undefined);
  if (completions === undefined)
    return `parallelism ${parallelism}, no completions: ${plural(pods, 'pod')} until the first success`;
  const left = Math.max(0, completions - succeeded);
  return `parallelism ${parallelism}, ${left} of ${completions} completions to go: ${plural(pods, 'pod')} at once`;
}

/** Peak pods of a Job change: the pods manageJob keeps active, against the pods active now. */
export function jobPeak(change: WorkloadChange): Peak {
  const { desired, current } = change;
  const status = current?.status ?? desired.status;
  const active = current ? (current.status.active ?? 0) : 0;
  const succeeded = status.succeeded ?? 0;
  const spec = specOf(desired);
  const want = wantActive(spec, active, succeeded);
  const pod = desired.pod;
  const base = { desiredReplicas: want, ...(pod && { pod }) };
  const reason = describe(spec, want, succeeded);
  if (!current)
    return {
      ...base,
      change: 'create',
      currentPods: 0,
      peakPods: want,
      reason: `create: ${reason}`,
    };
  const before = wantActive(specOf(current), active, succeeded);
  const peak = Math.max(active, want);
  if (want === before && peak === active)
    return {
      ...base,
      change: 'none',
      currentPods: active,
      peakPods: active,
      reason: 'no change to pods',
    };
  return { ...base, change: 'scale', currentPods: active, peakPods: peak, reason };
}
