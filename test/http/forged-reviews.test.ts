import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workloadKey, type ClusterModel } from '../../src/cluster/model.js';
import { Reader } from '../../src/cluster/reader.js';
import { projectDeployment } from '../../src/cluster/objects/workload.js';
import { createReview, exampleModel, testApp, validate, type TestApp } from '../helpers/app.js';

/*
 * Anyone who reaches the pod's port can post a review the apiserver never sent. A non-dry-run create
 * that is allowed reserves addresses; unless the watch shows the object admitted, the reservation is
 * dropped after the confirmation window (30 s), instead of holding for the 600 s TTL.
 */

/** The model with `name` (a createReview Deployment) stored, as the watch would show it. */
function withStored(model: ClusterModel, name: string, replicas?: number): ClusterModel {
  const review = createReview(name) as { request: { object: Record<string, any> } };
  if (replicas !== undefined) review.request.object.spec.replicas = replicas;
  const w = projectDeployment(Reader.of(review.request.object, 'watch', 'object'));
  const workloads = new Map(model.workloads);
  workloads.set(workloadKey(w.kind, w.namespace, w.name), w);
  return { ...model, workloads };
}

function advance(t: TestApp, seconds: number, model?: ClusterModel): void {
  t.clock.now += seconds * 1000;
  const view = t.source.view!;
  t.source.view = {
    ...view,
    ...(model && { model }),
    kubeSyncedAtMs: t.clock.now,
    subnetsRefreshedAtMs: t.clock.now,
  };
}

test('a forged create holds its addresses only until the confirmation window ends', async () => {
  const t = testApp(await exampleModel());
  assert.equal((await validate(t, createReview('forged'))).answer.allowed, true);
  assert.equal(t.reservations.size, 1);
  assert.equal((await validate(t, createReview('real'))).answer.allowed, false, 'held meanwhile');
  advance(t, 31);
  const after = await validate(t, createReview('real'));
  assert.equal(after.answer.allowed, true, 'the forged reservation was never confirmed: dropped');
});

test('a create the watch shows admitted keeps its reservation past the window', async () => {
  const base = await exampleModel();
  const t = testApp(base);
  assert.equal((await validate(t, createReview('search'))).answer.allowed, true);
  advance(t, 2, withStored(base, 'search'));
  advance(t, 60);
  assert.equal((await validate(t, createReview('other'))).answer.allowed, false, 'still held');
});

test('an update the watch never shows (the stored object differs) is not confirmed', async () => {
  const base = await exampleModel();
  const t = testApp(base);
  // The review asks for 1 replica; the stored object has 3: that admission never landed.
  assert.equal((await validate(t, createReview('search'))).answer.allowed, true);
  advance(t, 31, withStored(base, 'search', 3));
  assert.equal((await validate(t, createReview('other'))).answer.allowed, true);
});

test('on a fixed snapshot nothing can confirm, so reservations keep their TTL', async () => {
  const t = testApp(await exampleModel());
  t.source.view = { ...t.source.view!, fixed: true };
  assert.equal((await validate(t, createReview('search'))).answer.allowed, true);
  t.clock.now += 60_000;
  assert.equal((await validate(t, createReview('other'))).answer.allowed, false);
});

test('dry runs reserve nothing, so there is nothing to confirm', async () => {
  const t = testApp(await exampleModel());
  assert.equal((await validate(t, createReview('a', { dryRun: true }))).answer.allowed, true);
  assert.equal(t.reservations.size, 0);
  assert.equal((await validate(t, createReview('b'))).answer.allowed, true);
});

test('metric labels take known values only: 500 reviews of invented kinds and namespaces add no series', async () => {
  const t = testApp(await exampleModel());
  const seriesOf = async (): Promise<number> =>
    (await t.metrics.registry.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0);
  for (let i = 0; i < 3; i++) {
    const r = createReview(`w${i}`) as { request: Record<string, any> };
    r.request.kind = { group: 'x.io', version: 'v1', kind: `Kind${i}` };
    r.request.resource = { group: 'x.io', version: 'v1', resource: `kinds${i}` };
    await validate(t, r);
  }
  const before = await seriesOf();
  for (let i = 0; i < 500; i++) {
    const r = createReview(`w${i}`, {
      annotations: { 'ipguard.io/exception': `reason ${i}` },
      replicas: 50,
    }) as { request: Record<string, any> };
    if (i % 2 === 0) {
      r.request.kind = { group: `g${i}.io`, version: 'v1', kind: `Kind${i}` };
      r.request.resource = { group: `g${i}.io`, version: 'v1', resource: `kinds${i}` };
    }
    r.request.namespace = `ns-${i}`;
    await validate(t, r);
  }
  const after = await seriesOf();
  assert.ok(after - before < 40, `${after - before} new series`);
  const text = await t.metrics.registry.metrics();
  assert.doesNotMatch(text, /Kind1\d|ns-1\d/);
});
