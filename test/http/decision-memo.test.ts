import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAdmissionReview, type AdmissionRequest } from '../../src/admission/review.js';
import type { ClusterModel } from '../../src/cluster/model.js';
import { CUT_SHORT_TTL_MS } from '../../src/http/decisions.js';
import {
  DecisionMemo,
  decisionKey,
  keyFor,
  nextTimeAfter,
  requestDigest,
} from '../../src/http/decision-memo.js';
import { EXCEPTION_ANNOTATION, EXCEPTION_EXPIRES_ANNOTATION } from '../../src/policy/config.js';
import { createReview, exampleModel, switchReview, testApp, validate, T0 } from '../helpers/app.js';
import { REPO } from '../helpers/cli.js';

/** Two distinct state versions: the memo knows them only by identity. */
const modelA = {} as ClusterModel;
const modelB = {} as ClusterModel;

test('the memo answers only on the state version it was filled on', () => {
  const memo = new DecisionMemo<string>({ maxEntries: 10, maxBytes: 1e6 });
  memo.set(modelA, 'k', 'on A', { bytes: 100, validUntilMs: Infinity });
  assert.equal(memo.get(modelA, 'k', 0), 'on A');
  assert.equal(memo.get(modelB, 'k', 0), undefined, 'never from another state version');
  memo.set(modelB, 'k', 'on B', { bytes: 100, validUntilMs: Infinity });
  assert.equal(memo.get(modelA, 'k', 0), undefined, 'a new state version empties it');
  assert.equal(memo.get(modelB, 'k', 0), 'on B');
  assert.deepEqual(memo.stats(), { entries: 1, bytes: 100, hits: 2, misses: 2 });
});

test('an entry serves until the first time its inputs name, not after', () => {
  const memo = new DecisionMemo<string>({ maxEntries: 10, maxBytes: 1e6 });
  memo.set(modelA, 'k', 'v', { bytes: 1, validUntilMs: 1000 });
  assert.equal(memo.get(modelA, 'k', 999), 'v');
  assert.equal(memo.get(modelA, 'k', 1000), undefined);
  assert.equal(memo.stats().entries, 0, 'an expired entry is dropped');
});

test('the memo is bounded in entries and in bytes, dropping the least recently used', () => {
  const memo = new DecisionMemo<number>({ maxEntries: 3, maxBytes: 1000 });
  for (const k of [1, 2, 3]) memo.set(modelA, `k${k}`, k, { bytes: 100, validUntilMs: Infinity });
  assert.equal(memo.get(modelA, 'k1', 0), 1, 'k1 is now the most recently used');
  memo.set(modelA, 'k4', 4, { bytes: 100, validUntilMs: Infinity });
  assert.equal(memo.get(modelA, 'k2', 0), undefined, 'the least recently used went');
  assert.equal(memo.get(modelA, 'k1', 0), 1);
  assert.equal(memo.stats().entries, 3);
  memo.set(modelA, 'big', 5, { bytes: 900, validUntilMs: Infinity });
  assert.ok(memo.stats().bytes <= 1000, `${memo.stats().bytes} bytes held`);
  assert.equal(memo.get(modelA, 'big', 0), 5);
  memo.set(modelA, 'huge', 6, { bytes: 1001, validUntilMs: Infinity });
  assert.equal(memo.get(modelA, 'huge', 0), undefined, 'larger than the whole memo: not kept');
  assert.equal(memo.get(modelA, 'big', 0), 5, 'and nothing dropped for it');
});

test('property: the memo keeps exactly what a least-recently-used list of its size would', () => {
  // Reference: an array, least recently used first; a hit or a set moves the key to the end.
  const op = fc.record({ set: fc.boolean(), key: fc.integer({ min: 0, max: 3 }) });
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(op, { maxLength: 60, size: 'max' }),
      (size, ops) => {
        const memo = new DecisionMemo<number>({ maxEntries: size, maxBytes: 1e6 });
        let lru: number[] = [];
        ops.forEach(({ set, key }, at) => {
          if (set) {
            memo.set(modelA, `k${key}`, key, { bytes: 1, validUntilMs: Infinity });
            lru = [...lru.filter(k => k !== key), key].slice(-size);
            return;
          }
          const held = lru.includes(key);
          assert.equal(memo.get(modelA, `k${key}`, 0), held ? key : undefined, `op ${at}`);
          if (held) lru = [...lru.filter(k => k !== key), key];
        });
        assert.equal(memo.stats().entries, lru.length);
      },
    ),
    { numRuns: 500 },
  );
});

function request(o: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'u1',
    kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    resource: { group: 'apps', version: 'v1', resource: 'deployments' },
    name: 'web',
    namespace: 'shop',
    operation: 'UPDATE',
    username: 'alice',
    object: { spec: { replicas: 3 } },
    oldObject: { spec: { replicas: 2 } },
    dryRun: false,
    ...o,
  };
}

test('a request digest covers what the request asks, not its uid or whether it is a dry run', () => {
  const d = (o: Partial<AdmissionRequest> = {}, autoscaler = false): string | undefined =>
    requestDigest(request(o), autoscaler)?.digest;
  const base = d();
  assert.ok(base !== undefined);
  assert.equal(d({ uid: 'u2' }), base);
  assert.equal(d({ dryRun: true }), base, 'a dry run and its write share a decision');
  for (const changed of [
    d({ object: { spec: { replicas: 4 } } }),
    d({ oldObject: { spec: { replicas: 1 } } }),
    d({ oldObject: undefined }),
    d({ name: 'api' }),
    d({ namespace: 'other' }),
    d({ operation: 'CREATE' }),
    d({ subResource: 'scale' }),
    d({ resource: { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' } }),
    d({}, true),
  ])
    assert.notEqual(changed, base);
  // Field order is part of the text hashed, never of the verdict: a miss at worst.
  assert.equal(
    d({ object: { spec: { replicas: 3 }, metadata: {} } }) ===
      d({ object: { metadata: {}, spec: { replicas: 3 } } }),
    false,
  );
});

test('an object nested past what JSON.stringify can walk is decided, just not memoized', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 20_000; i++) deep = { a: deep };
  assert.equal(requestDigest(request({ object: deep }), false), undefined);
});

test('the decision key holds the addresses others hold and why the state may be stale', () => {
  const held = new Map([
    ['subnet-b', 4],
    ['subnet-a', 2],
  ]);
  const reordered = new Map([
    ['subnet-a', 2],
    ['subnet-b', 4],
    ['subnet-c', 0],
  ]);
  assert.equal(decisionKey('d', held, undefined), decisionKey('d', reordered, undefined));
  assert.notEqual(decisionKey('d', held, undefined), decisionKey('d', new Map(), undefined));
  assert.notEqual(decisionKey('d', held, undefined), decisionKey('d', held, 'ledger behind'));
  // Nothing held and nothing stale is its own key, apart from every other.
  const bare = decisionKey('d', new Map([['subnet-a', 0]]), undefined);
  assert.equal(bare, 'd');
  for (const other of [
    decisionKey('d', new Map(), ''),
    decisionKey('d', held, undefined),
    decisionKey('d', new Map(), 'ledger behind'),
  ])
    assert.notEqual(bare, other);
  // A digest is the request's text and may hold any character: where it ends is never a guess.
  assert.notEqual(
    decisionKey('d|x=1', new Map(), 'q'),
    decisionKey('d', new Map([['x', 1]]), '|q'),
  );
  const digest = requestDigest(request(), false)?.digest ?? '';
  assert.ok(digest.startsWith('['), 'a digest never reads as a length');
  assert.notEqual(decisionKey(digest, held, undefined), digest);
});

test('two requests share a digest exactly when their identity and objects are the same text', () => {
  const a = requestDigest(request({ object: { spec: { replicas: 3, note: 'a|b\nc' } } }), false);
  const b = requestDigest(request({ object: { spec: { replicas: 3, note: 'a|b\nc' } } }), false);
  const c = requestDigest(request({ object: { spec: { replicas: 3, note: 'a|b\nd' } } }), false);
  assert.equal(a?.digest, b?.digest);
  assert.notEqual(a?.digest, c?.digest);
  // The objects' text is in it, so no crafted pair can share one the way two hashes could.
  assert.ok(a?.digest.includes(JSON.stringify({ spec: { replicas: 3, note: 'a|b\nc' } })));
});

test('a request keeps its last decision key while what others hold and the staleness stay the same', () => {
  // A map that counts how often its holdings are listed: a kept key does not list them again.
  class CountedMap extends Map<string, number> {
    listed = 0;
    override [Symbol.iterator](): MapIterator<[string, number]> {
      this.listed += 1;
      return super[Symbol.iterator]();
    }
  }
  const request = { digest: 'd', chars: 1 };
  const held = new CountedMap([['subnet-a', 2]]);
  const key = keyFor(request, held, undefined);
  assert.equal(key, decisionKey('d', held, undefined));
  const listed = held.listed;
  assert.equal(keyFor(request, held, undefined), key);
  assert.equal(held.listed, listed);
  // Another map, another staleness: made again, and what decisionKey makes of them.
  const more = new Map([['subnet-a', 3]]);
  assert.equal(keyFor(request, more, undefined), decisionKey('d', more, undefined));
  assert.notEqual(keyFor(request, more, undefined), key);
  assert.equal(keyFor(request, more, 'ledger behind'), decisionKey('d', more, 'ledger behind'));
  assert.equal(keyFor(request, held, undefined), key);
  assert.equal(
    keyFor({ digest: 'e', chars: 1 }, held, undefined),
    decisionKey('e', held, undefined),
  );
});

test('the next time a decision may turn: the first named time after now', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  assert.equal(
    nextTimeAfter(now, [
      '2026-11-27T11:00:00Z',
      '2026-11-27T14:00:00+01:00',
      undefined,
      'not a time',
      '2026-11-27T12:30:00Z',
    ]),
    Date.parse('2026-11-27T12:30:00Z'),
  );
  assert.equal(nextTimeAfter(now, ['2026-11-27T11:00:00Z']), Infinity);
});

/**
 * The memo holds only while the core reads the time through exceptions and Argo's scale-down
 * deadlines (validate.ts names both as the times an entry serves until). A new use of the time in the
 * core needs its time there too.
 */
test('the core reads the time only where the memo knows it does', () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  for (const dir of ['cni', 'cluster', 'simulate', 'policy']) walk(join(REPO, 'src', dir));
  const reading = files
    .filter(f => /nowMs|Date\.parse|Date\.now|new Date/.test(readFileSync(f, 'utf8')))
    .map(f => relative(join(REPO, 'src'), f))
    .sort();
  assert.deepEqual(reading, [
    'policy/decide.ts',
    'policy/exception.ts',
    'policy/settings-decision.ts',
    'simulate/peaks/change.ts',
    'simulate/peaks/rollout-sets.ts',
    'simulate/resolve.ts',
  ]);
});

function withFreeIps(model: ClusterModel, extra: number): ClusterModel {
  const subnets = new Map(
    [...model.subnets].map(([id, s]) => [id, { ...s, availableIps: s.availableIps + extra }]),
  );
  return { ...model, subnets };
}

test('a repeat is answered as the first was; a new state version decides it anew', async () => {
  const t = testApp(await exampleModel());
  const first = await validate(t, switchReview());
  assert.equal(first.answer.allowed, false);
  const again = switchReview();
  again.request.uid = 'another-uid';
  const second = await validate(t, again);
  assert.equal(second.answer.uid, 'another-uid');
  assert.deepEqual({ ...second.answer, uid: first.answer.uid }, first.answer);
  assert.ok(t.memo.workloads.stats().hits >= 1, 'the repeat came from the memo');
  // EC2 now shows more free addresses: a new model, and the same review fits.
  const view = t.source.view;
  assert.ok(view);
  t.source.view = { ...view, model: withFreeIps(view.model, 1000) };
  const third = await validate(t, switchReview());
  assert.equal(third.answer.allowed, true);
});

test("a kept resolution counts its key, the request's text, in the memo's bytes", async () => {
  const t = testApp(await exampleModel());
  const review = switchReview();
  await validate(t, review);
  const d = requestDigest(parseAdmissionReview(review), false);
  assert.ok(d);
  // The entry's fixed part, its projections (about their text's size) and its key.
  assert.equal(t.memo.prepared.stats().bytes, 2048 + d.chars * 4 + d.digest.length * 2);
});

test('an exception that expires between two identical requests stops applying at its expiry', async () => {
  const t = testApp(await exampleModel());
  const expires = new Date(T0 + 60_000).toISOString();
  const review = (): Record<string, any> => {
    const r = switchReview();
    r.request.object.metadata.annotations[EXCEPTION_ANNOTATION] = 'launch day, owner @shop';
    r.request.object.metadata.annotations[EXCEPTION_EXPIRES_ANNOTATION] = expires;
    return r;
  };
  const before = await validate(t, review());
  assert.equal(before.answer.allowed, true, 'allowed by the exception');
  assert.equal(before.answer.auditAnnotations?.exception?.startsWith('workload'), true);
  t.clock.now = T0 + 59_999;
  assert.equal((await validate(t, review())).answer.allowed, true);
  t.clock.now = T0 + 60_000;
  const after = await validate(t, review());
  assert.equal(after.answer.allowed, false, 'denied once the exception has expired');
  assert.match(after.answer.warnings?.join('\n') ?? '', /not applied: expired/);
});

test('what other changes reserve is part of the key: a repeat sees the ledger as it is now', async () => {
  const t = testApp(await exampleModel());
  const dry = createReview('search', { dryRun: true });
  assert.equal((await validate(t, dry)).answer.allowed, true);
  assert.equal((await validate(t, createReview('recommend'))).answer.allowed, true);
  assert.equal(t.reservations.size, 1);
  const again = await validate(t, dry);
  assert.equal(again.answer.allowed, false, 'recommend holds the addresses search needed');
  assert.match(again.answer.status?.message ?? '', /us-east-1b\) needs 14, has 6/);
});

test('a decision whose remedy search ran out of time serves only briefly, then is searched again', async () => {
  const t = testApp(await exampleModel());
  // Every reading of the clock is a second later: the search for remedies stops at once.
  let ms = T0;
  Object.defineProperty(t.clock, 'now', { get: () => (ms += 1000), configurable: true });
  const cut = await validate(t, switchReview());
  assert.equal(cut.answer.allowed, false);
  assert.doesNotMatch(cut.answer.status?.message ?? '', /MINIMUM_IP_TARGET=8/, 'no time to search');
  Object.defineProperty(t.clock, 'now', { get: () => ms, configurable: true });
  const repeat = await validate(t, switchReview());
  assert.equal(
    repeat.answer.status?.message,
    cut.answer.status?.message,
    'the same answer, at once',
  );
  ms += CUT_SHORT_TTL_MS;
  const later = await validate(t, switchReview());
  assert.match(later.answer.status?.message ?? '', /Fits with: .*MINIMUM_IP_TARGET=8/);
});

test('the memo is visible in /metrics', async () => {
  const t = testApp(await exampleModel());
  await validate(t, switchReview());
  await validate(t, switchReview());
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.match(res.body, /ipguard_decision_memo_lookups_total\{result="hit"\} [1-9]/);
  assert.match(res.body, /ipguard_decision_memo_entries [1-9]/);
});
