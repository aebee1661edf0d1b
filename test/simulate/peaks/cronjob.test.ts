import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronJobPeak } from '../../../src/simulate/peaks/cronjob.js';
import type { CronJobSpec, Workload } from '../../../src/cluster/model.js';
import { aPodShape, aWorkload } from '../../helpers/builders.js';

const cron = (spec: Partial<CronJobSpec> = {}, o: Partial<Workload> = {}): Workload =>
  aWorkload({
    kind: 'CronJob',
    name: 'report',
    cronJob: {
      concurrencyPolicy: 'Allow',
      suspend: false,
      job: { parallelism: 4, completions: 4, suspend: false },
      ...spec,
    },
    pod: aPodShape(),
    ...o,
  });

test('CronJob create: one run of its jobTemplate, and Allow (the default) says runs may overlap', () => {
  const p = cronJobPeak({ desired: cron(), replicaSets: [], nowMs: 0 });
  assert.deepEqual([p.change, p.currentPods, p.peakPods], ['create', 0, 4]);
  assert.match(p.reason, /concurrencyPolicy Allow: runs that overlap add 4 pods each/);
});

test('CronJob with Forbid: one run, no overlap to warn of', () => {
  const p = cronJobPeak({
    desired: cron({ concurrencyPolicy: 'Forbid' }),
    replicaSets: [],
    nowMs: 0,
  });
  assert.equal(p.peakPods, 4);
  assert.doesNotMatch(p.reason, /overlap/);
});

test('CronJob with Replace: the running Job is deleted as the next starts', () => {
  const p = cronJobPeak({
    desired: cron({ concurrencyPolicy: 'Replace' }),
    replicaSets: [],
    nowMs: 0,
  });
  assert.match(p.reason, /Replace/);
});

test('a suspended CronJob starts no run', () => {
  const p = cronJobPeak({ desired: cron({ suspend: true }), replicaSets: [], nowMs: 0 });
  assert.equal(p.peakPods, 0);
});

test('a run is a Job from nothing: parallelism capped by completions (manageJob)', () => {
  const p = cronJobPeak({
    desired: cron({ job: { parallelism: 10, completions: 3, suspend: false } }),
    replicaSets: [],
    nowMs: 0,
  });
  assert.equal(p.peakPods, 3);
});

test('a CronJob update judges its next run whole; one that changes no run is no change', () => {
  const bigger = cronJobPeak({
    current: cron(),
    desired: cron({ job: { parallelism: 8, completions: 8, suspend: false } }),
    replicaSets: [],
    nowMs: 0,
  });
  assert.deepEqual([bigger.change, bigger.currentPods, bigger.peakPods], ['scale', 0, 8]);
  const template = cronJobPeak({
    current: cron(),
    desired: cron({}, { templateKey: 'v2' }),
    replicaSets: [],
    nowMs: 0,
  });
  assert.equal(template.change, 'rollout');
  const schedule = cronJobPeak({ current: cron(), desired: cron(), replicaSets: [], nowMs: 0 });
  assert.deepEqual([schedule.change, schedule.peakPods - schedule.currentPods], ['none', 0]);
});
