import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createKubeTransport } from '../../src/kube/transport.js';
import { LEDGER_DATA_KEY } from '../../src/kube/ledger-object.js';
import { KubeLedger, type KubeLedgerOptions } from '../../src/state/kube-ledger.js';
import { decodeLedger } from '../../src/state/ledger-record.js';
import type { AdmitTx } from '../../src/state/reservations.js';
import { FakeKubeApi } from '../fakes/kube-api.js';
import { waitFor as until } from '../helpers/async.js';

const NS = 'ipguard';
const NAME = 'ipguard-ledger';
const SUBNET = 'subnet-a';

async function fake(t: { after: (fn: () => Promise<void>) => void }): Promise<FakeKubeApi> {
  const kube = await FakeKubeApi.start();
  t.after(() => kube.close());
  return kube;
}

function ledger(
  t: { after: (fn: () => Promise<void>) => void },
  kube: FakeKubeApi,
  o: Partial<KubeLedgerOptions> = {},
): KubeLedger {
  const l = new KubeLedger({
    transport: createKubeTransport(kube.kubeConfig()),
    namespace: NS,
    replica: 'replica-a',
    ttlSeconds: 600,
    maxEntries: 100,
    log: pino({ level: 'silent' }),
    syncBackoff: { baseMs: 10, capMs: 50, jitter: 0 },
    ...o,
  });
  t.after(() => l.close());
  return l;
}

/** A change needing `ips` addresses in a subnet of `capacity` free: admitted when it fits beside what is held. */
function need(
  key: string,
  ips: number,
  o: { capacity?: number; dryRun?: boolean; budgetMs?: number } = {},
): AdmitTx<boolean> {
  const capacity = o.capacity ?? 100;
  return {
    key,
    free: id => (id === SUBNET ? capacity : undefined),
    mayWrite: o.dryRun !== true,
    deadlineMs: Date.now() + (o.budgetMs ?? 2000),
    decide: held => {
      const fits = (held.get(SUBNET) ?? 0) + ips <= capacity;
      return fits ? { value: true, reserve: new Map([[SUBNET, ips]]) } : { value: false };
    },
  };
}

function stored(kube: FakeKubeApi): Map<string, { ips: number; replica: string }> {
  const obj = kube.configMap(NS, NAME);
  assert.ok(obj, 'the ledger object exists');
  const text = (obj.data as Record<string, string>)[LEDGER_DATA_KEY]!;
  const out = new Map<string, { ips: number; replica: string }>();
  for (const [k, e] of decodeLedger(text))
    out.set(k, { ips: e.subnets.get(SUBNET)?.ips ?? 0, replica: e.replica });
  return out;
}

test('a missing ledger is created by the first write; later writes are updates with the resourceVersion', async t => {
  const kube = await fake(t);
  const a = ledger(t, kube);
  await a.start();
  assert.equal(a.health().loaded, true);
  assert.equal(kube.configMap(NS, NAME), undefined);
  assert.deepEqual(await a.admit(need('Deployment/shop/web', 30)), { ok: true, value: true });
  assert.equal(kube.writes.post, 1);
  assert.deepEqual(await a.admit(need('Deployment/shop/api', 30)), { ok: true, value: true });
  assert.equal(kube.writes.put, 1);
  assert.deepEqual(Object.fromEntries(stored(kube)), {
    'Deployment/shop/web': { ips: 30, replica: 'replica-a' },
    'Deployment/shop/api': { ips: 30, replica: 'replica-a' },
  });
  assert.deepEqual(Object.fromEntries(a.held(() => 100)), { [SUBNET]: 60 });
  const obj = kube.configMap(NS, NAME)!;
  assert.equal(
    (obj.metadata.labels as Record<string, string>)['app.kubernetes.io/name'],
    'ipguard',
  );
});

test('dry runs, denials and changes that need nothing never write', async t => {
  const kube = await fake(t);
  kube.putConfigMap({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: NAME, namespace: NS },
  });
  const a = ledger(t, kube);
  await a.start();
  assert.deepEqual(await a.admit(need('w1', 30, { dryRun: true })), { ok: true, value: true });
  assert.deepEqual(await a.admit(need('w2', 300)), { ok: true, value: false });
  const nothing: AdmitTx<string> = {
    ...need('w3', 0),
    decide: () => ({ value: 'fine', reserve: new Map([[SUBNET, 0]]) }),
  };
  assert.deepEqual(await a.admit(nothing), { ok: true, value: 'fine' });
  assert.deepEqual(kube.writes, { put: 0, post: 0, conflicts: 0 });
  assert.equal(a.size, 0);
});

test('a workload re-admitted needing nothing is answered at once and its entry goes with a write', async t => {
  const kube = await fake(t);
  const a = ledger(t, kube);
  await a.start();
  await a.admit(need('w1', 30));
  const release: AdmitTx<string> = {
    ...need('w1', 0),
    decide: () => ({ value: 'released', reserve: new Map([[SUBNET, 0]]) }),
  };
  assert.deepEqual(await a.admit(release), { ok: true, value: 'released' });
  await until(() => stored(kube).size === 0, 'the release is written');
  await until(() => a.size === 0, 'and its answer read back');
});

test('two replicas: each sees the other’s reservations through the watch, and together they never pass capacity', async t => {
  const kube = await fake(t);
  const a = ledger(t, kube, { replica: 'replica-a' });
  const b = ledger(t, kube, { replica: 'replica-b' });
  await Promise.all([a.start(), b.start()]);
  assert.deepEqual(await a.admit(need('wa', 40)), { ok: true, value: true });
  await until(() => b.size === 1, 'b sees a’s reservation without writing');
  assert.deepEqual(Object.fromEntries(b.held(() => 100)), { [SUBNET]: 40 });
  // 40 changes of 10 addresses each against 60 left, half on each replica, all at once: exactly 6 fit.
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).admit(need(`w${i}`, 10))),
  );
  for (const r of results) assert.equal(r.ok, true, JSON.stringify(r));
  const admitted = results.filter(r => r.ok && r.value).length;
  assert.equal(admitted, 6);
  const entries = stored(kube);
  assert.equal(entries.size, 7);
  assert.equal(
    [...entries.values()].reduce((n, e) => n + e.ips, 0),
    100,
  );
  // Arrivals on one replica share a write: far fewer writes than admissions.
  assert.ok(kube.writes.put + kube.writes.post < 40, JSON.stringify(kube.writes));
});

test('a write that keeps conflicting ends in the failure mode within the budget, naming the conflicts', async t => {
  const kube = await fake(t);
  kube.putConfigMap({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: NAME, namespace: NS },
  });
  const a = ledger(t, kube);
  await a.start();
  kube.contend(true);
  const started = Date.now();
  const r = await a.admit(need('w1', 10, { budgetMs: 300 }));
  const tookMs = Date.now() - started;
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.cause === 'conflicts', JSON.stringify(r));
  assert.match(!r.ok ? r.reason : '', /kept changing \(\d+ conflicting writes within the budget\)/);
  assert.ok(tookMs < 300 + 250, `answered in ${tookMs} ms`);
  assert.ok(a.stats().conflicts >= 2, JSON.stringify(a.stats()));
  // Contention over: the next write goes through.
  kube.contend(false);
  assert.deepEqual(await a.admit(need('w1', 10)), { ok: true, value: true });
});

test('RBAC missing: a refused write and a refused list each answer the failure mode, and health says why', async t => {
  const kube = await fake(t);
  kube.putConfigMap({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: NAME, namespace: NS },
  });
  kube.forbid('update');
  const a = ledger(t, kube);
  await a.start();
  const r = await a.admit(need('w1', 10));
  assert.ok(!r.ok && r.cause === 'unavailable', JSON.stringify(r));
  assert.match(!r.ok ? r.reason : '', /cannot be written \(HTTP 403 Forbidden\)/);
  assert.equal(a.health().ok, false);
  assert.match(
    a.health().reason ?? '',
    /a write failed 0 s ago: PUT .*HTTP 403: .*cannot update resource "configmaps"/,
  );
  // A denial needs no write and is still answered.
  assert.deepEqual(await a.admit(need('w2', 1000)), { ok: true, value: false });

  const kube2 = await fake(t);
  kube2.forbid('list', 'get');
  const b = ledger(t, kube2);
  void b.start();
  await until(() => (b.health().reason ?? '').includes('forbidden'), 'the list failure shows');
  const r2 = await b.admit(need('w1', 10));
  assert.ok(!r2.ok && r2.cause === 'unavailable', JSON.stringify(r2));
  assert.match(!r2.ok ? r2.reason : '', /cannot be read \(HTTP 403 Forbidden\)/);
  assert.equal(b.health().loaded, false);
  kube2.allow('list', 'get');
  await until(() => b.health().ok, 'the ledger loads once RBAC allows it');
  assert.deepEqual(await b.admit(need('w1', 10)), { ok: true, value: true });
});

test('full at the bound: a new reservation gets the failure mode, a replaced one does not, and none is dropped', async t => {
  const kube = await fake(t);
  const a = ledger(t, kube, { maxEntries: 2 });
  await a.start();
  assert.deepEqual(await a.admit(need('w1', 10)), { ok: true, value: true });
  assert.deepEqual(await a.admit(need('w2', 10)), { ok: true, value: true });
  const r = await a.admit(need('w3', 10));
  assert.ok(!r.ok && r.cause === 'full', JSON.stringify(r));
  assert.match(!r.ok ? r.reason : '', /is full \(2 live reservations/);
  assert.deepEqual(await a.admit(need('w2', 20)), { ok: true, value: true }, 'a replacement fits');
  assert.deepEqual([...stored(kube).keys()].sort(), ['w1', 'w2']);
});

test('expired and realised entries are pruned by the next write', async t => {
  const kube = await fake(t);
  let nowMs = Date.now();
  const a = ledger(t, kube, { now: () => nowMs, ttlSeconds: 60 });
  await a.start();
  await a.admit({ ...need('old', 10), deadlineMs: nowMs + 2000 });
  nowMs += 61_000;
  assert.equal(a.size, 0, 'expired: held no longer');
  // Realised: EC2 shows 10 fewer free than at admission.
  await a.admit({ ...need('realised', 10), deadlineMs: nowMs + 2000 });
  const fewer: AdmitTx<boolean> = { ...need('new', 5, { capacity: 90 }), deadlineMs: nowMs + 2000 };
  assert.deepEqual(await a.admit(fewer), { ok: true, value: true });
  assert.deepEqual([...stored(kube).keys()], ['new']);
});

test('a ledger this replica cannot read is never overwritten', async t => {
  const kube = await fake(t);
  kube.putConfigMap({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: NAME, namespace: NS },
    data: { [LEDGER_DATA_KEY]: '{"v":2,"reservations":[]}' },
  });
  const a = ledger(t, kube);
  await a.start();
  const r = await a.admit(need('w1', 10));
  assert.ok(!r.ok && r.cause === 'unreadable', JSON.stringify(r));
  assert.match(!r.ok ? r.reason : '', /format v2, written by a newer ipguard/);
  assert.equal(kube.writes.put, 0);
  assert.match(a.health().reason ?? '', /cannot be read/);
});

test('deleting the object loses no live reservation: the next write creates it again with them', async t => {
  const kube = await fake(t);
  const a = ledger(t, kube);
  await a.start();
  await a.admit(need('w1', 10));
  kube.deleteConfigMap(NS, NAME);
  await until(() => kube.configMapWatchers() > 0, 'watching');
  assert.deepEqual(await a.admit(need('w2', 10)), { ok: true, value: true });
  assert.deepEqual([...stored(kube).keys()].sort(), ['w1', 'w2']);
});

test('a broken watch resumes, and the copy catches up with writes made meanwhile', async t => {
  const kube = await fake(t);
  const a = ledger(t, kube, { replica: 'a' });
  const b = ledger(t, kube, { replica: 'b' });
  await Promise.all([a.start(), b.start()]);
  await until(() => kube.configMapWatchers() === 2, 'both watch');
  kube.dropConfigMapWatches('destroy');
  await a.admit(need('w1', 10));
  await until(() => b.size === 1, 'b catches up after its watch comes back');
  assert.equal(b.health().ok, true);
});

test('a decision that throws fails its own request only; the others in the same write go through', async t => {
  const kube = await fake(t);
  const a = ledger(t, kube);
  await a.start();
  const broken: AdmitTx<boolean> = {
    ...need('broken', 10),
    decide: () => {
      throw new Error('no such node');
    },
  };
  const [x, y, z] = await Promise.allSettled([
    a.admit(need('w1', 10)),
    a.admit(broken),
    a.admit(need('w2', 10)),
  ]);
  assert.deepEqual(x, { status: 'fulfilled', value: { ok: true, value: true } });
  assert.equal(y.status, 'rejected');
  assert.deepEqual(z, { status: 'fulfilled', value: { ok: true, value: true } });
  assert.deepEqual([...stored(kube).keys()].sort(), ['w1', 'w2']);
});

test('the API failing a write answers the failure mode with the status; the next write goes through', async t => {
  const kube = await fake(t);
  const a = ledger(t, kube);
  await a.start();
  kube.failWrites(503);
  const r = await a.admit(need('w1', 10));
  assert.ok(!r.ok && r.cause === 'unavailable', JSON.stringify(r));
  assert.equal(
    !r.ok && r.reason,
    'the reservation ledger cannot be written (HTTP 503 ServiceUnavailable)',
  );
  assert.deepEqual(await a.admit(need('w1', 10)), { ok: true, value: true });
  assert.equal(a.health().ok, true, 'a successful write clears the error');
});

test('a write that outlives the budget answers the failure mode; if it lands after all, its reservation holds', async t => {
  const kube = await fake(t);
  const a = ledger(t, kube);
  await a.start();
  await a.admit(need('first', 10)); // the object exists: the slow write is an update
  kube.writeDelayMs = 400;
  const started = Date.now();
  const r = await a.admit(need('slow', 10, { budgetMs: 150 }));
  assert.ok(Date.now() - started < 150 + 200, 'answered at the deadline');
  assert.ok(!r.ok && r.cause === 'unavailable', JSON.stringify(r));
  assert.match(!r.ok ? r.reason : '', /cannot be written \(no answer in time\)/);
  // The fake applies the write when its delay ends, as an API server that got the request would.
  await until(() => a.size === 2, 'the late write is seen on the watch');
  assert.deepEqual(Object.fromEntries(a.held(() => 100)), { [SUBNET]: 20 });
});
