import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobPeak, wantActive } from '../../../src/simulate/peaks/job.js';
import type { JobSpec, Workload } from '../../../src/cluster/model.js';
import { aPodShape, aWorkload } from '../../helpers/builders.js';

// Cases of TestControllerSyncJob (kubernetes/kubernetes pkg/controller/job/job_controller_test.go):
// parallelism, completions (-1 there is unset), the pods active and succeeded before the sync, and the
// expectedActive after it. manageJob's wantActive is what the controller keeps running.
const SYNC_CASES: {
  name: string;
  parallelism: number;
  completions?: number;
  active: number;
  succeeded: number;
  expectedActive: number;
}[] = [
  { name: 'job start', parallelism: 2, completions: 5, active: 0, succeeded: 0, expectedActive: 2 },
  { name: 'WQ job start', parallelism: 2, active: 0, succeeded: 0, expectedActive: 2 },
  {
    name: 'correct # of pods',
    parallelism: 3,
    completions: 5,
    active: 3,
    succeeded: 0,
    expectedActive: 3,
  },
  { name: 'WQ job: correct # of pods', parallelism: 2, active: 2, succeeded: 0, expectedActive: 2 },
  {
    name: 'too few active pods',
    parallelism: 2,
    completions: 5,
    active: 1,
    succeeded: 1,
    expectedActive: 2,
  },
  {
    name: 'too few active pods with a dynamic job',
    parallelism: 2,
    active: 1,
    succeeded: 0,
    expectedActive: 2,
  },
  {
    name: 'too many active pods',
    parallelism: 2,
    completions: 5,
    active: 3,
    succeeded: 0,
    expectedActive: 2,
  },
  { name: 'WQ job finishing', parallelism: 2, active: 1, succeeded: 1, expectedActive: 1 },
  {
    name: 'more active pods than parallelism',
    parallelism: 2,
    completions: 5,
    active: 10,
    succeeded: 0,
    expectedActive: 2,
  },
  {
    name: 'more active pods than remaining completions',
    parallelism: 3,
    completions: 4,
    active: 3,
    succeeded: 2,
    expectedActive: 2,
  },
  {
    name: 'status change',
    parallelism: 2,
    completions: 5,
    active: 2,
    succeeded: 2,
    expectedActive: 2,
  },
  {
    name: 'job finish',
    parallelism: 2,
    completions: 5,
    active: 0,
    succeeded: 5,
    expectedActive: 0,
  },
];

for (const c of SYNC_CASES) {
  test(`wantActive, TestControllerSyncJob "${c.name}"`, () => {
    const spec: JobSpec = {
      parallelism: c.parallelism,
      ...(c.completions !== undefined && { completions: c.completions }),
      suspend: false,
    };
    assert.equal(wantActive(spec, c.active, c.succeeded), c.expectedActive);
  });
}

test('SetDefaults_Job: neither set is one pod, parallelism alone is a work queue', () => {
  assert.equal(wantActive({ suspend: false }, 0, 0), 1);
  assert.equal(wantActive({ suspend: false }, 0, 1), 0, 'completions defaulted to 1, done');
  assert.equal(wantActive({ parallelism: 4, suspend: false }, 0, 0), 4);
  assert.equal(
    wantActive({ completions: 6, suspend: false }, 0, 0),
    1,
    'parallelism defaults to 1',
  );
});

test('a suspended Job runs nothing (manageJob deletes its active pods)', () => {
  assert.equal(wantActive({ parallelism: 5, completions: 10, suspend: true }, 3, 0), 0);
});

const job = (spec: JobSpec, status: Workload['status'] = {}): Workload =>
  aWorkload({ kind: 'Job', name: 'etl', job: spec, status, pod: aPodShape() });

test('Job create: parallelism capped by completions', () => {
  const p = jobPeak({
    desired: job({ parallelism: 20, completions: 8, suspend: false }),
    replicaSets: [],
    nowMs: 0,
  });
  assert.equal(p.change, 'create');
  assert.equal(p.currentPods, 0);
  assert.equal(p.peakPods, 8);
  assert.match(p.reason, /parallelism 20, 8 of 8 completions to go: 8 pods at once/);
});

test('Job parallelism raised mid-run: the completions still to go cap it', () => {
  const current = job(
    { parallelism: 4, completions: 30, suspend: false },
    { active: 4, succeeded: 20 },
  );
  const p = jobPeak({
    current,
    desired: job({ parallelism: 40, completions: 30, suspend: false }, current.status),
    replicaSets: [],
    nowMs: 0,
  });
  assert.equal(p.change, 'scale');
  assert.equal(p.currentPods, 4);
  assert.equal(p.peakPods, 10, '30 completions - 20 succeeded');
});

test('resuming a suspended Job starts its pods; suspending one adds none', () => {
  const suspended = job({ parallelism: 6, completions: 12, suspend: true });
  const running = job({ parallelism: 6, completions: 12, suspend: false });
  const resume = jobPeak({ current: suspended, desired: running, replicaSets: [], nowMs: 0 });
  assert.deepEqual([resume.change, resume.currentPods, resume.peakPods], ['scale', 0, 6]);
  const suspend = jobPeak({
    current: job({ parallelism: 6, completions: 12, suspend: false }, { active: 6 }),
    desired: suspended,
    replicaSets: [],
    nowMs: 0,
  });
  assert.equal(suspend.peakPods, 6, 'the pods now, no more');
  assert.equal(suspend.desiredReplicas, 0);
});

test('a Job update that leaves its pods alone is no change', () => {
  const current = job(
    { parallelism: 3, completions: 9, suspend: false },
    { active: 3, succeeded: 2 },
  );
  const p = jobPeak({ current, desired: current, replicaSets: [], nowMs: 0 });
  assert.equal(p.change, 'none');
  assert.equal(p.peakPods, 3);
});
