import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CanaryStep, IntOrPercent } from '../../../src/cluster/model.js';
import {
  approximateWeightedCounts,
  basicCanaryCounts,
  basicCanaryWalk,
  canaryFenceposts,
  canaryReplicasOrWeight,
  currentSetWeight,
  replicasForScaleDown,
  trafficRoutedCanaryCounts,
  trafficWeightToReplicas,
  type CanarySet,
} from '../../../src/simulate/peaks/argo-canary.js';
import { resolveFenceposts } from '../../../src/simulate/int-or-percent.js';

/*
 * Tables ported from argoproj/argo-rollouts utils/replicaset/canary_test.go, each row with the inputs its
 * table gives and the values it asserts. The test's newRollout has one step (setWeight), stableRS "stable",
 * currentPodHash "canary" and maxTrafficWeight 100; an IntOrString it leaves unset is the integer 0.
 */
const CANARY_TEST = 'argoproj/argo-rollouts utils/replicaset/canary_test.go';

const REPLICASET_TEST = 'argoproj/argo-rollouts utils/replicaset/replicaset_test.go';

// resolveFenceposts: as in kubernetes; nil is 0; the two unparsable-string rows are left out (the reader
// rejects such a field).
const argoFenceposts: [IntOrPercent, IntOrPercent, number, number, number][] = [
  ['0%', '0%', 0, 0, 1],
  ['39%', '39%', 10, 4, 3],
  [0, '39%', 10, 0, 3],
  ['39%', 0, 10, 4, 0],
  [0, 0, 10, 0, 1],
];
for (const [
  i,
  [surge, unavailable, desired, expSurge, expUnavailable],
] of argoFenceposts.entries()) {
  test(`${REPLICASET_TEST} TestResolveFenceposts #${i}`, () => {
    assert.deepEqual(resolveFenceposts(surge, unavailable, desired, true), {
      surge: expSurge,
      unavailable: expUnavailable,
    });
  });
}
// MaxSurge (maxUnavailable 1) and MaxUnavailable (maxSurge 1) of canary Rollouts.
const argoMaxSurge: [string, number, IntOrPercent, number][] = [
  ['maxSurge with int', 10, 5, 5],
  ['maxSurge with percents', 10, '50%', 5],
];
for (const [name, replicas, surge, expected] of argoMaxSurge) {
  test(`${REPLICASET_TEST} TestMaxSurge: ${name}`, () => {
    assert.equal(canaryFenceposts(surge, 1, replicas).surge, expected);
  });
}
const argoMaxUnavailable: [string, number, IntOrPercent, number][] = [
  ['maxUnavailable less than replicas', 10, 5, 5],
  ['maxUnavailable equal replicas', 10, 10, 10],
  ['maxUnavailable greater than replicas', 5, 10, 5],
  ['maxUnavailable with replicas is 0', 0, 10, 0],
  ['maxUnavailable less than replicas with percents', 10, '50%', 5],
  ['maxUnavailable equal replicas with percents', 10, '100%', 10],
  ['maxUnavailable greater than replicas with percents', 5, '100%', 5],
];
for (const [name, replicas, unavailable, expected] of argoMaxUnavailable) {
  test(`${REPLICASET_TEST} TestMaxUnavailable: ${name}`, () => {
    assert.equal(canaryFenceposts(1, unavailable, replicas).unavailable, expected);
  });
}

// [replicas, weight, maxWeight, maxSurge, expCanary, expStable]
const approximate: [number, number, number, number, number, number][] = [
  [0, 0, 100, 0, 0, 0],
  [0, 50, 100, 0, 0, 0],
  [0, 100, 100, 0, 0, 0],
  [0, 0, 100, 1, 0, 0],
  [0, 50, 100, 1, 0, 0],
  [0, 100, 100, 1, 0, 0],
  [1, 0, 100, 0, 0, 1],
  [1, 1, 100, 0, 0, 1],
  [1, 49, 100, 0, 0, 1],
  [1, 50, 100, 0, 1, 0],
  [1, 99, 100, 0, 1, 0],
  [1, 100, 100, 0, 1, 0],
  [1, 0, 100, 1, 0, 1],
  [1, 1, 100, 1, 1, 1],
  [1, 49, 100, 1, 1, 1],
  [1, 50, 100, 1, 1, 1],
  [1, 99, 100, 1, 1, 1],
  [1, 100, 100, 1, 1, 0],
  [2, 0, 100, 0, 0, 2],
  [2, 1, 100, 0, 1, 1],
  [2, 50, 100, 0, 1, 1],
  [2, 99, 100, 0, 1, 1],
  [2, 100, 100, 0, 2, 0],
  [2, 0, 100, 1, 0, 2],
  [2, 1, 100, 1, 1, 2],
  [2, 50, 100, 1, 1, 1],
  [2, 99, 100, 1, 2, 1],
  [2, 100, 100, 1, 2, 0],
  [3, 10, 100, 0, 1, 2],
  [3, 25, 100, 0, 1, 2],
  [3, 33, 100, 0, 1, 2],
  [3, 34, 100, 0, 1, 2],
  [3, 49, 100, 0, 1, 2],
  [3, 50, 100, 0, 2, 1],
  [3, 10, 100, 1, 1, 3],
  [3, 25, 100, 1, 1, 3],
  [3, 33, 100, 1, 1, 2],
  [3, 34, 100, 1, 1, 2],
  [3, 49, 100, 1, 2, 2],
  [3, 50, 100, 1, 2, 2],
  [10, 0, 100, 1, 0, 10],
  [10, 1, 100, 0, 1, 9],
  [10, 14, 100, 0, 1, 9],
  [10, 15, 100, 0, 2, 8],
  [10, 16, 100, 0, 2, 8],
  [10, 99, 100, 0, 9, 1],
  [10, 100, 100, 1, 10, 0],
  [10, 0, 100, 1, 0, 10],
  [10, 1, 100, 1, 1, 10],
  [10, 18, 100, 1, 2, 9],
  [10, 19, 100, 1, 2, 9],
  [10, 20, 100, 1, 2, 8],
  [10, 23, 100, 1, 2, 8],
  [10, 24, 100, 1, 3, 8],
  [10, 25, 100, 1, 3, 8],
  [10, 99, 100, 1, 10, 1],
  [10, 100, 100, 1, 10, 0],
];
for (const [replicas, weight, maxWeight, surge, expCanary, expStable] of approximate) {
  test(`${CANARY_TEST} TestApproximateWeightedNewStableReplicaCounts replicas:${replicas} weight:${weight} maxweight:${maxWeight} surge:${surge}`, () => {
    assert.deepEqual(approximateWeightedCounts(replicas, weight, maxWeight, surge), {
      canary: expCanary,
      stable: expStable,
    });
  });
}

interface BasicRow {
  name: string;
  replicas: number;
  /** setWeight; promoteFull rows give the full weight. */
  weight: number;
  maxSurge: IntOrPercent;
  maxUnavailable: IntOrPercent;
  stable: [number, number];
  canary: [number, number];
  older?: [number, number];
  expStable: number;
  expCanary: number;
}
const row = (
  name: string,
  replicas: number,
  weight: number,
  maxSurge: IntOrPercent,
  maxUnavailable: IntOrPercent,
  stable: [number, number],
  canary: [number, number],
  expStable: number,
  expCanary: number,
  older?: [number, number],
): BasicRow => ({
  name,
  replicas,
  weight,
  maxSurge,
  maxUnavailable,
  stable,
  canary,
  expStable,
  expCanary,
  ...(older && { older }),
});
// TestCalculateReplicaCountsForCanary, the rows without trafficRouting: [spec, available] per set.
const basicRows: BasicRow[] = [
  row(
    'Do not add extra RSs in scaleDownCount when .Spec.Replica < AvailableReplicas',
    10,
    100,
    3,
    0,
    [7, 8],
    [6, 3],
    7,
    6,
  ),
  row('Use max surge int to scale up canary', 10, 20, 2, 0, [10, 10], [0, 0], 10, 2),
  row('Use max surge percentage to scale up canary', 10, 20, '20%', 0, [10, 10], [0, 0], 10, 2),
  row('Scale down extra stable replicas', 10, 20, '20%', 0, [10, 10], [2, 2], 8, 2),
  row('Do not go past max surge', 10, 30, 2, 0, [10, 10], [0, 0], 10, 2),
  row('Use max unavailable int to scale down stableRS', 10, 20, 0, 2, [10, 10], [0, 0], 8, 0),
  row('Use max surge percentage to scale down stableRS', 10, 20, 0, '20%', [10, 10], [0, 0], 8, 0),
  row('Do not go past max unavailable', 10, 30, 0, 2, [10, 10], [0, 0], 8, 0),
  row('Use Max Surge and Max Unavailable', 10, 50, 2, 1, [10, 10], [0, 0], 9, 2),
  row('Scale canaryRS to zero on setWeight of 0%', 10, 0, 1, 1, [10, 10], [1, 1], 10, 0),
  row('Scale stable to zero on setWeight of 100%', 10, 100, 1, 1, [1, 1], [10, 10], 0, 10),
  row('Do not scale canaryRS down to zero on non-zero weight', 1, 20, 1, 0, [1, 1], [0, 0], 1, 1),
  row('Do not scale canaryRS down to zero on non-100 weight', 1, 90, 1, 0, [1, 1], [0, 0], 1, 1),
  row('Scale canaryRS to zero on <50 weight without surge', 1, 49, 0, 1, [1, 1], [0, 0], 1, 0),
  row(
    'Scale stableRS down to zero on >=50 weight without surge',
    1,
    51,
    0,
    1,
    [1, 1],
    [0, 0],
    0,
    0,
  ),
  row(
    'Scale canaryRS to one on >=50 weight without surge and stable replicas',
    1,
    51,
    0,
    1,
    [0, 0],
    [0, 0],
    0,
    1,
  ),
  row('Scale up Stable before canaryRS', 10, 30, 1, 0, [1, 1], [0, 0], 7, 1, [3, 3]),
  row('Scale down canaryRS and stable', 10, 30, 0, 3, [8, 5], [4, 4], 7, 3),
  row('Scale down stable and canary available', 10, 100, 1, 0, [10, 2], [10, 8], 2, 9),
  row(
    'Do not scale down canaryRS or stable when older RS count >= scaleDownCount',
    10,
    30,
    0,
    1,
    [8, 6],
    [4, 2],
    8,
    4,
    [3, 3],
  ),
  row(
    'Do not round past maxSurge with uneven setWeight divisor',
    10,
    5,
    0,
    1,
    [10, 10],
    [0, 0],
    9,
    0,
  ),
  row(
    'Do not round past maxSurge with uneven setWeight divisor (part 2)',
    10,
    5,
    0,
    1,
    [9, 9],
    [0, 0],
    9,
    1,
  ),
  row(
    'Use maxUnavailable of 1 when percentage of maxUnavailable and maxSurge result in 0 replicas',
    10,
    10,
    '0%',
    '0%',
    [10, 10],
    [0, 0],
    9,
    0,
  ),
  row(
    'Ignore setCanaryScale when trafficRouting is missing and use setWeight for replicas',
    10,
    20,
    '20%',
    0,
    [10, 10],
    [0, 0],
    10,
    2,
  ),
  row(
    'honor maxSurge during scale up when stableRS unavailable',
    4,
    100,
    1,
    0,
    [4, 1],
    [0, 0],
    4,
    1,
  ),
  row('scale down to maxunavailable without exceeding maxSurge', 3, 99, 0, 2, [3, 3], [0, 0], 1, 0),
  row(
    'scale down to maxunavailable without exceeding maxSurge (part 2)',
    3,
    99,
    0,
    2,
    [1, 1],
    [0, 0],
    1,
    2,
  ),
  row(
    'honor maxUnavailable during scale down stableRS unavailable',
    4,
    100,
    1,
    0,
    [4, 1],
    [1, 1],
    3,
    1,
  ),
  row(
    'honor maxUnavailable when aborting or reducing weight part 1',
    4,
    0,
    1,
    0,
    [0, 0],
    [4, 4],
    1,
    4,
  ),
  row(
    'honor maxUnavailable when aborting or reducing weight part 2',
    4,
    0,
    1,
    0,
    [1, 0],
    [4, 4],
    1,
    4,
  ),
  row(
    'honor maxUnavailable when aborting or reducing weight part 3',
    4,
    0,
    1,
    0,
    [1, 1],
    [4, 4],
    1,
    3,
  ),
  row('promote full does not consider weight', 4, 100, 4, 4, [4, 4], [0, 0], 0, 4),
  row('promote full still honors maxSurge/maxUnavailable', 4, 100, 3, 0, [4, 4], [0, 0], 4, 3),
];
const set = ([replicas, available]: [number, number]): CanarySet => ({ replicas, available });
for (const r of basicRows) {
  test(`${CANARY_TEST} TestCalculateReplicaCountsForCanary: ${r.name}`, () => {
    const { surge, unavailable } = canaryFenceposts(r.maxSurge, r.maxUnavailable, r.replicas);
    const counts = basicCanaryCounts({
      replicas: r.replicas,
      weight: r.weight,
      maxWeight: 100,
      maxSurge: surge,
      maxUnavailable: unavailable,
      canary: set(r.canary),
      stable: set(r.stable),
      otherReplicas: r.older?.[0] ?? 0,
    });
    assert.deepEqual(counts, { canary: r.expCanary, stable: r.expStable });
  });
}

// The traffic-routed rows: the canary's size from setCanaryScale or the weight, the stable left at spec.
interface TrafficRow {
  name: string;
  replicas: number;
  steps: CanaryStep[];
  promoteFull?: boolean;
  abort?: boolean;
  abortKeepsCanary?: boolean;
  minPods?: number;
  expStable: number;
  expCanary: number;
}
const trafficRows: TrafficRow[] = [
  {
    name: 'For canary replicas, use setCanaryScale.replicas when specified along with trafficRouting (and ignore setWeight)',
    replicas: 1,
    steps: [{ setWeight: 100, setCanaryScale: { replicas: 9 } }],
    expStable: 1,
    expCanary: 9,
  },
  {
    name: 'Use setCanaryScale.weight for canary replicas when specified with trafficRouting (and ignore setWeight)',
    replicas: 4,
    steps: [{ setWeight: 100, setCanaryScale: { weight: 200 } }],
    expStable: 4,
    expCanary: 8,
  },
  {
    name: 'Ignore setCanaryScale replicas/weight when matchTrafficWeight is true',
    replicas: 10,
    steps: [
      { setWeight: 20, setCanaryScale: { replicas: 9, weight: 100, matchTrafficWeight: true } },
    ],
    expStable: 10,
    expCanary: 2,
  },
  {
    name: 'aborted with abortScaleDownDelaySeconds:0 and setCanaryScale',
    replicas: 1,
    steps: [{ setWeight: 0, setCanaryScale: { replicas: 1 } }],
    abort: true,
    abortKeepsCanary: true,
    expStable: 1,
    expCanary: 1,
  },
  {
    name: 'aborted with abortScaleDownDelaySeconds>0 and setCanaryScale',
    replicas: 1,
    steps: [{ setWeight: 0, setCanaryScale: { replicas: 1 } }],
    abort: true,
    expStable: 1,
    expCanary: 0,
  },
  {
    name: 'Honor MinPodsPerReplicaSet when using trafficRouting and starting canary',
    replicas: 10,
    steps: [{ setWeight: 5 }],
    minPods: 2,
    expStable: 10,
    expCanary: 2,
  },
  {
    name: 'Cap MinPodsPerReplicaSet when it exceeds rollout replicas with trafficRouting',
    replicas: 1,
    steps: [{ setWeight: 100 }],
    promoteFull: true,
    minPods: 2,
    expStable: 1,
    expCanary: 1,
  },
];
for (const r of trafficRows) {
  test(`${CANARY_TEST} TestCalculateReplicaCountsForCanary: ${r.name}`, () => {
    const { replicas, weight } = canaryReplicasOrWeight({
      steps: r.steps,
      stepIndex: 0,
      maxWeight: 100,
      trafficRouting: true,
      fullWeight: r.promoteFull === true,
      abort: r.abort === true,
      abortKeepsCanary: r.abortKeepsCanary === true,
    });
    const counts = trafficRoutedCanaryCounts({
      replicas: r.replicas,
      weight,
      maxWeight: 100,
      ...(replicas !== undefined && { canaryReplicas: replicas }),
      dynamicStableScale: false,
      ...(r.minPods !== undefined && { minPodsPerReplicaSet: r.minPods }),
    });
    assert.deepEqual(counts, { canary: r.expCanary, stable: r.expStable });
  });
}

test(`${CANARY_TEST} TestCalculateReplicaCountsForCanaryTrafficRouting`, () => {
  assert.deepEqual(
    trafficRoutedCanaryCounts({
      replicas: 10,
      weight: 10,
      maxWeight: 100,
      dynamicStableScale: false,
    }),
    { canary: 1, stable: 10 },
  );
});

// TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale, the rows without abort (setWeight is the
// helper's second argument, 10 and 20 here).
const dynamicRows: [string, number, number, number, number, number, number][] = [
  // name, replicas, setWeight, canary weight, stable weight, expCanary, expStable
  ['Should scale down stable', 10, 10, 10, 90, 1, 9],
  ['Should take max of desired canary (20) > actual (10)', 10, 20, 10, 90, 2, 9],
];
for (const [
  name,
  replicas,
  setWeight,
  canaryWeight,
  stableWeight,
  expCanary,
  expStable,
] of dynamicRows) {
  test(`${CANARY_TEST} TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale: ${name}`, () => {
    const counts = trafficRoutedCanaryCounts({
      replicas,
      weight: setWeight,
      maxWeight: 100,
      dynamicStableScale: true,
      weights: { canary: canaryWeight, stable: stableWeight },
    });
    assert.deepEqual(counts, { canary: expCanary, stable: expStable });
  });
}

test(`${CANARY_TEST} TestCalculateReplicaCountsForNewDeployment: the stable set is the new set`, () => {
  // newRS and stableRS are the same set: no distinct stable, so straight to full size.
  const counts = basicCanaryCounts({
    replicas: 10,
    weight: 10,
    maxWeight: 100,
    maxSurge: 0,
    maxUnavailable: 1,
    canary: { replicas: 10, available: 0 },
    otherReplicas: 0,
  });
  assert.deepEqual(counts, { canary: 10, stable: 0 });
});

test(`${CANARY_TEST} TestCalculateReplicaCountsForCanaryStableRSdEdgeCases`, () => {
  const counts = basicCanaryCounts({
    replicas: 10,
    weight: 100,
    maxWeight: 100,
    maxSurge: 0,
    maxUnavailable: 1,
    canary: { replicas: 9, available: 9 },
    otherReplicas: 0,
  });
  assert.deepEqual(counts, { canary: 10, stable: 0 });
});

const toReplicas: [number, number, number, number][] = [
  [10, 0, 100, 0],
  [10, 20, 100, 2],
  [10, 25, 100, 3],
  [10, 33, 100, 4],
  [10, 99, 100, 10],
  [10, 100, 100, 10],
  [23, 100000000, 100000000, 23],
];
for (const [replicas, weight, maxWeight, expected] of toReplicas) {
  test(`${CANARY_TEST} TestTrafficWeightToReplicas(${replicas}, ${weight}, ${maxWeight})`, () => {
    assert.equal(trafficWeightToReplicas(replicas, weight, maxWeight), expected);
  });
}

const scaleDownRows: [string, CanarySet | undefined, boolean, number][] = [
  ['test rs is nil', undefined, false, 0],
  ['test expected replicas is less than actual replicas', { replicas: 3, available: 5 }, false, 3],
  ['test ignore availability', { replicas: 3, available: 2 }, true, 3],
  ['test not ignore availability', { replicas: 3, available: 2 }, false, 2],
];
for (const [name, rs, ignore, expected] of scaleDownRows) {
  test(`${CANARY_TEST} TestGetReplicasForScaleDown: ${name}`, () => {
    assert.equal(replicasForScaleDown(rs, ignore), expected);
  });
}

test(`${CANARY_TEST} TestGetCurrentSetWeight`, () => {
  const steps = [{ setWeight: 10 }];
  assert.equal(currentSetWeight(steps, 1, 100), 100);
  assert.equal(currentSetWeight(steps, 0, 100), 10);
  assert.equal(
    canaryReplicasOrWeight({
      steps,
      stepIndex: 0,
      maxWeight: 100,
      trafficRouting: false,
      fullWeight: false,
      abort: true,
      abortKeepsCanary: false,
    }).weight,
    0,
  );
});

// --- The walk: worked by hand from the arithmetic above ---------------------------------------------
test('walk: maxSurge 100%, steps 20%: the stable set shrinks first, so a 20% step never surges', () => {
  // 10 replicas, surge 10, unavailable 2. Step 20%: stable 10 -> 8, then canary 0 -> 2 (10 pods).
  // Full weight: stable 8 -> 6 (maxUnavailable 2), then canary 2 -> 10 (16 pods), stable 6 -> 0 as it
  // becomes available. Never replicas + maxSurge = 20.
  const { pods, complete } = basicCanaryWalk({
    replicas: 10,
    steps: [{ setWeight: 20 }, { pause: true }],
    maxWeight: 100,
    ...canaryFencepostsOf('100%', '25%', 10),
    stable: 10,
    canary: 0,
    others: [],
    startStep: 0,
  });
  assert.equal(Math.max(...pods), 16);
  assert.equal(pods.at(-1), 10);
  assert.ok(complete);
});

test('walk: 25%/25% of 10 reaches 13 at the final promotion, not before', () => {
  const { pods, complete } = basicCanaryWalk({
    replicas: 10,
    steps: [{ setWeight: 20 }, { pause: true }, { setWeight: 50 }, { pause: true }],
    maxWeight: 100,
    ...canaryFencepostsOf('25%', '25%', 10),
    stable: 10,
    canary: 0,
    others: [],
    startStep: 0,
  });
  assert.deepEqual(pods, [10, 8, 10, 8, 11, 10, 8, 13, 10]);
  assert.ok(complete);
});

test('walk: an interrupted canary set goes down before the new one grows', () => {
  // 10 replicas, surge 3, unavailable 2; the old canary of 5 beside a stable of 5.
  const { pods, complete } = basicCanaryWalk({
    replicas: 10,
    steps: [{ setWeight: 10 }],
    maxWeight: 100,
    ...canaryFencepostsOf('25%', '25%', 10),
    stable: 5,
    canary: 0,
    others: [5],
    startStep: 0,
  });
  assert.ok(Math.max(...pods) <= 13);
  assert.equal(pods.at(-1), 10);
  assert.ok(complete);
});

function canaryFencepostsOf(
  maxSurge: IntOrPercent,
  maxUnavailable: IntOrPercent,
  replicas: number,
): { maxSurge: number; maxUnavailable: number } {
  const f = canaryFenceposts(maxSurge, maxUnavailable, replicas);
  return { maxSurge: f.surge, maxUnavailable: f.unavailable };
}

test('walk: a rollout too long to walk within the bound says so, and the peak falls back to replicas + maxSurge', () => {
  // 100000 replicas, maxSurge 1, maxUnavailable 0: one pod per reconcile, far beyond the bound.
  const { complete } = basicCanaryWalk({
    replicas: 100_000,
    steps: [{ setWeight: 50 }],
    maxWeight: 100,
    maxSurge: 1,
    maxUnavailable: 0,
    stable: 100_000,
    canary: 0,
    others: [],
    startStep: 0,
  });
  assert.equal(complete, false);
});

// TestGetCanaryReplicasOrWeight (GetCanaryReplicasOrWeight with no sets): a Rollout without stableRS heads
// for the full weight, as a full promotion does.
const replicasOrWeight: [
  string,
  Parameters<typeof canaryReplicasOrWeight>[0],
  { replicas?: number; weight: number },
][] = [
  [
    'test full promote rollout',
    {
      steps: [],
      stepIndex: 0,
      maxWeight: 100,
      trafficRouting: false,
      fullWeight: true,
      abort: false,
      abortKeepsCanary: false,
    },
    { weight: 100 },
  ],
  [
    'test canary step weight',
    {
      steps: [{ setWeight: 10 }, { setCanaryScale: { weight: 20 } }],
      stepIndex: 1,
      maxWeight: 100,
      trafficRouting: true,
      fullWeight: false,
      abort: false,
      abortKeepsCanary: false,
    },
    { weight: 20 },
  ],
  [
    'test canary step replicas',
    {
      steps: [{ setWeight: 10 }, { setCanaryScale: { replicas: 5 } }],
      stepIndex: 1,
      maxWeight: 100,
      trafficRouting: true,
      fullWeight: false,
      abort: false,
      abortKeepsCanary: false,
    },
    { replicas: 5, weight: 0 },
  ],
  [
    'test get current step weight',
    {
      steps: [],
      stepIndex: 0,
      maxWeight: 100,
      trafficRouting: false,
      fullWeight: true,
      abort: true,
      abortKeepsCanary: false,
    },
    { weight: 100 },
  ],
];
for (const [name, position, expected] of replicasOrWeight) {
  test(`${CANARY_TEST} TestGetCanaryReplicasOrWeight: ${name}`, () => {
    assert.deepEqual(canaryReplicasOrWeight(position), expected);
  });
}
