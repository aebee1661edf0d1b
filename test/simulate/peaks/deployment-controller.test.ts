import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentStrategy, IntOrPercent } from '../../../src/cluster/model.js';
import { resolveFenceposts } from '../../../src/simulate/int-or-percent.js';
import {
  cleanupUnhealthyReplicas,
  maxUnavailable,
  minAvailable,
  newRSNewReplicas,
  reconcileNewReplicaSet,
  reconcileOldReplicaSets,
  replicaSetFraction,
  rollingUpdateWalk,
  scaleDownOldReplicaSetsForRollingUpdate,
  scaleSets,
  type DeploymentView,
  type SetView,
} from '../../../src/simulate/peaks/deployment-controller.js';

/*
 * Tables ported from kubernetes/kubernetes, each row with the inputs its table gives and the value it
 * asserts. Where a Go helper fills a field (newDeployment: RollingUpdate, maxSurge 0, maxUnavailable 0 unless
 * given; rs(): no status), the row spells the value out.
 */
const UTIL = 'kubernetes/kubernetes pkg/controller/deployment/util/deployment_util_test.go';
const ROLLING = 'kubernetes/kubernetes pkg/controller/deployment/rolling_test.go';
const SYNC = 'kubernetes/kubernetes pkg/controller/deployment/sync_test.go';

const rolling = (maxSurge: IntOrPercent, maxUnavailable: IntOrPercent): DeploymentStrategy => ({
  type: 'RollingUpdate',
  maxSurge,
  maxUnavailable,
});
const dep = (
  replicas: number,
  strategy: DeploymentStrategy,
  statusReplicas = 0,
): DeploymentView => ({
  replicas,
  strategy,
  statusReplicas,
});
const set = (name: string, replicas: number, o: Partial<SetView> = {}): SetView => ({
  name,
  replicas,
  availableReplicas: 0,
  createdMs: 0,
  ...o,
});

// --- ResolveFenceposts ----------------------------------------------------------------------------
// A nil value is ValueOrDefault(nil, 0), so those rows pass 0. The two rows with unparsable strings
// ("oops", "urg") are left out: the reader rejects such a field with its path before any arithmetic.
const fenceposts: [IntOrPercent, IntOrPercent, number, number, number][] = [
  ['0%', '0%', 0, 0, 1],
  ['39%', '39%', 10, 4, 3],
  [0, '39%', 10, 0, 3],
  ['39%', 0, 10, 4, 0],
  [0, 0, 10, 0, 1],
];
for (const [
  i,
  [surge, unavailable, desired, expectSurge, expectUnavailable],
] of fenceposts.entries()) {
  test(`${UTIL} TestResolveFenceposts #${i}: ${surge}/${unavailable} of ${desired}`, () => {
    assert.deepEqual(resolveFenceposts(surge, unavailable, desired), {
      surge: expectSurge,
      unavailable: expectUnavailable,
    });
  });
}

// --- MaxUnavailable / MinAvailable (maxSurge 1 in both tables) -------------------------------------
const maxUnavailableRows: [string, DeploymentView, number][] = [
  ['maxUnavailable less than replicas', dep(10, rolling(1, 5)), 5],
  ['maxUnavailable equal replicas', dep(10, rolling(1, 10)), 10],
  ['maxUnavailable greater than replicas', dep(5, rolling(1, 10)), 5],
  ['maxUnavailable with replicas is 0', dep(0, rolling(1, 10)), 0],
  ['maxUnavailable with Recreate deployment strategy', dep(0, { type: 'Recreate' }), 0],
  ['maxUnavailable less than replicas with percents', dep(10, rolling(1, '50%')), 5],
  ['maxUnavailable equal replicas with percents', dep(10, rolling(1, '100%')), 10],
  ['maxUnavailable greater than replicas with percents', dep(5, rolling(1, '100%')), 5],
];
for (const [name, d, expected] of maxUnavailableRows) {
  test(`${UTIL} TestMaxUnavailable: ${name}`, () => {
    assert.equal(maxUnavailable(d), expected);
  });
}
const minAvailableRows: [string, DeploymentView, number][] = [
  ['replicas greater than maxUnavailable', dep(10, rolling(1, 5)), 5],
  ['replicas equal maxUnavailable', dep(10, rolling(1, 10)), 0],
  ['replicas less than maxUnavailable', dep(5, rolling(1, 10)), 0],
  ['replicas is 0', dep(0, rolling(1, 10)), 0],
  ['minAvailable with Recreate deployment strategy', dep(10, { type: 'Recreate' }), 0],
  ['replicas greater than maxUnavailable with percents', dep(10, rolling(1, '60%')), 4],
  ['replicas equal maxUnavailable with percents', dep(10, rolling(1, '100%')), 0],
  ['replicas less than maxUnavailable with percents', dep(5, rolling(1, '100%')), 0],
];
for (const [name, d, expected] of minAvailableRows) {
  test(`${UTIL} TestMinAvailable: ${name}`, () => {
    assert.equal(minAvailable(d), expected);
  });
}

// --- NewRSNewReplicas: allRSs is one other set of 5, maxUnavailable 1 ------------------------------
const newRSRows: [string, DeploymentStrategy['type'], number, number, number, number][] = [
  ['can not scale up - to newRSReplicas', 'RollingUpdate', 1, 5, 1, 5],
  ['scale up - to depReplicas', 'RollingUpdate', 6, 2, 10, 6],
  ['recreate - to depReplicas', 'Recreate', 3, 1, 1, 3],
];
for (const [name, type, depReplicas, newRSReplicas, surge, expected] of newRSRows) {
  test(`${UTIL} TestNewRSNewReplicas: ${name}`, () => {
    const d = dep(depReplicas, { type, maxSurge: surge, maxUnavailable: 1 });
    assert.equal(newRSNewReplicas(d, 5, newRSReplicas), expected);
  });
}

// --- getReplicaSetFraction (maxUnavailable 1) --------------------------------------------------------
const fractionRows: [string, number, number, number, number, number | undefined, number][] = [
  // name, deployment replicas, status.replicas, maxSurge, rs replicas, max-replicas annotation, fraction
  ['empty deployment always scales to 0', 0, 0, 0, 10, undefined, -10],
  [
    'unsynced deployment does not scale when max-replicas annotation is missing (removed by a 3rd party)',
    10,
    0,
    0,
    5,
    undefined,
    0,
  ],
  [
    'unsynced deployment does not scale when max-replicas annotation is incorrectly set to 0 (by a 3rd party)',
    10,
    0,
    0,
    5,
    0,
    0,
  ],
  [
    'scale up by 1/5 should increase RS replicas by 1/5 when max-replicas annotation is missing (removed by a 3rd party)',
    120,
    100,
    0,
    50,
    undefined,
    10,
  ],
  [
    'scale up by 1/5 should increase RS replicas by 1/5 when max-replicas annotation is incorrectly set to 0 (by a 3rd party)',
    120,
    100,
    0,
    50,
    0,
    10,
  ],
  ['scale up by 1/5 should increase RS replicas by 1/5', 120, 0, 0, 50, 100, 10],
  [
    'scale up with maxSurge by 1/5 should increase RS replicas approximately by 1/5',
    120,
    0,
    10,
    50,
    110,
    9,
  ],
  ['scale down by 1/6 should decrease RS replicas by 1/6', 10, 0, 0, 6, 12, -1],
  [
    'scale down with maxSurge by 1/6 should decrease RS replicas approximately by 1/6',
    100,
    0,
    10,
    50,
    130,
    -8,
  ],
];
for (const [name, replicas, status, surge, rsReplicas, annotation, expected] of fractionRows) {
  test(`${UTIL} TestGetReplicaSetFraction: ${name}`, () => {
    const rs = set('rs', rsReplicas, annotation === undefined ? {} : { maxReplicas: annotation });
    assert.equal(replicaSetFraction(rs, dep(replicas, rolling(surge, 1), status)), expected);
  });
}

// --- reconcileNewReplicaSet: the old and the new set, maxUnavailable 0 ------------------------------
const reconcileNewRows: [number, number, number, number, number | undefined][] = [
  // deploymentReplicas, maxSurge, oldReplicas, newReplicas, expectedNewReplicas (undefined: no scaling)
  [10, 0, 10, 0, undefined],
  [10, 2, 10, 0, 2],
  [10, 2, 5, 0, 7],
  [10, 2, 10, 2, undefined],
  [10, 2, 2, 11, 10],
];
for (const [
  i,
  [replicas, surge, oldReplicas, newReplicas, expected],
] of reconcileNewRows.entries()) {
  test(`${ROLLING} TestDeploymentController_reconcileNewReplicaSet #${i}`, () => {
    const d = dep(replicas, rolling(surge, 0));
    assert.equal(reconcileNewReplicaSet(d, oldReplicas + newReplicas, newReplicas), expected);
  });
}

// --- reconcileOldReplicaSets: maxSurge 0; availability from the ready pods ---------------------------
const reconcileOldRows: [number, number, number, number, number, number, boolean, number][] = [
  // replicas, maxUnavailable, old, new, ready old, ready new, scaleExpected, expectedOldReplicas
  [10, 0, 10, 0, 10, 0, true, 9],
  [10, 2, 10, 0, 10, 0, true, 8],
  [10, 2, 10, 0, 8, 0, true, 8],
  [10, 2, 10, 0, 9, 0, true, 8],
  [10, 2, 8, 2, 8, 0, false, 8],
];
for (const [i, row] of reconcileOldRows.entries()) {
  const [replicas, unavailable, oldN, newN, readyOld, readyNew, scaleExpected, expectedOld] = row;
  test(`${ROLLING} TestDeploymentController_reconcileOldReplicaSets #${i}`, () => {
    const d = dep(replicas, rolling(0, unavailable));
    const olds = [set('foo-old', oldN, { availableReplicas: readyOld })];
    const result = reconcileOldReplicaSets(
      d,
      olds,
      set('foo-new', newN, { availableReplicas: readyNew }),
    );
    assert.equal(result !== undefined, scaleExpected);
    assert.equal((result ?? olds)[0]?.replicas, expectedOld);
  });
}

// --- cleanupUnhealthyReplicas: one old set of 10, deployment 10 with maxSurge 2, maxUnavailable 2 ----
const cleanupRows: [number, number, number, number][] = [
  // oldReplicas, readyPods, maxCleanupCount, cleanupCountExpected
  [10, 8, 1, 1],
  [10, 8, 3, 2],
  [10, 8, 0, 0],
  [10, 10, 3, 0],
];
for (const [i, [oldN, ready, maxCleanup, expected]] of cleanupRows.entries()) {
  test(`${ROLLING} TestDeploymentController_cleanupUnhealthyReplicas #${i}`, () => {
    const { cleanedUp } = cleanupUnhealthyReplicas(
      [set('foo-v2', oldN, { availableReplicas: ready })],
      maxCleanup,
    );
    assert.equal(cleanedUp, expected);
  });
}

// --- scaleDownOldReplicaSetsForRollingUpdate: maxSurge 0, allRSs is the old set alone ---------------
const scaleDownRows: [number, number, number, number, number | undefined][] = [
  // replicas, maxUnavailable, readyPods, oldReplicas, expectedOldReplicas (undefined: no scaling)
  [10, 0, 10, 10, 9],
  [10, 2, 10, 10, 8],
  [10, 2, 8, 10, undefined],
  [10, 2, 10, 0, undefined],
  [10, 2, 1, 10, undefined],
];
for (const [i, [replicas, unavailable, ready, oldN, expected]] of scaleDownRows.entries()) {
  test(`${ROLLING} TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate #${i}`, () => {
    const old = set('foo-v2', oldN, { availableReplicas: ready });
    const { sets, scaledDown } = scaleDownOldReplicaSetsForRollingUpdate(
      dep(replicas, rolling(0, unavailable)),
      [old],
      [old],
    );
    if (expected === undefined) assert.equal(scaledDown, 0);
    else assert.equal(sets[0]?.replicas, expected);
  });
}

// --- TestScale: proportional scaling. Every set carries the annotations the test writes from the old
// Deployment: desired-replicas = its replicas, max-replicas = that + MaxSurge(old Deployment). ---------
const NEW = Date.parse('2016-05-20T02:00:00Z');
const OLD = Date.parse('2016-05-20T01:00:00Z');
const OLDER = Date.parse('2016-05-20T00:00:00Z');
interface ScaleRow {
  name: string;
  replicas: number;
  surge?: number;
  unavailable?: number;
  /** desired-replicas and max-replicas annotations on every set. */
  annotated: [number, number];
  newRS?: [string, number, number?];
  oldRSs: [string, number, number][];
  expected: Record<string, number>;
  /** Per-set desired-replicas overrides (desiredReplicasAnnotations), max-replicas likewise. */
  overrides?: Record<string, number>;
}
const scaleRows: ScaleRow[] = [
  {
    name: 'normal scaling event: 10 -> 12',
    replicas: 12,
    annotated: [10, 10],
    newRS: ['foo-v1', 10],
    oldRSs: [],
    expected: { 'foo-v1': 12 },
  },
  {
    name: 'normal scaling event: 10 -> 5',
    replicas: 5,
    annotated: [10, 10],
    newRS: ['foo-v1', 10],
    oldRSs: [],
    expected: { 'foo-v1': 5 },
  },
  {
    name: 'proportional scaling: 5 -> 10',
    replicas: 10,
    annotated: [5, 5],
    newRS: ['foo-v2', 2],
    oldRSs: [['foo-v1', 3, OLD]],
    expected: { 'foo-v2': 4, 'foo-v1': 6 },
  },
  {
    name: 'proportional scaling: 5 -> 3',
    replicas: 3,
    annotated: [5, 5],
    newRS: ['foo-v2', 2],
    oldRSs: [['foo-v1', 3, OLD]],
    expected: { 'foo-v2': 1, 'foo-v1': 2 },
  },
  {
    name: 'proportional scaling: 9 -> 4',
    replicas: 4,
    annotated: [9, 9],
    newRS: ['foo-v2', 8],
    oldRSs: [['foo-v1', 1, OLD]],
    expected: { 'foo-v2': 4, 'foo-v1': 0 },
  },
  {
    name: 'proportional scaling: 7 -> 10',
    replicas: 10,
    annotated: [7, 7],
    newRS: ['foo-v3', 2],
    oldRSs: [
      ['foo-v2', 3, OLD],
      ['foo-v1', 2, OLDER],
    ],
    expected: { 'foo-v3': 3, 'foo-v2': 4, 'foo-v1': 3 },
  },
  {
    name: 'proportional scaling: 13 -> 8',
    replicas: 8,
    annotated: [13, 13],
    newRS: ['foo-v3', 2],
    oldRSs: [
      ['foo-v2', 8, OLD],
      ['foo-v1', 3, OLDER],
    ],
    expected: { 'foo-v3': 1, 'foo-v2': 5, 'foo-v1': 2 },
  },
  {
    name: 'leftover distribution: 3 -> 4',
    replicas: 4,
    annotated: [3, 3],
    newRS: ['foo-v3', 1],
    oldRSs: [
      ['foo-v2', 1, OLD],
      ['foo-v1', 1, OLDER],
    ],
    expected: { 'foo-v3': 2, 'foo-v2': 1, 'foo-v1': 1 },
  },
  {
    name: 'leftover distribution: 3 -> 2',
    replicas: 2,
    annotated: [3, 3],
    newRS: ['foo-v3', 1],
    oldRSs: [
      ['foo-v2', 1, OLD],
      ['foo-v1', 1, OLDER],
    ],
    expected: { 'foo-v3': 1, 'foo-v2': 1, 'foo-v1': 0 },
  },
  {
    name: 'proportional scaling (no new rs): 4 -> 5',
    replicas: 5,
    annotated: [4, 4],
    oldRSs: [
      ['foo-v2', 2, OLD],
      ['foo-v1', 2, OLDER],
    ],
    expected: { 'foo-v2': 3, 'foo-v1': 2 },
  },
  {
    name: 'proportional scaling: 6 -> 0',
    replicas: 0,
    annotated: [6, 6],
    newRS: ['foo-v3', 3],
    oldRSs: [
      ['foo-v2', 2, OLD],
      ['foo-v1', 1, OLDER],
    ],
    expected: { 'foo-v3': 0, 'foo-v2': 0, 'foo-v1': 0 },
  },
  {
    name: 'proportional scaling: 0 -> 6',
    replicas: 6,
    annotated: [6, 6],
    newRS: ['foo-v3', 0],
    oldRSs: [
      ['foo-v2', 0, OLD],
      ['foo-v1', 0, OLDER],
    ],
    expected: { 'foo-v3': 6, 'foo-v2': 0, 'foo-v1': 0 },
  },
  {
    name: 'failed rs update',
    replicas: 5,
    annotated: [5, 5],
    overrides: { 'foo-v2': 3 },
    newRS: ['foo-v3', 2],
    oldRSs: [
      ['foo-v2', 1, OLD],
      ['foo-v1', 1, OLDER],
    ],
    // foo-v3 and foo-v1 are in wasntUpdated: the test expects their sizes as given.
    expected: { 'foo-v3': 2, 'foo-v2': 2, 'foo-v1': 1 },
  },
  {
    name: 'deployment with surge pods',
    replicas: 20,
    surge: 2,
    annotated: [10, 12],
    newRS: ['foo-v2', 6],
    oldRSs: [['foo-v1', 6, OLD]],
    expected: { 'foo-v2': 11, 'foo-v1': 11 },
  },
  {
    name: 'change both surge and size',
    replicas: 50,
    surge: 6,
    annotated: [10, 13],
    newRS: ['foo-v2', 5],
    oldRSs: [['foo-v1', 8, OLD]],
    expected: { 'foo-v2': 22, 'foo-v1': 34 },
  },
  {
    name: 'change both size and template',
    replicas: 14,
    annotated: [10, 10],
    oldRSs: [
      ['foo-v2', 7, NEW],
      ['foo-v1', 3, OLD],
    ],
    expected: { 'foo-v2': 10, 'foo-v1': 4 },
  },
  {
    name: 'saturated but broken new replica set does not affect old pods',
    replicas: 2,
    surge: 1,
    unavailable: 1,
    annotated: [2, 3],
    newRS: ['foo-v2', 2, 0],
    oldRSs: [['foo-v1', 1, OLD]],
    expected: { 'foo-v2': 2, 'foo-v1': 1 },
  },
];
for (const row of scaleRows) {
  test(`${SYNC} TestScale: ${row.name}`, () => {
    const d = dep(row.replicas, rolling(row.surge ?? 0, row.unavailable ?? 0));
    const annotations = (name: string): Partial<SetView> => {
      const desired = row.overrides?.[name] ?? row.annotated[0];
      const extra = row.annotated[1] - row.annotated[0];
      return { desiredReplicas: desired, maxReplicas: desired + extra };
    };
    const newSet = row.newRS
      ? set(row.newRS[0], row.newRS[1], {
          createdMs: NEW,
          availableReplicas: row.newRS[2] ?? 0,
          ...annotations(row.newRS[0]),
        })
      : undefined;
    const oldSets = row.oldRSs.map(([name, n, created]) =>
      set(name, n, { createdMs: created, ...annotations(name) }),
    );
    assert.deepEqual(Object.fromEntries(scaleSets(d, newSet, oldSets)), row.expected);
  });
}

// --- The walk, against the bounds NewRSNewReplicas sets ---------------------------------------------
test('walk: 10 replicas, 25%/25%: the new set starts at the surge, then old and new trade places', () => {
  const pods = rollingUpdateWalk(dep(10, rolling('25%', '25%')), [set('old', 10)]);
  assert.equal(pods[0], 10);
  assert.equal(Math.max(...pods), 13);
  assert.equal(pods.at(-1), 10);
});

test('walk: maxSurge above the replicas: the new set is capped at the replicas (NewRSNewReplicas)', () => {
  // 3 replicas, maxSurge 300% = 9: the total may reach 12, but the new set never exceeds 3.
  const pods = rollingUpdateWalk(dep(3, rolling('300%', 0)), [set('old', 3)]);
  assert.deepEqual(pods, [3, 6, 3]);
});

test('walk: maxSurge 0, maxUnavailable 1: one old pod goes before each new one, never above 4', () => {
  const pods = rollingUpdateWalk(dep(4, rolling(0, 1)), [set('old', 4)]);
  assert.equal(Math.max(...pods), 4);
  assert.equal(pods.at(-1), 4);
});
