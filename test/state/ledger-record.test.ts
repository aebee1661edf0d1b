import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeLedger,
  encodeLedger,
  heldBySubnet,
  LedgerFormatError,
  pruned,
  withReservation,
  type LedgerEntry,
} from '../../src/state/ledger-record.js';

const SUBNETS = ['subnet-a', 'subnet-b', 'subnet-c'];

const entry = fc.record({
  key: fc.constantFrom(
    'Deployment/shop/web',
    'Deployment/shop/api',
    'Rollout/pay/checkout',
    'Deployment/x/y#uid-1',
  ),
  subnets: fc
    .uniqueArray(
      fc.tuple(
        fc.constantFrom(...SUBNETS),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 300 }),
      ),
      { selector: t => t[0], minLength: 1, maxLength: 3 },
    )
    .map(list => new Map(list.map(([id, ips, f]) => [id, { ips, freeAtAdmission: f }]))),
  createdMs: fc.integer({ min: 0, max: 1000 }),
  expiresMs: fc.integer({ min: 0, max: 2000 }),
  replica: fc.constantFrom('ipguard-a', 'ipguard-b'),
});

const entries = fc
  .array(entry, { maxLength: 6 })
  .map(list => new Map<string, LedgerEntry>(list.map(e => [e.key, e])));

const frees = fc.record({
  'subnet-a': fc.integer({ min: 0, max: 300 }),
  'subnet-b': fc.integer({ min: 0, max: 300 }),
  'subnet-c': fc.integer({ min: 0, max: 300 }),
});

test('pruning never changes what is held: expired entries and realised subnets held nothing', () => {
  fc.assert(
    fc.property(entries, frees, fc.integer({ min: 0, max: 2000 }), (es, f, nowMs) => {
      const free = (id: string): number | undefined => (f as Record<string, number>)[id];
      const after = pruned(es, free, nowMs);
      assert.deepEqual(heldBySubnet(after, free, nowMs), heldBySubnet(es, free, nowMs));
      for (const e of after.values()) assert.ok(e.expiresMs > nowMs && e.subnets.size > 0);
    }),
  );
});

test('the record round-trips through its wire form, and equal ledgers encode the same', () => {
  fc.assert(
    fc.property(entries, es => {
      const text = encodeLedger(es);
      const back = decodeLedger(text);
      const plain = (m: ReadonlyMap<string, LedgerEntry>): unknown =>
        [...m].map(([k, e]) => [
          k,
          { ...e, subnets: [...e.subnets].map(([id, h]) => [id, { ...h }]) },
        ]);
      assert.deepEqual(plain(back), plain(new Map([...es].sort(([a], [b]) => (a < b ? -1 : 1)))));
      assert.equal(encodeLedger(new Map([...es].reverse())), text);
    }),
  );
});

test('a reservation replaces its workload’s entry; holding nothing removes it', () => {
  const free = (): number => 100;
  const base = { free, nowMs: 10, ttlMs: 600_000, replica: 'ipguard-a' };
  let es = withReservation(new Map(), { ...base, key: 'w', perSubnet: new Map([['s', 14]]) });
  es = withReservation(es, { ...base, key: 'w', perSubnet: new Map([['s', 28]]) });
  assert.deepEqual(Object.fromEntries(heldBySubnet(es, free, 10)), { s: 28 });
  assert.equal(es.get('w')?.expiresMs, 600_010);
  es = withReservation(es, { ...base, key: 'w', perSubnet: new Map([['s', 0]]) });
  assert.equal(es.size, 0);
});

test('a record that cannot be read says what is wrong with it', () => {
  const cases: [string, RegExp][] = [
    ['not json', /not JSON/],
    ['[]', /not a JSON object/],
    ['{"v":2,"reservations":[]}', /format v2, written by a newer ipguard \(this one reads v1\)/],
    ['{"v":1}', /reservations: expected a list/],
    ['{"v":1,"reservations":[{"w":"","s":{},"c":1,"e":2,"by":"a"}]}', /reservations\[0\]\.w/],
    [
      '{"v":1,"reservations":[{"w":"k","s":{"s":[1]},"c":1,"e":2,"by":"a"}]}',
      /reservations\[0\]\.s\.s/,
    ],
    ['{"v":1,"reservations":[{"w":"k","s":{},"c":-1,"e":2,"by":"a"}]}', /reservations\[0\]\.c/],
  ];
  for (const [text, message] of cases)
    assert.throws(
      () => decodeLedger(text),
      (err: unknown) => err instanceof LedgerFormatError && message.test(err.message),
      text,
    );
});
