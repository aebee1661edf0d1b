import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blueGreenNewSetReplicas,
  retainedDuringDelay,
  type BlueGreenNewSetInput,
} from '../../../src/simulate/peaks/argo-blue-green.js';

/*
 * Ported from argoproj/argo-rollouts. utils/replicaset/replicaset_test.go
 * TestNewRSNewReplicasWitPreviewReplicaCount: replicas 10, previewReplicaCount 1, the new set "foo", the other
 * "bar", status.currentPodHash "foo" unless the row overrides it, not paused.
 */
const REPLICASET_TEST = 'argoproj/argo-rollouts utils/replicaset/replicaset_test.go';
const BLUEGREEN_TEST = 'argoproj/argo-rollouts rollout/bluegreen_test.go';

const preview = (o: Partial<BlueGreenNewSetInput>): BlueGreenNewSetInput => ({
  replicas: 10,
  previewReplicaCount: 1,
  activeIsOther: true,
  promoteFull: false,
  newSetIsCurrent: true,
  notPaused: true,
  scaleUpPreviewCheckPoint: false,
  ...o,
});
const previewRows: [string, BlueGreenNewSetInput, number][] = [
  ['No active rs is set', preview({ activeIsOther: false }), 10],
  ['Active rs is the new RS', preview({ activeIsOther: false }), 10],
  [
    "Rollout's currentPodHash doesn't match up",
    preview({ newSetIsCurrent: false, scaleUpPreviewCheckPoint: true }),
    1,
  ],
  ['Rollout is unpaused and ready to scale up', preview({ scaleUpPreviewCheckPoint: true }), 10],
  ['The rollout should use the preview value', preview({}), 1],
  ['Ignore preview replica count during promote full', preview({ promoteFull: true }), 10],
];
for (const [name, input, expected] of previewRows) {
  test(`${REPLICASET_TEST} TestNewRSNewReplicasWitPreviewReplicaCount: ${name}`, () => {
    assert.equal(blueGreenNewSetReplicas(input), expected);
  });
}

test(`${REPLICASET_TEST} TestNewRSNewReplicas: blue/green without previewReplicaCount runs the replicas`, () => {
  const { previewReplicaCount, ...rest } = preview({});
  assert.equal(previewReplicaCount, 1);
  assert.equal(blueGreenNewSetReplicas(rest), 10);
});

// Scenarios from rollout/bluegreen_test.go, one replica each, as the pods the old sets keep.
test(`${BLUEGREEN_TEST} TestBlueGreenScaleDownLimit: two old sets inside their delay, limit 1: one is kept`, () => {
  assert.equal(retainedDuringDelay([1, 1], 1, 1), 1);
});

test(`${BLUEGREEN_TEST} TestBlueGreenNotReadyToScaleDownOldReplica: an old set before its deadline is kept`, () => {
  assert.equal(retainedDuringDelay([1], 1, undefined), 1);
});

test('retainedDuringDelay: a marked set smaller than the replicas is sized to them (scaleDownDelayHelper)', () => {
  // rollout/replicaset.go: a set with a deadline not yet passed gets desiredReplicaCount = rolloutReplicas.
  assert.equal(retainedDuringDelay([3], 10, undefined), 10);
  assert.equal(retainedDuringDelay([0, 12], 10, undefined), 12);
});
