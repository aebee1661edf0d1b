import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statefulSetPeak } from '../../../src/simulate/peaks/statefulset.js';
import type { StatefulSetStrategy, Workload } from '../../../src/cluster/model.js';
import { aPodShape, aWorkload } from '../../helpers/builders.js';

const sts = (
  o: Partial<Workload> = {},
  strategy: StatefulSetStrategy = { type: 'RollingUpdate' },
): Workload =>
  aWorkload({
    kind: 'StatefulSet',
    name: 'db',
    replicas: 3,
    statefulSetStrategy: strategy,
    pod: aPodShape(),
    ...o,
  });

// Expected peaks from the StatefulSet controller's rules (kubernetes/kubernetes
// pkg/controller/statefulset stateful_set_control.go): scale-up creates the missing ordinals
// (TestStatefulSetControlScaleUp), an update deletes a pod and recreates it under the same name once it
// is gone (TestStatefulSetControlRollingUpdate; with partition, TestStatefulSetControlRollingUpdateWithPartition),
// maxUnavailable lets several go at once but never adds one (TestStatefulSetControlRollingUpdateWithMaxUnavailable),
// and Parallel vs OrderedReady only changes the order (TestStatefulSetControlRollingUpdateBlockedByOrderedReady).
const cases: {
  name: string;
  current?: Workload;
  desired: Workload;
  change: string;
  now: number;
  peak: number;
}[] = [
  {
    name: 'create: its replicas',
    desired: sts({ replicas: 5 }),
    change: 'create',
    now: 0,
    peak: 5,
  },
  {
    name: 'create without replicas: the default 1',
    desired: sts({ replicas: undefined }),
    change: 'create',
    now: 0,
    peak: 1,
  },
  {
    name: 'scale up: the new ordinals',
    current: sts({ status: { replicas: 3 } }),
    desired: sts({ replicas: 7 }),
    change: 'scale',
    now: 3,
    peak: 7,
  },
  {
    name: 'scale down: nothing added',
    current: sts({ replicas: 7, status: { replicas: 7 } }),
    desired: sts({ replicas: 3 }),
    change: 'scale',
    now: 7,
    peak: 7,
  },
  {
    name: 'RollingUpdate template change: in place, no surge',
    current: sts({ status: { replicas: 3 } }),
    desired: sts({ templateKey: 'v2' }),
    change: 'rollout',
    now: 3,
    peak: 3,
  },
  {
    name: 'RollingUpdate with maxUnavailable: more at once, never more pods',
    current: sts({ status: { replicas: 10 }, replicas: 10 }),
    desired: sts(
      { templateKey: 'v2', replicas: 10 },
      { type: 'RollingUpdate', maxUnavailable: '50%' },
    ),
    change: 'rollout',
    now: 10,
    peak: 10,
  },
  {
    name: 'RollingUpdate with partition',
    current: sts({ status: { replicas: 3 } }),
    desired: sts({ templateKey: 'v2' }, { type: 'RollingUpdate', partition: 2 }),
    change: 'rollout',
    now: 3,
    peak: 3,
  },
  {
    name: 'OnDelete template change: nothing until pods are deleted',
    current: sts({ status: { replicas: 3 } }),
    desired: sts({ templateKey: 'v2' }, { type: 'OnDelete' }),
    change: 'rollout',
    now: 3,
    peak: 3,
  },
  {
    name: 'template change and scale up together: the larger count',
    current: sts({ status: { replicas: 3 } }),
    desired: sts({ templateKey: 'v2', replicas: 6 }),
    change: 'rollout',
    now: 3,
    peak: 6,
  },
  {
    name: 'metadata only: no change',
    current: sts({ status: { replicas: 3 } }),
    desired: sts(),
    change: 'none',
    now: 3,
    peak: 3,
  },
];

for (const c of cases) {
  test(`StatefulSet ${c.name}`, () => {
    const p = statefulSetPeak({
      ...(c.current && { current: c.current }),
      desired: c.desired,
      replicaSets: [],
      nowMs: 0,
    });
    assert.deepEqual([p.change, p.currentPods, p.peakPods], [c.change, c.now, c.peak]);
  });
}

test('podManagementPolicy changes the pace, not the peak: the peak reads no policy', () => {
  // Parallel and OrderedReady StatefulSets project to the same workload: the peak cannot depend on it.
  const a = statefulSetPeak({
    current: sts({ status: { replicas: 2 } }),
    desired: sts({ replicas: 9 }),
    replicaSets: [],
    nowMs: 0,
  });
  assert.equal(a.peakPods, 9);
  assert.match(a.reason, /scale 3 -> 9/);
});
