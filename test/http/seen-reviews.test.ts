import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  hashAt,
  SeenReviews,
  union,
  type SeenReview,
  type SeenReviewsLimits,
} from '../../src/http/seen-reviews.js';
import { learnReview, ReviewText, type ReviewShape } from '../../src/http/review-body.js';
import type { AdmissionRequest } from '../../src/admission/review.js';

const UID_A = 'b7f1c2d3-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const UID_B = 'c8a2d3e4-5f60-4b7c-9d8e-0f1a2b3c4d5e';

/** A review as the apiserver writes one (JSON.stringify: no spaces, no escapes in a UUID). */
function body(uid: string, object: unknown = { metadata: { name: 'web' } }): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid, operation: 'UPDATE', object },
  });
}

const LIMITS: SeenReviewsLimits = {
  maxEntries: 100,
  maxChars: 1e6,
  maxTextChars: 1e5,
  maxSpansPerLength: 4,
};

test('a body seen before but for its uid matches, under its own uid', () => {
  const seen = new SeenReviews<string>(LIMITS);
  assert.ok(seen.remember(body(UID_A), UID_A, 'first'));
  const m = seen.match(body(UID_B));
  assert.equal(m?.uid, UID_B);
  assert.equal(m.seen.value, 'first');
  assert.equal(m.known, false, 'another uid in the span is trusted only once confirmed');
  assert.equal(seen.match(body(UID_A))?.known, true, 'the very text seen needs no confirming');
  seen.confirm(m.seen);
  assert.equal(seen.match(body('d9b3e4f5-6071-4c8d-8e9f-1a2b3c4d5e6f'))?.known, true);
});

const notRemembered: { name: string; text: string; uid: string }[] = [
  {
    name: 'a uid with a quote, which would end its string',
    text: body('a"b'),
    uid: 'a"b',
  },
  { name: 'a uid with a backslash', text: body('a\\b'), uid: 'a\\b' },
  { name: 'an empty uid', text: body(''), uid: '' },
  {
    name: 'a uid that occurs twice (also as the object name)',
    text: body('web', { metadata: { name: 'web' } }),
    uid: 'web',
  },
  { name: 'a uid that is not in the text as written', text: body('\u00e9t\u00e9'), uid: 'x-1' },
  {
    name: 'a uid found only inside a longer string',
    text: body('prefix-x-1-suffix'),
    uid: 'x-1',
  },
  { name: 'a body longer than the limit', text: body(UID_A, 'x'.repeat(1e5)), uid: UID_A },
];
for (const c of notRemembered) {
  test(`nothing is remembered for ${c.name}`, () => {
    const seen = new SeenReviews<string>(LIMITS);
    assert.equal(seen.remember(c.text, c.uid, 'v'), undefined);
    assert.equal(seen.size, 0);
  });
}

const noMatch: { name: string; text: string }[] = [
  { name: 'a different object', text: body(UID_B, { metadata: { name: 'api' } }) },
  { name: 'the same object, one character longer', text: body(`${UID_B}0`) },
  {
    name: 'characters in the span that could end a string',
    text: body(UID_A).replace(UID_A, `${UID_A.slice(0, 35)}"`),
  },
  { name: 'an escape in the span', text: body(UID_A).replace(UID_A, `${UID_A.slice(0, 34)}\\n`) },
];
for (const c of noMatch) {
  test(`no match for ${c.name}`, () => {
    const seen = new SeenReviews<string>(LIMITS);
    seen.remember(body(UID_A), UID_A, 'v');
    assert.equal(seen.match(c.text), undefined);
  });
}

test('the table is bounded in entries, characters and entries of one length, least used first', () => {
  const seen = new SeenReviews<number>({ ...LIMITS, maxEntries: 3 });
  const texts = [0, 1, 2, 3].map(i => body(UID_A, { n: `v${i}` }));
  texts.forEach((t, i) => seen.remember(t, UID_A, i));
  assert.equal(seen.size, 3);
  assert.equal(seen.match(texts[0]!), undefined, 'the oldest went first');
  assert.ok(seen.match(texts[1]!), 'a match makes it the most recent');
  seen.remember(body(UID_A, { n: 'v4' }), UID_A, 4);
  assert.ok(seen.match(texts[1]!));
  assert.equal(seen.match(texts[2]!), undefined);

  const chars = new SeenReviews<number>({ ...LIMITS, maxChars: texts[0]!.length * 2 });
  texts.forEach((t, i) => chars.remember(t, UID_A, i));
  assert.equal(chars.size, 2);
  assert.ok(chars.chars <= texts[0]!.length * 2);

  const many = Array.from({ length: 300 }, (_, i) => body(UID_A, { n: `v${1000 + i}` }));
  const oneLength = new SeenReviews<number>({ ...LIMITS, maxEntries: 1000 });
  many.forEach((t, i) => oneLength.remember(t, UID_A, i));
  assert.equal(oneLength.size, 300, 'bodies of one length and uid place are not bounded apart');
  assert.equal(oneLength.match(many[0]!.replace(UID_A, UID_B))?.seen.value, 0);
});

test('property: the table forgets exactly what a least-recently-used list of its size would', () => {
  // Reference: an array, least recently used first; remembering or matching a body moves it to the end.
  const op = fc.record({ remember: fc.boolean(), n: fc.integer({ min: 0, max: 3 }) });
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(op, { maxLength: 60, size: 'max' }),
      (size, ops) => {
        const seen = new SeenReviews<number>({ ...LIMITS, maxEntries: size });
        let lru: number[] = [];
        ops.forEach(({ remember, n }, at) => {
          const text = body(UID_A, { n: `v${n}` });
          if (remember) {
            seen.remember(text, UID_A, n);
            lru = [...lru.filter(k => k !== n), n].slice(-size);
            return;
          }
          const held = lru.includes(n);
          assert.equal(
            seen.match(text.replace(UID_A, UID_B))?.seen.value,
            held ? n : undefined,
            `op ${at}`,
          );
          if (held) lru = [...lru.filter(k => k !== n), n];
        });
        assert.equal(seen.size, lru.length);
      },
    ),
    { numRuns: 500 },
  );
});

test("the uid places of one length are bounded: a new one forgets the oldest place's bodies", () => {
  // Same length, the uid two characters further on each time.
  const at = (shift: number, n: number): { text: string; uid: string } => {
    const uid = `${'x'.repeat(shift)}${UID_A}`.slice(0, UID_A.length);
    const pad = 'p'.repeat(10 - shift);
    return {
      text: JSON.stringify({ a: 'q'.repeat(shift), request: { uid }, n, pad }).replace(
        `"${uid}"`,
        `"${UID_A}"`,
      ),
      uid: UID_A,
    };
  };
  const seen = new SeenReviews<string>({ ...LIMITS, maxSpansPerLength: 2 });
  const texts = [0, 2, 4].map(shift => at(shift, 7).text);
  assert.equal(new Set(texts.map(t => t.length)).size, 1);
  assert.equal(new Set(texts.map(t => t.indexOf(UID_A))).size, 3);
  texts.forEach((t, i) => seen.remember(t, UID_A, `place ${i}`));
  assert.equal(seen.size, 2);
  assert.equal(seen.match(texts[0]!.replace(UID_A, UID_B)), undefined, 'the oldest place went');
  assert.equal(seen.match(texts[1]!.replace(UID_A, UID_B))?.seen.value, 'place 1');
  assert.equal(seen.match(texts[2]!.replace(UID_A, UID_B))?.seen.value, 'place 2');
});

/** A body remembered in a property test, as the brute-force comparison sees it. */
interface Kept {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly value: number;
  readonly seen: SeenReview<number>;
}

/**
 * What comparing every kept body around its uid says of `t`, checked against `match` (bodies whose uids
 * differ in length can match one text at two places: either will do). True when some body matches.
 */
function assertMatchesLikeComparison(
  seen: SeenReviews<number>,
  kept: readonly Kept[],
  t: string,
): boolean {
  const references = kept.filter(
    k =>
      k.text.length === t.length &&
      t.slice(0, k.start) === k.text.slice(0, k.start) &&
      t.slice(k.end) === k.text.slice(k.end) &&
      /^[A-Za-z0-9-]{1,128}$/.test(t.slice(k.start, k.end)),
  );
  const m = seen.match(t);
  if (references.length === 0) {
    assert.equal(m, undefined);
    return false;
  }
  const found = references.find(k => k.value === m?.seen.value);
  assert.ok(found, 'the match is one the comparison finds');
  assert.equal(m?.uid, t.slice(found.start, found.end));
  return true;
}

test('property: a match is what comparing every remembered body around its uid would find', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ uid, n: fc.integer({ min: 0, max: 3 }), pad: fc.nat(3) }), {
        minLength: 1,
        maxLength: 12,
      }),
      fc.array(fc.record({ uid, n: fc.integer({ min: 0, max: 3 }), pad: fc.nat(3) }), {
        minLength: 1,
        maxLength: 12,
      }),
      (remembered, asked) => {
        const text = (v: { uid: string; n: number; pad: number }): string =>
          JSON.stringify({ request: { uid: v.uid }, n: v.n, p: '-'.repeat(v.pad) });
        const seen = new SeenReviews<number>({ ...LIMITS, maxSpansPerLength: 1000 });
        const kept: Kept[] = [];
        remembered.forEach((v, i) => {
          const t = text(v);
          if (kept.some(k => k.text.length === t.length && seen.match(t))) return;
          const r = seen.remember(t, v.uid, i);
          if (r) kept.push({ text: t, start: r.uidStart, end: r.uidEnd, value: i, seen: r });
        });
        for (const v of asked) assertMatchesLikeComparison(seen, kept, text(v));
      },
    ),
    { numRuns: 300 },
  );
});

test('property: bodies of one length that differ in a few places or in many match as comparing them says', () => {
  let matched = 0;
  let missed = 0;
  let fewPlaces = 0;
  let manyPlaces = 0;
  // Edits: a place (before or after the uid) and the character written there. fast-check keeps
  // arrays near ten items unless told otherwise: 'max' reaches past 64 places.
  const edits = fc.array(
    fc.tuple(fc.boolean(), fc.nat(), fc.constantFrom('a', 'b', '7', '9', ' ')),
    { maxLength: 90, size: 'max' },
  );
  const variant = fc.record({ uid: fc.stringMatching(/^[a-f0-9]{8}$/), edits });
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 120 }),
      fc.integer({ min: 1, max: 1500 }),
      fc.array(variant, { minLength: 1, maxLength: 24, size: 'max' }),
      fc.array(variant, { minLength: 1, maxLength: 24 }),
      fc.integer({ min: 2, max: 6 }),
      (beforeChars, afterChars, remembered, asked, forgetEvery) => {
        const text = (v: { uid: string; edits: [boolean, number, string][] }): string => {
          const before = 'p'.repeat(beforeChars).split('');
          const after = 'q'.repeat(afterChars).split('');
          for (const [isBefore, at, c] of v.edits) {
            const chars = isBefore ? before : after;
            if (chars.length > 0) chars[at % chars.length] = c;
          }
          return `{"z":"${before.join('')}","request":{"uid":"${v.uid}"},"a":"${after.join('')}"}`;
        };
        const seen = new SeenReviews<number>({ ...LIMITS, maxSpansPerLength: 1000 });
        const kept: Kept[] = [];
        remembered.forEach((v, i) => {
          const t = text(v);
          if (seen.match(t)) return;
          const r = seen.remember(t, v.uid, i);
          if (!r) return;
          kept.push({ text: t, start: r.uidStart, end: r.uidEnd, value: i, seen: r });
          // Some are forgotten again, the span's first (its reference) among them.
          if (i % forgetEvery === 0 && i > 0) seen.forget(kept.shift()!.seen);
        });
        const first = kept[0];
        if (first) {
          const places = new Set<number>();
          for (const k of kept)
            for (let at = 0; at < k.text.length; at++)
              if (k.text[at] !== first.text[at] && (at < k.start || at >= k.end)) places.add(at);
          if (places.size > 64) manyPlaces += 1;
          else if (places.size > 0) fewPlaces += 1;
        }
        // The remembered bodies themselves, under another uid, and new ones.
        for (const v of [...remembered.map(r => ({ ...r, uid: 'ffffffff' })), ...asked])
          if (assertMatchesLikeComparison(seen, kept, text(v))) matched += 1;
          else missed += 1;
      },
    ),
    { numRuns: 400 },
  );
  assert.ok(matched > 1000 && missed > 1000, `${matched} matched, ${missed} missed`);
  assert.ok(fewPlaces > 50 && manyPlaces > 50, `${fewPlaces} few, ${manyPlaces} many places`);
});

/**
 * `count` strings of three characters (CJK, so no quote, backslash, surrogate or 'a') whose hashAt over
 * all three equals that of the first: FNV-1a is inverted for the last character, the middle one is
 * searched. Collisions an attacker could make, made on purpose.
 */
function colliding(count: number): string[] {
  const prime = 0x01000193;
  let inverse = prime; // of the prime modulo 2^32, by Newton's iteration
  for (let i = 0; i < 5; i++) inverse = Math.imul(inverse, 2 - Math.imul(prime, inverse));
  const first = '\u4e00\u4e00\u4e00';
  const target = hashAt(first, [0, 1, 2]);
  // The low 30 bits of a product depend on the low 30 bits of its factors alone.
  const before = Math.imul(target, inverse) & 0x3fffffff;
  const out = [first];
  for (let c0 = 0x4e01; out.length < count; c0++) {
    const h0 = Math.imul(0x811c9dc5 ^ c0, prime);
    for (let c1 = 0x4e00; c1 <= 0x9fff && out.length < count; c1++) {
      const h1 = Math.imul(h0 ^ c1, prime);
      if (((h1 ^ before) & 0x3fff0000) !== 0) continue;
      const c2 = (h1 ^ before) & 0xffff;
      if (c2 < 0x4e00 || c2 > 0x9fff) continue;
      out.push(String.fromCharCode(c0, c1, c2));
    }
  }
  return out;
}

test('bodies whose keys collide share a key, each matching only itself; past four, whole texts are the keys', () => {
  const family = colliding(6);
  for (const x of family) assert.equal(hashAt(x, [0, 1, 2]), hashAt(family[0]!, [0, 1, 2]));
  assert.equal(new Set(family).size, 6);
  const text = (uid: string, x: string): string =>
    `{"request":{"uid":"${uid}"},"pad":"${'x'.repeat(200)}${x}"}`;
  const seen = new SeenReviews<string>({ ...LIMITS, maxSpansPerLength: 2 });
  // The first body differs from every other in all three places, so those are the span's places.
  const reference = seen.remember(text('u-0', 'aaa'), 'u-0', 'aaa');
  assert.ok(reference);
  const held = family
    .slice(0, 4)
    .map((x, i) => seen.remember(text(`u-${i + 1}`, x), `u-${i + 1}`, x));
  for (const x of family.slice(0, 4)) assert.equal(seen.match(text('u-9', x))?.seen.value, x);
  assert.equal(seen.match(text('u-9', family[4]!)), undefined);
  seen.forget(reference);
  seen.forget(held[0]!);
  assert.equal(seen.match(text('u-9', 'aaa')), undefined);
  assert.equal(seen.match(text('u-9', family[0]!)), undefined);
  for (const x of family.slice(1, 4)) assert.equal(seen.match(text('u-9', x))?.seen.value, x);
  // A fifth entry under one key: the span is keyed by whole texts from then on, and still exact.
  seen.remember(text('u-5', family[4]!), 'u-5', family[4]!);
  seen.remember(text('u-6', family[5]!), 'u-6', family[5]!);
  for (const x of family.slice(1)) assert.equal(seen.match(text('u-9', x))?.seen.value, x);
  assert.equal(seen.match(text('u-9', family[0]!)), undefined);
  assert.equal(seen.match(text('u-9', 'aaa')), undefined);
  assert.equal(seen.size, 5);
  // A body that differs elsewhere is told apart too.
  seen.remember(text('u-7', 'bbb'), 'u-7', 'bbb');
  assert.equal(seen.match(text('u-9', 'bbb'))?.seen.value, 'bbb');
});

/** Bodies `read` took from the table without parsing: the properties below must exercise that. */
let readWithoutParsing = 0;

/** What the body parser and handleReview do with a body: read it unless known, then learn from it. */
function read(seen: SeenReviews<ReviewShape>, text: string): AdmissionRequest {
  const repeat = seen.match(text);
  if (repeat?.known === true) {
    readWithoutParsing += 1;
    const shape = repeat.seen.value;
    return { ...shape.request, uid: repeat.uid };
  }
  const parsed = JSON.parse(text) as { request: { uid: string; object?: unknown } };
  const request: AdmissionRequest = {
    uid: parsed.request.uid,
    kind: { group: '', version: 'v1', kind: 'X' },
    resource: { group: '', version: 'v1', resource: 'xs' },
    operation: 'UPDATE',
    object: parsed.request.object,
    dryRun: false,
  };
  const shape = learnReview(seen, new ReviewText(text, parsed, repeat), request, () => ({
    request,
    autoscaler: false,
    digest: undefined,
    logFields: {
      operation: 'UPDATE',
      resource: 'xs',
      namespace: undefined,
      name: undefined,
      user: undefined,
      dryRun: false,
    },
  }));
  // A body that read back as a seen one with its own uid is handled as that one under its uid.
  if (shape.request !== request) readAsSeen += 1;
  return shape.request === request ? request : { ...shape.request, uid: request.uid };
}

/** Bodies `read` parsed and then handled as the seen body they repeat: the properties exercise that too. */
let readAsSeen = 0;

test('a uid written with escapes is never confused with a string that holds its characters', () => {
  // The request's uid is "abc-1" written as \u0061bc-1; the object's name is the literal abc-1.
  const decoy = (name: string): string =>
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'UIDMARK', object: { metadata: { name } } },
    }).replace('UIDMARK', '\\u0061bc-1');
  const seen = new SeenReviews<ReviewShape>(LIMITS);
  assert.equal(read(seen, decoy('abc-1')).uid, 'abc-1');
  for (const name of ['abc-2', 'abc-3', 'abc-2']) {
    const r = read(seen, decoy(name));
    assert.equal(r.uid, 'abc-1', 'the uid is the escaped one');
    assert.deepEqual(r.object, { metadata: { name } }, 'and the object is its own');
  }
});

test('a uid span that is a key is never remembered: duplicate keys cannot confirm it', () => {
  // The request's uid is "q7Z" written with an escape; the only plain q7Z is a key. A second body
  // spelling "uid" there makes a duplicate "uid" key whose value JSON.parse keeps: were the key
  // remembered, that body would confirm it, and a third would be answered under the key's text.
  const body = (span: string): string =>
    `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"\\u00717Z","${span}":"uid","operation":"UPDATE"}}`;
  const seen = new SeenReviews<ReviewShape>(LIMITS);
  for (const span of ['q7Z', 'uid', 'zzz', 'abc']) {
    const text = body(span);
    const expected = (JSON.parse(text) as { request: { uid: string } }).request.uid;
    assert.equal(read(seen, text).uid, expected, span);
  }
  assert.equal(seen.size, 0);
  assert.equal(seen.remember(body('q7Z'), 'q7Z', undefined as never), undefined);
});

/** Strings a generated object holds: uid-like runs, quotes, escapes, unicode. */
const token = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9-]{1,8}$/),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('"', '\\', '\u00e9', 'uid', '-'),
);
const jsonValue = fc.letrec(tie => ({
  value: fc.oneof(
    { depthSize: 'small' },
    token,
    fc.integer(),
    fc.boolean(),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(token, tie('value'), { maxKeys: 3 }),
  ),
})).value;
const uid = fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/);

test('property: a body read without parsing is exactly what parsing it would give', () => {
  const before = readWithoutParsing;
  fc.assert(
    fc.property(
      fc.array(fc.record({ uid, object: jsonValue, escape: fc.boolean() }), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
      (variants, order) => {
        const texts = variants.map(v => {
          const text = body('UIDMARK', v.object);
          // Sometimes the uid is written with an escape for its first character.
          const written = v.escape
            ? `\\u${v.uid.charCodeAt(0).toString(16).padStart(4, '0')}${v.uid.slice(1)}`
            : v.uid;
          return text.replace('"UIDMARK"', `"${written}"`);
        });
        const seen = new SeenReviews<ReviewShape>({ ...LIMITS, maxEntries: 4 });
        for (const i of order) {
          const text = texts[i % texts.length]!;
          const expected = JSON.parse(text) as { request: { uid: string; object?: unknown } };
          const got = read(seen, text);
          assert.equal(got.uid, expected.request.uid);
          assert.deepEqual(got.object, expected.request.object);
        }
      },
    ),
    { numRuns: 300 },
  );
  assert.ok(readWithoutParsing - before > 100, 'the runs took bodies from the table');
});

test('property: bodies that differ only in the uid are read once, then known', () => {
  fc.assert(
    // The apiserver's uids are UUIDs: one length.
    fc.property(
      jsonValue,
      fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9-]{8}$/), { minLength: 3, maxLength: 6 }),
      (object, uids) => {
        const seen = new SeenReviews<ReviewShape>(LIMITS);
        const first = body(uids[0]!, object);
        read(seen, first);
        if (seen.size === 0) return; // the uid also occurs in the object: never remembered
        // The second is parsed, and handled as the first under its own uid: that must be its reading.
        const asSeen = readAsSeen;
        const second = read(seen, body(uids[1]!, object));
        const parsed = JSON.parse(body(uids[1]!, object)) as { request: { object?: unknown } };
        assert.equal(second.uid, uids[1]);
        assert.deepEqual(second.object, parsed.request.object);
        assert.equal(readAsSeen, asSeen + 1, 'handled as the seen body');
        for (const u of uids.slice(2)) {
          const m = seen.match(body(u, object));
          assert.equal(m?.known, true, 'confirmed by the second');
          assert.equal(read(seen, body(u, object)).uid, u);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('property: union merges ascending places as a sorted set would, and keeps the first list when nothing is new', () => {
  const places = fc.uniqueArray(fc.nat(200), { maxLength: 20 }).map(a => a.sort((x, y) => x - y));
  fc.assert(
    fc.property(places, places, (a, b) => {
      const before = [...a];
      const got = union(a, b);
      assert.deepEqual(
        got,
        [...new Set([...a, ...b])].sort((x, y) => x - y),
      );
      assert.deepEqual(a, before, 'the first list is never changed');
      if (b.every(x => a.includes(x))) assert.equal(got, a, 'the same list');
      else assert.notEqual(got, a);
    }),
    { numRuns: 500 },
  );
});
