import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeySlots, keyHash } from '../../src/kube/key-slots.js';

test('keys read back exactly, whatever their characters', () => {
  const rows: readonly { readonly why: string; readonly key: string }[] = [
    { why: 'a pod key', key: 'ns-3/app-17-5d8f7c9b4-x2x9q' },
    { why: 'the empty key', key: '' },
    { why: 'Latin-1 past ASCII, one byte each in the arena', key: 'café/ÿ' },
    { why: 'a character past U+00FF, kept beside the arena', key: 'ns/pod-€' },
    { why: 'a lone surrogate, which UTF-8 would not keep', key: 'ns/\ud800' },
    { why: 'longer than a length field of 16 bits', key: 'n/'.padEnd(70_000, 'x') },
    { why: 'a NUL character', key: 'ns/\u0000' },
  ];
  const slots = new KeySlots(7);
  rows.forEach(({ key }, i) => {
    slots.set(key, i);
  });
  assert.equal(slots.size, rows.length);
  rows.forEach(({ why, key }, i) => {
    assert.equal(slots.get(key), i, why);
  });
  // Same characters as a wide key, but not the same key.
  assert.equal(slots.get('ns/pod-\u00ac'), undefined);
  assert.equal(slots.get('café/ÿ '), undefined);
  assert.equal(slots.get('ns-3/app-17-5d8f7c9b4-x2x9'), undefined);
  rows.forEach(({ why, key }) => {
    assert.equal(slots.delete(key), true, why);
    assert.equal(slots.get(key), undefined, why);
    assert.equal(slots.delete(key), false, why);
  });
  assert.equal(slots.size, 0);
});

test('a slot holds one key: taking a slot that holds another key throws', () => {
  const slots = new KeySlots(1);
  slots.set('a/one', 0);
  assert.throws(() => {
    slots.set('a/two', 0);
  }, /slot 0 already holds a key/);
  assert.equal(slots.get('a/one'), 0);
  assert.equal(slots.get('a/two'), undefined);
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 31])
    assert.throws(() => {
      slots.set('a/x', bad);
    }, RangeError);
});

test('keys that share a hash are still told apart', () => {
  // A table of 1024 positions and 700 keys: many keys share a home, so probing and the backward
  // shift on delete are exercised; the seed is fixed so a failure can be replayed.
  const slots = new KeySlots(12345, 1);
  const keys = Array.from({ length: 700 }, (_, i) => `ns-${i % 7}/pod-${i}`);
  keys.forEach((k, i) => {
    slots.set(k, i);
  });
  for (let i = 0; i < keys.length; i += 3) assert.equal(slots.delete(keys[i] ?? ''), true);
  keys.forEach((k, i) => {
    assert.equal(slots.get(k), i % 3 === 0 ? undefined : i, k);
  });
});

test('two keys with the same 32-bit hash are two keys', () => {
  // By the birthday bound some two of 200,000 keys share a 32-bit hash (about five pairs are expected).
  const seed = 42;
  const seen = new Map<number, string>();
  let pair: [string, string] | undefined;
  for (let i = 0; pair === undefined && i < 400_000; i++) {
    const k = `ns-${i % 20}/app-${i % 500}-${i}`;
    const h = keyHash(k, seed) as number;
    const other = seen.get(h);
    if (other !== undefined) pair = [other, k];
    else seen.set(h, k);
  }
  assert.ok(pair, 'no two keys shared a hash');
  const [a, b] = pair;
  const slots = new KeySlots(seed);
  slots.set(a, 0);
  assert.equal(slots.get(b), undefined);
  slots.set(b, 1);
  assert.deepEqual([slots.get(a), slots.get(b), slots.size], [0, 1, 2]);
  assert.equal(slots.delete(a), true);
  assert.deepEqual([slots.get(a), slots.get(b)], [undefined, 1]);
});

test('room reserved for a relist is allocated once, exactly', () => {
  const slots = new KeySlots(5, 1);
  const keys = Array.from({ length: 5000 }, (_, i) => `ns-${i % 20}/app-${i}`);
  const bytes = keys.reduce((n, k) => n + k.length, 0);
  slots.reserve(keys.length, bytes);
  const before = slots.footprint();
  keys.forEach((k, i) => {
    slots.set(k, i);
  });
  assert.deepEqual(slots.footprint(), { ...before, arenaUsed: bytes });
  assert.equal(before.slots, 5000);
  assert.equal(before.arenaBytes, bytes);
  keys.forEach((k, i) => {
    assert.equal(slots.get(k), i);
  });
});

test('churn does not grow it: deleted keys are compacted away and the table shrinks back', () => {
  const slots = new KeySlots(3, 1);
  for (let i = 0; i < 20_000; i++) slots.set(`ns/pod-${i}`, i);
  const full = slots.footprint();
  for (let i = 0; i < 20_000; i++) slots.delete(`ns/pod-${i}`);
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 100; i++) slots.set(`ns/churn-${round}-${i}`, i);
    for (let i = 0; i < 100; i++) slots.delete(`ns/churn-${round}-${i}`);
  }
  slots.set('ns/last', 0);
  const after = slots.footprint();
  assert.equal(slots.size, 1);
  assert.equal(slots.get('ns/last'), 0);
  assert.ok(after.arenaUsed < 8192, `arena holds ${after.arenaUsed} bytes for one key`);
  assert.ok(after.tableLength < full.tableLength, 'the table shrank back');
});

/**
 * Keys from a bounded set, so that sets, deletes and gets meet the same keys, and enough of them (up to
 * 1,500 in a table of 1,024 or 2,048 positions) that homes collide and deleted bytes get compacted.
 */
const key = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('a/p1', 'a/p2', 'b/p1', 'b/p3', '', 'a/é', 'a/€') },
  { weight: 6, arbitrary: fc.nat({ max: 1500 }).map(n => `ns-${n % 3}/pod-${n}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: 'binary' }) },
);
const op = fc.oneof(
  { weight: 600, arbitrary: fc.record({ type: fc.constant('set' as const), key }) },
  { weight: 300, arbitrary: fc.record({ type: fc.constant('delete' as const), key }) },
  { weight: 1, arbitrary: fc.constant({ type: 'clear' as const }) },
);

test('it answers as a Map would, whatever the sequence of sets, deletes and clears', () => {
  fc.assert(
    fc.property(fc.integer(), fc.array(op, { minLength: 500, maxLength: 4000 }), (seed, ops) => {
      const slots = new KeySlots(seed, 1);
      const model = new Map<string, number>();
      // Slots are handed out as PodIndex hands them out: a freed one first, else the next.
      const free: number[] = [];
      for (const o of ops) {
        if (o.type === 'clear') {
          slots.clear();
          model.clear();
          free.length = 0;
        } else if (o.type === 'set') {
          if (model.has(o.key)) continue;
          const slot = free.pop() ?? model.size;
          slots.set(o.key, slot);
          model.set(o.key, slot);
        } else {
          const slot = model.get(o.key);
          assert.equal(slots.delete(o.key), slot !== undefined);
          if (slot !== undefined) {
            model.delete(o.key);
            free.push(slot);
          }
        }
        assert.equal(slots.size, model.size);
      }
      for (const [k, slot] of model) assert.equal(slots.get(k), slot);
      for (const o of ops) if (o.type !== 'clear') assert.equal(slots.get(o.key), model.get(o.key));
    }),
    { numRuns: 60 },
  );
});

test('enough keys to grow the table and the arena several times still round-trip', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.string({ minLength: 1, maxLength: 30 }), {
        minLength: 1500,
        maxLength: 3000,
      }),
      keys => {
        const slots = new KeySlots(0, 1);
        keys.forEach((k, i) => {
          slots.set(k, i);
        });
        keys.forEach((k, i) => {
          assert.equal(slots.get(k), i);
        });
        // Delete every other key (compaction runs along the way), then the rest read back.
        keys.forEach((k, i) => {
          if (i % 2 === 0) slots.delete(k);
        });
        keys.forEach((k, i) => {
          assert.equal(slots.get(k), i % 2 === 0 ? undefined : i);
        });
      },
    ),
    { numRuns: 20 },
  );
});
