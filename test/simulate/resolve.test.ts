import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveChange, UnresolvableChange } from '../../src/simulate/resolve.js';
import { peakOf } from '../../src/simulate/peaks/index.js';
import type { Workload } from '../../src/cluster/model.js';
import { aCluster, aPodShape, aReplicaSet, aWorkload } from '../helpers/builders.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');

// Argo Rollouts workloadRef (docs/migrating.md): the Rollout holds no template; it takes the referenced
// Deployment's, and template changes are made on that Deployment, usually kept at replicas: 0.
const template = aWorkload({
  kind: 'Deployment',
  name: 'web-template',
  replicas: 0,
  templateKey: 'image:v1',
  pod: aPodShape(),
});
const rollout = aWorkload({
  kind: 'Rollout',
  name: 'web',
  replicas: 6,
  templateKey: '',
  workloadRef: { kind: 'Deployment', name: 'web-template', apiVersion: 'apps/v1' },
  rolloutStrategy: {
    blueGreen: {
      autoPromotionEnabled: true,
      scaleDownDelaySeconds: 30,
      abortScaleDownDelaySeconds: 30,
    },
  },
  status: { stableRS: 'h1', currentPodHash: 'h1' },
});
const model = aCluster({
  workloads: [template, rollout],
  replicaSets: [aReplicaSet(rollout, { name: 'web-h1', specReplicas: 6, podTemplateHash: 'h1' })],
});

test("a change to a workloadRef Deployment's template is the Rollout's blue/green switch", () => {
  const desired: Workload = { ...template, templateKey: 'image:v2' };
  const r = resolveChange(model, { type: 'workload', workload: desired }, { nowMs: NOW });
  assert.deepEqual(r.subject, { kind: 'Deployment', namespace: 'shop', name: 'web-template' });
  assert.equal(r.via, 'Rollout shop/web (workloadRef)');
  const p = peakOf(r.change);
  // The Deployment itself would add nothing (replicas 0); the Rollout runs 6 active + 6 preview.
  assert.deepEqual([p.change, p.currentPods, p.peakPods], ['switch', 6, 12]);
  assert.ok(p.pod, "the pods are the Deployment template's");
});

test('scaling a workloadRef Rollout uses the template of its Deployment', () => {
  const r = resolveChange(
    model,
    {
      type: 'scale',
      scale: { namespace: 'shop', name: 'web', replicas: 8 },
      parentKind: 'Rollout',
    },
    { nowMs: NOW },
  );
  const p = peakOf(r.change);
  assert.deepEqual([p.change, p.peakPods], ['scale', 8]);
  assert.equal(r.change.desired.templateKey, 'image:v1');
  assert.ok(r.change.desired.pod);
});

test('a label-only change to the template Deployment is not a switch', () => {
  const desired: Workload = { ...template, labels: { team: 'web' } };
  const r = resolveChange(model, { type: 'workload', workload: desired }, { nowMs: NOW });
  assert.equal(r.via, undefined);
  assert.equal(peakOf(r.change).change, 'none');
});

test('a Scale without a parent, or with two, cannot be resolved', () => {
  assert.throws(
    () =>
      resolveChange(
        model,
        { type: 'scale', scale: { namespace: 'shop', name: 'nope', replicas: 1 } },
        { nowMs: NOW },
      ),
    UnresolvableChange,
  );
  const twin = aCluster({
    workloads: [
      aWorkload({ kind: 'Deployment', name: 'x' }),
      aWorkload({ kind: 'Rollout', name: 'x' }),
    ],
  });
  assert.throws(
    () =>
      resolveChange(
        twin,
        { type: 'scale', scale: { namespace: 'shop', name: 'x', replicas: 1 } },
        { nowMs: NOW },
      ),
    /both a Deployment and a Rollout/,
  );
});

test('scales of one workload to any count read the same parent; each is its own count', () => {
  const scaleTo = (replicas: number, m = model) =>
    resolveChange(
      m,
      { type: 'scale', scale: { namespace: 'shop', name: 'web', replicas }, parentKind: 'Rollout' },
      { nowMs: NOW + replicas },
    );
  const a = scaleTo(8);
  const b = scaleTo(9);
  assert.equal(b.change.current, a.change.current, 'the parent is found once per model');
  assert.equal(b.change.replicaSets, a.change.replicaSets);
  assert.deepEqual([a.change.desired.replicas, b.change.desired.replicas], [8, 9]);
  assert.deepEqual([a.change.nowMs, b.change.nowMs], [NOW + 8, NOW + 9]);
  assert.equal(a.change.current?.replicas, 6, 'the current object keeps its own count');
  // Another state version finds its own parent: nothing carries over from the model before.
  const next = aCluster({
    workloads: [template, { ...rollout, replicas: 7 }],
    replicaSets: [aReplicaSet(rollout, { name: 'web-h1', specReplicas: 7, podTemplateHash: 'h1' })],
  });
  const c = scaleTo(9, next);
  assert.equal(c.change.current?.replicas, 7);
  assert.equal(c.change.replicaSets[0]?.specReplicas, 7);
  assert.equal(peakOf(c.change).currentPods, 7);
});

test('a Scale of a workload the state does not hold fails every time it is asked', () => {
  for (let i = 0; i < 2; i++)
    assert.throws(
      () =>
        resolveChange(
          model,
          { type: 'scale', scale: { namespace: 'shop', name: 'later', replicas: i + 1 } },
          { nowMs: NOW },
        ),
      /no Deployment, Rollout or StatefulSet of that name/,
    );
});
