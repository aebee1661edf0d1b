import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalDigest, jsonEqual, jsonPreview } from '../../src/cluster/json-walk.js';
import { manifestMatches } from '../../src/cluster/objects/template-match.js';
import { describeValue } from '../../src/cluster/fields.js';

/** `depth` levels of objects and lists around a string, as JSON.parse builds it (no recursion). */
function nested(depth: number, leaf = 'bottom'): unknown {
  return JSON.parse(`${'{"k":['.repeat(depth)}"${leaf}"${']}'.repeat(depth)}`);
}

test('canonical digest: key order does not matter, null fields are absent, null items are kept', () => {
  assert.equal(
    canonicalDigest({ b: 1, a: { d: [1, null], c: null } }),
    canonicalDigest({ a: { d: [1, null] }, b: 1 }),
  );
  assert.notEqual(canonicalDigest([null]), canonicalDigest([]));
  assert.notEqual(canonicalDigest({ a: '1' }), canonicalDigest({ a: 1 }));
  assert.notEqual(canonicalDigest({ a: [1, 2] }), canonicalDigest({ a: [2, 1] }));
  assert.equal(canonicalDigest(null), '');
  assert.equal(
    canonicalDigest({ metadata: { creationTimestamp: null, labels: { x: 'y' } } }),
    canonicalDigest({ metadata: { labels: { x: 'y' } } }),
  );
});

test('canonical digest: equal for any reordering of keys, and a short string whatever the size', () => {
  fc.assert(
    fc.property(fc.jsonValue(), v => {
      const reordered = JSON.parse(JSON.stringify(v), (_k, x: unknown) =>
        typeof x === 'object' && x !== null && !Array.isArray(x)
          ? Object.fromEntries(Object.entries(x).reverse())
          : x,
      ) as unknown;
      assert.equal(canonicalDigest(reordered), canonicalDigest(v));
    }),
  );
  assert.equal(canonicalDigest({ big: 'x'.repeat(2_000_000) }).length, 44);
});

test('walks past the depth that overflows the call stack (the apiserver accepts 10,000 levels)', () => {
  const a = nested(20_000);
  const b = nested(20_000);
  const c = nested(20_000, 'other');
  assert.throws(() => JSON.stringify(a), RangeError, 'the premise: a recursive walk overflows');
  assert.equal(canonicalDigest(a), canonicalDigest(b));
  assert.notEqual(canonicalDigest(a), canonicalDigest(c));
  assert.equal(jsonEqual(a, b), true);
  assert.equal(jsonEqual(a, c), false);
  assert.equal(manifestMatches(a, b), true);
  assert.equal(manifestMatches(a, c), false);
  assert.equal(jsonPreview(a, 40), '{"k":[{"k":[{"k":[{"k":[{"k":[{"k":[{...');
  assert.equal(describeValue(a).length, 40);
});

test('jsonEqual agrees with a comparison of canonical text', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      assert.equal(jsonEqual(a, a), true);
      assert.equal(jsonEqual(a, JSON.parse(JSON.stringify(a))), true);
      const sorted = (v: unknown): string =>
        JSON.stringify(v, (_k, x: unknown) =>
          typeof x === 'object' && x !== null && !Array.isArray(x)
            ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : 1)))
            : x,
        );
      assert.equal(jsonEqual(a, b), sorted(a) === sorted(b));
    }),
  );
});

test('jsonPreview: JSON.stringify cut at the limit, without serializing the rest', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.integer({ min: 4, max: 80 }), (v, max) => {
      const full = JSON.stringify(v);
      const expected = full.length > max ? `${full.slice(0, max - 3)}...` : full;
      assert.equal(jsonPreview(v, max), expected);
    }),
  );
  assert.equal(jsonPreview(undefined, 40), 'nothing');
  assert.equal(jsonPreview('x'.repeat(5_000_000), 10), '"xxxxxx...');
});
