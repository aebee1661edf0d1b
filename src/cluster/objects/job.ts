import type { CronJobSpec, JobSpec, Workload, WorkloadStatus } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';
import { base, template, type ProjectOptions } from './workload.js';

function jobSpec(spec: Reader | undefined): JobSpec {
  const parallelism = spec?.int('parallelism');
  const completions = spec?.int('completions');
  return {
    ...(parallelism !== undefined && { parallelism }),
    ...(completions !== undefined && { completions }),
    suspend: spec?.bool('suspend') === true,
  };
}

function jobStatus(status: Reader | undefined): WorkloadStatus {
  const active = status?.int('active');
  const succeeded = status?.int('succeeded');
  return {
    ...(active !== undefined && { active }),
    ...(succeeded !== undefined && { succeeded }),
  };
}

/** A batch/v1 Job: its pods at once are what manageJob keeps active. */
export function projectJob(obj: Reader, o: ProjectOptions = {}): Workload {
  const meta = readMeta(obj, true);
  const spec = obj.child('spec');
  return {
    kind: 'Job',
    ...base(meta, o),
    paused: false,
    ...template(spec, o),
    job: jobSpec(spec),
    status: jobStatus(obj.child('status')),
  };
}

const POLICIES = ['Allow', 'Forbid', 'Replace'] as const;

/** A batch/v1 CronJob: every run is a Job made from spec.jobTemplate. */
export function projectCronJob(obj: Reader, o: ProjectOptions = {}): Workload {
  const meta = readMeta(obj, true);
  const spec = obj.child('spec');
  const policy = spec?.string('concurrencyPolicy') ?? 'Allow';
  if (!(POLICIES as readonly string[]).includes(policy)) {
    throw (spec ?? obj).fail(
      'concurrencyPolicy',
      `expected Allow, Forbid or Replace, got ${JSON.stringify(policy)}`,
    );
  }
  const jobTemplateSpec = spec?.child('jobTemplate')?.child('spec');
  const cronJob: CronJobSpec = {
    concurrencyPolicy: policy as CronJobSpec['concurrencyPolicy'],
    suspend: spec?.bool('suspend') === true,
    job: jobSpec(jobTemplateSpec),
  };
  return {
    kind: 'CronJob',
    ...base(meta, o),
    paused: false,
    ...template(jobTemplateSpec, o),
    cronJob,
    status: {},
  };
}
