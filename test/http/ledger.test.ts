import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { loadConfig } from '../../src/config.js';
import { createKubeTransport } from '../../src/kube/transport.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import { KubeLedger } from '../../src/state/kube-ledger.js';
import { FakeKubeApi } from '../fakes/kube-api.js';
import { StaticSource } from '../fakes/static-source.js';
import { createReview, exampleModel, type Answer } from '../helpers/app.js';
import { waitFor } from '../helpers/async.js';

async function appOnLedger(
  t: { after: (fn: () => Promise<void>) => void },
  env: Record<string, string> = {},
) {
  const kube = await FakeKubeApi.start();
  const now = Date.now;
  const config = loadConfig(env);
  const source = new StaticSource(await exampleModel(), now());
  const ledger = new KubeLedger({
    transport: createKubeTransport(kube.kubeConfig()),
    namespace: config.namespace,
    replica: 'ipguard-test',
    ttlSeconds: config.reservationTtlSeconds,
    maxEntries: config.ledgerMaxEntries,
    log: pino({ level: 'silent' }),
    syncBackoff: { baseMs: 10, capMs: 50, jitter: 0 },
  });
  const metrics = createMetrics({ state: source, reservations: ledger, now });
  const app = buildApp({
    state: source,
    config,
    reservations: ledger,
    book: new AddressBook(),
    metrics,
    now,
    log: pino({ level: 'silent' }),
  });
  t.after(async () => {
    await app.close();
    await ledger.close();
    await kube.close();
  });
  const review = async (body: unknown): Promise<Answer> =>
    (
      await app.inject({
        method: 'POST',
        url: '/validate',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      })
    ).json<{ response: Answer }>().response;
  return { kube, ledger, app, review };
}

test('on the shared ledger: the story’s create reserves in the ConfigMap, /readyz and /metrics show the ledger', async t => {
  const { kube, ledger, app, review } = await appOnLedger(t);
  await ledger.start();
  assert.equal((await review(createReview('search'))).allowed, true);
  assert.ok(kube.configMap('ipguard', 'ipguard-ledger'), 'created in POD_NAMESPACE');
  assert.equal((await review(createReview('recommend'))).allowed, false);
  const ready = (await app.inject({ url: '/readyz' })).json<Record<string, any>>();
  assert.deepEqual(ready.ledger, {
    store: 'ConfigMap ipguard/ipguard-ledger (shared by every replica)',
    ok: true,
    reservations: 1,
  });
  const metrics = (await app.inject({ url: '/metrics' })).body;
  assert.match(metrics, /^ipguard_reserved_ips\{subnet="subnet-0b2f3e4d5c6b7a802"\} 14$/m);
  assert.match(metrics, /^ipguard_ledger_up 1$/m);
  assert.match(metrics, /^ipguard_ledger_write_duration_seconds_count\{result="ok"\} 1$/m);
  assert.match(metrics, /^ipguard_ledger_bytes \d+$/m);
});

test('RBAC missing: the failure mode answers saying why; /readyz stays 200 and shows it; ipguard_ledger_up is 0', async t => {
  const { kube, ledger, app, review } = await appOnLedger(t, { IPGUARD_FAILURE_MODE: 'deny' });
  kube.forbid('list', 'get', 'create', 'update');
  void ledger.start();
  await waitFor(() => ledger.health().reason?.includes('forbidden') === true, 'the refusal');
  const answer = await review(createReview('search'));
  assert.equal(answer.allowed, false);
  assert.equal(answer.status?.code, 503);
  assert.match(
    answer.status?.message ?? '',
    /^ipguard could not check this change: the reservation ledger cannot be read \(HTTP 403 Forbidden\)$/,
  );
  // A scale-down needs no reservation and is still judged.
  assert.equal((await review(createReview('search', { replicas: 0 }))).allowed, true);
  const ready = await app.inject({ url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  const body = ready.json<Record<string, any>>();
  assert.equal(body.ledger.ok, false);
  assert.match(
    String(body.degraded),
    /reservation ledger ipguard\/ipguard-ledger: not read yet \(.*forbidden/,
  );
  const metrics = (await app.inject({ url: '/metrics' })).body;
  assert.match(metrics, /^ipguard_ledger_up 0$/m);
  assert.match(metrics, /^ipguard_failure_mode_answers_total\{reason="ledger-unavailable"\} 1$/m);
});

test('a dry run on a copy whose watch is down is judged, with a warning that reservations may be behind', async t => {
  const { kube, ledger, review } = await appOnLedger(t);
  await ledger.start();
  kube.forbid('watch', 'list');
  kube.dropConfigMapWatches('destroy');
  await waitFor(() => !ledger.health().ok, 'the watch failure');
  const answer = await review(createReview('search', { dryRun: true }));
  assert.equal(answer.allowed, true);
  assert.ok(
    (answer.warnings ?? []).some(w => /state may be stale: reservation ledger/.test(w)),
    JSON.stringify(answer.warnings),
  );
  assert.equal(kube.writes.put + kube.writes.post, 0);
});
