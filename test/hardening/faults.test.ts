import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { loadConfig } from '../../src/config.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import { Reservations } from '../../src/state/reservations.js';
import { NODES, PODS } from '../../src/kube/resources.js';
import { waitFor } from '../helpers/async.js';
import { liveSetup } from '../helpers/live.js';
import { switchReview, scaleReview } from '../helpers/app.js';
import { bluegreenObjects, clone } from '../helpers/examples.js';

/*
 * The faults an admission webhook meets in production, with the outcome the docs promise
 * (docs/failure-modes.md): the webhook answers in bounded time with the best state it has, says when
 * that state is old, and never waits on EC2 or the API server.
 */

/** The webhook on a live source over the fakes. */
async function webhook(t: Parameters<typeof liveSetup>[0], env: Record<string, string> = {}) {
  const h = await liveSetup(t);
  const config = loadConfig(env);
  const reservations = new Reservations(config.reservationTtlSeconds, h.nowMs);
  const metrics = createMetrics({
    state: h.source,
    reservations,
    now: h.nowMs,
    ec2Calls: () => h.calls.total,
  });
  const app = buildApp({
    state: h.source,
    config,
    reservations,
    book: new AddressBook(),
    metrics,
    now: h.nowMs,
    log: pino({ level: 'silent' }),
  });
  t.after(() => app.close());
  const review = async (
    body: unknown,
  ): Promise<{ ms: number; allowed: boolean; warnings: string[]; code?: number }> => {
    const started = Date.now();
    const res = await app.inject({
      method: 'POST',
      url: '/validate',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    const r = res.json<{
      response: { allowed: boolean; warnings?: string[]; status?: { code: number } };
    }>().response;
    return {
      ms: Date.now() - started,
      allowed: r.allowed,
      warnings: r.warnings ?? [],
      ...(r.status && { code: r.status.code }),
    };
  };
  return { ...h, app, review };
}

test('fault: the API server unreachable at start: not ready, failure-mode answers at once, then real verdicts', async t => {
  const h = await webhook(t);
  h.kube.hang = true;
  const starting = h.source.start();
  assert.equal((await h.app.inject({ url: '/readyz' })).statusCode, 503);
  const early = await h.review(switchReview());
  assert.ok(early.ms < 500, `answered in ${early.ms} ms`);
  assert.equal(early.allowed, true, 'failure mode allow');
  assert.match(early.warnings[0] ?? '', /state are not loaded yet/);
  h.kube.hang = false;
  await starting;
  assert.equal((await h.app.inject({ url: '/readyz' })).statusCode, 200);
  const later = await h.review(switchReview());
  assert.equal(later.allowed, false, 'the story is denied once state is in');
});

test('fault: EC2 down: the last good subnets decide, with a warning saying how old they are', async t => {
  const h = await webhook(t);
  await h.source.start();
  h.ec2.down(503, 'RequestLimitExceeded');
  h.advance(180_000);
  await waitFor(() => h.source.health().ec2.consecutiveFailures > 0, 'a failed refresh');
  const r = await h.review(scaleReview('rollouts', 'shop', 'checkout', 10, 11));
  assert.ok(r.ms < 500);
  assert.equal(r.allowed, true, 'one more node fits the last known subnets');
  assert.ok(
    r.warnings.some(w => /EC2 failing since/.test(w)),
    r.warnings.join('\n'),
  );
  const denied = await h.review(switchReview());
  assert.equal(denied.allowed, false, 'still enforced on the last good state');
});

test('fault: EC2 answering slower than any budget: admissions never wait for it', async t => {
  const h = await webhook(t);
  await h.source.start();
  h.ec2.delayMs = 60_000;
  h.advance(120_000); // refreshes are due and now hang on the slow EC2
  await new Promise(r => setTimeout(r, 50));
  const times: number[] = [];
  for (let i = 0; i < 20; i++) times.push((await h.review(switchReview())).ms);
  assert.ok(Math.max(...times) < 300, `slowest answer ${Math.max(...times)} ms`);
  h.ec2.delayMs = 0;
});

test('fault: a dropped watch is resumed and later changes are seen', async t => {
  const h = await webhook(t);
  await h.source.start();
  assert.ok(h.kube.dropWatches(NODES, 'destroy') > 0);
  const during = await h.review(switchReview());
  assert.equal(during.allowed, false, 'decisions continue on the state held');
  const node = clone(bluegreenObjects().find(o => o.kind === 'Node'));
  assert.ok(node);
  node.metadata.name = 'ip-10-20-2-250.ec2.internal';
  h.kube.add(node);
  await waitFor(() => {
    h.advance(1_000);
    return h.source.current()?.model.nodes.has('ip-10-20-2-250.ec2.internal') === true;
  }, 'the node added after the drop');
});

test('fault: 410 Gone after compaction: the informer relists and the state stays whole', async t => {
  const h = await webhook(t);
  await h.source.start();
  const pods = (): number =>
    [...(h.source.current()?.model.nodes.values() ?? [])].reduce((n, x) => n + x.usage.pods, 0);
  const before = pods();
  const pod = clone(
    bluegreenObjects().find(
      o => o.kind === 'Pod' && (o.spec as { hostNetwork?: boolean }).hostNetwork !== true,
    ),
  );
  assert.ok(pod);
  pod.metadata.name = 'after-410';
  // The server forgets its events and the watch is cut: resuming from the old resourceVersion gets 410.
  h.kube.add(pod);
  h.kube.compact();
  h.kube.dropWatches(PODS, 'destroy');
  await waitFor(() => {
    h.advance(1_000);
    return (
      (h.source.health().kube.resources.find(r => r.resource === 'pods')?.relists ?? 0) >= 1 &&
      pods() === before + 1
    );
  }, 'a relist that includes the new pod');
  assert.equal((await h.review(switchReview())).allowed, false);
});
