/**
 * AdmissionReview bodies seen before, by their text with the request's uid left out. The apiserver
 * sends the same object again and again (a dry run and then the write, retries, every replica of a
 * controller), each time under a new uid; reading such a body again (JSON.parse, then the envelope)
 * and hashing its objects for the decision memo cost more than the rest of a repeated review. A body
 * that equals a seen one everywhere but in the uid's characters is that review again, under that uid.
 *
 * Why that is exact, not a guess:
 * - The uid's span is remembered only when the uid is made of letters, digits and '-' (as every uid the
 *   apiserver sends is: a UUID) and occurs exactly once in the text. Such characters never end a JSON
 *   string or start an escape, so another run of them at the same place keeps every token as it was.
 * - A span is trusted only after one body that differs from the first in it alone was parsed and read
 *   back with its own uid there (`confirm`): then the span is the uid's whole string, and not another
 *   string that happens to hold the same characters (the uid itself could be written with escapes).
 * - The texts are compared in full, never by a hash, so no body can pass for another. A seen body is
 *   found by the characters at the few places where the bodies of its span differ (a replica count,
 *   a name), then compared with the text around the uid. Hashing the whole text as a Map key cost
 *   more than the rest of a repeated review's own work.
 *
 * Pure data: no clock, no I/O. Bounded in entries and characters; least recently used goes first.
 */

/** Characters a uid can hold for its span to be remembered. */
const UID_CHARACTERS = /^[A-Za-z0-9-]{1,128}$/;

export interface SeenReviewsLimits {
  readonly maxEntries: number;
  /** Characters of text held, summed over the entries. */
  readonly maxChars: number;
  /** Longer bodies are never remembered: a repeat of one is rare, and holding it costs. */
  readonly maxTextChars: number;
  /**
   * Uid spans (where the uid sits) among the entries of one text length, at most: a body is looked up
   * once per span of its length, so this bounds what a body that matches nothing costs.
   */
  readonly maxSpansPerLength: number;
}

/**
 * A review the apiserver sends is a few KiB (the story's switch: 8 KiB pretty-printed). What an entry holds besides
 * its text is the parsed request, which for hostile JSON (deep nesting, tiny values) can be ten times
 * the text: 512 Ki characters bound the table at a few MiB whatever is posted.
 */
export const SEEN_REVIEWS_LIMITS: SeenReviewsLimits = {
  maxEntries: 256,
  maxChars: 512 * 1024,
  maxTextChars: 64 * 1024,
  // Bodies from one writer put the uid at one place: one span per length is the rule, a few the most.
  maxSpansPerLength: 4,
};

/** A remembered body; `value` is what the caller read from its text (the same for every repeat). */
export interface SeenReview<V> {
  /** The text's length, and the text with the uid's span cut out (the uid is the rest). */
  readonly length: number;
  readonly rest: string;
  /** The uid the text was first seen with. */
  readonly uid: string;
  readonly uidStart: number;
  readonly uidEnd: number;
  readonly value: V;
  /** A body with another uid in the span read back as that uid: repeats need not be read. */
  confirmed: boolean;
}

/**
 * Places in the rest (the text without its uid) a span keys its entries by, at most; bodies of one
 * length that differ in more places are keyed by their whole rest.
 */
const MAX_KEY_PLACES = 64;

/**
 * Entries of one key, at most, before a span is keyed by whole rests instead: only a hash collision
 * puts two entries under one key of places, and a crafted one must not make every match compare
 * hundreds of texts.
 */
const MAX_BUCKET_ENTRIES = 4;

/** Texts shorter than this are compared character by character when looking for where they differ. */
const SCAN_CHARS = 32;

/**
 * The entries of one text length whose uid sits at one place. Every entry equals `reference` outside
 * `places`, so the characters at `places` tell the entries apart: they are the key, and a text whose
 * characters there match an entry's is that entry's text when the rest of it matches too.
 */
interface Span<V> {
  readonly uidStart: number;
  readonly uidEnd: number;
  /** The rest of a body remembered in the span (the first; another once that one is forgotten). */
  reference: string;
  /**
   * Where some entry's rest differs from the reference, ascending; undefined once there are more than
   * MAX_KEY_PLACES: then an entry's key is its whole rest.
   */
  places: readonly number[] | undefined;
  /** The same places in a text of this span (those after the uid moved by its length). */
  textPlaces: readonly number[];
  /** Entries by key; a key of places is a hash of their characters, so a few entries may share one. */
  readonly byKey: Map<string | number, SeenReview<V>[]>;
}

/** A text with the span [start, end) cut out. */
function restOf(text: string, start: number, end: number): string {
  return text.slice(0, start) + text.slice(end);
}

/**
 * The characters of `text` at `places`, hashed (FNV-1a) into a small integer: a Map finds one faster
 * than a string it would have to build and hash. Equal characters give equal keys; a text whose key
 * matches an entry's is still compared with it.
 */
export function hashAt(text: string, places: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const at of places) h = Math.imul(h ^ text.charCodeAt(at), 0x01000193);
  return h & 0x3fffffff;
}

/** An entry's key in its span, from its rest. */
function keyOfRest<V>(span: Span<V>, rest: string): string | number {
  return span.places === undefined ? rest : hashAt(rest, span.places);
}

/** The key a text of the span's length would have if it were remembered there. */
function keyOfText<V>(span: Span<V>, text: string): string | number {
  return span.places === undefined
    ? restOf(text, span.uidStart, span.uidEnd)
    : hashAt(text, span.textPlaces);
}

/** Add `seen` under its key; false when that key holds MAX_BUCKET_ENTRIES already (nothing added). */
function file<V>(span: Span<V>, seen: SeenReview<V>): boolean {
  const key = keyOfRest(span, seen.rest);
  const bucket = span.byKey.get(key);
  if (!bucket) span.byKey.set(key, [seen]);
  // Whole rests are told apart by the key itself: only a key of places can refuse.
  else if (span.places !== undefined && bucket.length >= MAX_BUCKET_ENTRIES) return false;
  else bucket.push(seen);
  return true;
}

/**
 * Key the span's entries by `places` (undefined: by whole rests). Should a key of places collect more
 * than MAX_BUCKET_ENTRIES, the span is keyed by whole rests, where every key is one entry's.
 */
function rekey<V>(
  span: Span<V>,
  places: readonly number[] | undefined,
  entries: readonly SeenReview<V>[],
): void {
  span.places = places;
  const uidLength = span.uidEnd - span.uidStart;
  span.textPlaces = (places ?? []).map(at => (at < span.uidStart ? at : at + uidLength));
  span.byKey.clear();
  for (const e of entries)
    if (!file(span, e)) {
      rekey(span, undefined, entries);
      return;
    }
}

/**
 * Where `a` and `b` (of one length) differ in [from, to), appended to `out` in ascending order; false
 * once `out` holds more than `limit`. Halves that are equal are skipped by one string comparison, so
 * texts that differ in a few places cost a few comparisons, not a loop over every character.
 */
function differences(
  a: string,
  b: string,
  from: number,
  to: number,
  out: number[],
  limit: number,
): boolean {
  if (to - from <= SCAN_CHARS) {
    for (let at = from; at < to; at++)
      if (a.charCodeAt(at) !== b.charCodeAt(at)) {
        out.push(at);
        if (out.length > limit) return false;
      }
    return true;
  }
  if (a.slice(from, to) === b.slice(from, to)) return true;
  const middle = (from + to) >>> 1;
  return differences(a, b, from, middle, out, limit) && differences(a, b, middle, to, out, limit);
}

/**
 * The ascending union of two ascending lists of places: `a` itself when `b` adds nothing, as for each
 * new body of a known writer, which differs where its bodies always do (a Set and a sort were 1 KB of
 * garbage per new body).
 */
export function union(a: readonly number[], b: readonly number[]): readonly number[] {
  let i = 0;
  let out: number[] | undefined;
  for (const y of b) {
    // (Not `out?.push(a[i++])`: a short-circuited call never evaluates its arguments.)
    while (i < a.length && (a[i] as number) < y) {
      if (out) out.push(a[i] as number);
      i += 1;
    }
    if (a[i] === y) {
      if (out) out.push(y);
      i += 1;
      continue;
    }
    out ??= a.slice(0, i);
    out.push(y);
  }
  if (!out) return a;
  for (; i < a.length; i++) out.push(a[i] as number);
  return out;
}

export interface SeenMatch<V> {
  readonly seen: SeenReview<V>;
  /** The uid this body carries, in the remembered span. */
  readonly uid: string;
  /**
   * The body reads as the seen one with `uid` in it, without reading it: its span is confirmed, or it
   * is the very text seen (a body posted twice under one uid).
   */
  readonly known: boolean;
}

export class SeenReviews<V> {
  readonly #limits: SeenReviewsLimits;
  /** Per text length, its spans, the one least recently remembered into first. */
  readonly #byLength = new Map<number, Span<V>[]>();
  // Insertion order is recency: a match moves its entry to the end, so the first is the least used.
  readonly #order = new Set<SeenReview<V>>();
  /** The entry last added or moved to the end: a match on it (a new body's repeats) moves nothing. */
  #newest: SeenReview<V> | undefined;
  #chars = 0;

  constructor(limits: SeenReviewsLimits = SEEN_REVIEWS_LIMITS) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#order.size;
  }

  get chars(): number {
    return this.#chars;
  }

  /** The remembered body `text` repeats with another uid (or the same), if any. */
  match(text: string): SeenMatch<V> | undefined {
    const spans = this.#byLength.get(text.length);
    if (!spans) return undefined;
    for (const span of spans) {
      const { uidStart, uidEnd } = span;
      const bucket = span.byKey.get(keyOfText(span, text));
      if (!bucket) continue;
      // Keyed by the whole rest, the entry is this text's; keyed by a few places, the one entry whose
      // rest equals the text around its uid is (entries equal the reference everywhere else).
      const seen =
        span.places === undefined
          ? bucket[0]
          : bucket.find(
              e =>
                text.slice(0, uidStart) === e.rest.slice(0, uidStart) &&
                text.slice(uidEnd) === e.rest.slice(uidStart),
            );
      if (!seen) continue;
      const uid = text.slice(uidStart, uidEnd);
      if (!UID_CHARACTERS.test(uid)) continue;
      if (seen !== this.#newest) {
        this.#order.delete(seen);
        this.#order.add(seen);
        this.#newest = seen;
      }
      return { seen, uid, known: seen.confirmed || uid === seen.uid };
    }
    return undefined;
  }

  /**
   * Remember `text`, read as `value`, whose request uid is `uid`; nothing when the uid's span cannot be
   * told from the rest of the text, or the text is too long to hold.
   */
  remember(text: string, uid: string, value: V): SeenReview<V> | undefined {
    const limits = this.#limits;
    if (text.length > limits.maxTextChars || limits.maxEntries <= 0) return undefined;
    if (limits.maxSpansPerLength <= 0) return undefined;
    if (!UID_CHARACTERS.test(uid)) return undefined;
    const uidStart = text.indexOf(uid);
    if (uidStart < 0 || text.indexOf(uid, uidStart + 1) >= 0) return undefined;
    const uidEnd = uidStart + uid.length;
    // A uid is a whole JSON string: a span inside a longer one could not be the uid alone.
    if (text[uidStart - 1] !== '"' || text[uidEnd] !== '"') return undefined;
    // ...and a value: a string followed by ':' is a key, and with duplicate keys (JSON.parse keeps the
    // last) a key in the span could be confirmed as the uid by a body whose span spells "uid".
    let next = uidEnd + 1;
    while (next < text.length && ' \t\n\r'.includes(text.charAt(next))) next += 1;
    if (text[next] === ':') return undefined;
    const rest = restOf(text, uidStart, uidEnd);
    // Not matched before it was read (or forgotten since): one already here is an older reading of it,
    // replaced before anything is made room for, so no other entry goes for it.
    const here = this.#spans(text.length).find(s => s.uidStart === uidStart && s.uidEnd === uidEnd);
    const older = here?.byKey.get(keyOfRest(here, rest))?.find(e => e.rest === rest);
    if (older) this.#forget(older);
    while (
      this.#order.size > 0 &&
      (this.#order.size >= limits.maxEntries || this.#chars + text.length > limits.maxChars)
    ) {
      const oldest = this.#order.values().next().value as SeenReview<V>;
      this.#forget(oldest);
    }
    const seen: SeenReview<V> = {
      length: text.length,
      rest,
      uid,
      uidStart,
      uidEnd,
      value,
      confirmed: false,
    };
    const span = this.#spanFor(text.length, uidStart, uidEnd, rest);
    this.#placeDifferences(span, rest);
    if (!file(span, seen)) rekey(span, undefined, [...[...span.byKey.values()].flat(), seen]);
    this.#order.add(seen);
    this.#newest = seen;
    this.#chars += text.length;
    return seen;
  }

  /** The body with `uid` in `seen`'s span was read and carried that uid: repeats need no reading. */
  confirm(seen: SeenReview<V>): void {
    seen.confirmed = true;
  }

  /** Never match `seen` again (its span did not read back as the uid). */
  forget(seen: SeenReview<V>): void {
    if (this.#order.has(seen)) this.#forget(seen);
  }

  #spans(length: number): readonly Span<V>[] {
    return this.#byLength.get(length) ?? [];
  }

  /** The span of this length and place, made the latest; a new one may push out the oldest. */
  #spanFor(length: number, uidStart: number, uidEnd: number, rest: string): Span<V> {
    let spans = this.#byLength.get(length);
    if (!spans) this.#byLength.set(length, (spans = []));
    const at = spans.findIndex(s => s.uidStart === uidStart && s.uidEnd === uidEnd);
    if (at >= 0) {
      const [span] = spans.splice(at, 1) as [Span<V>];
      spans.push(span);
      return span;
    }
    while (spans.length >= this.#limits.maxSpansPerLength) {
      const oldest = spans[0] as Span<V>;
      for (const seen of [...oldest.byKey.values()].flat()) this.#forget(seen);
      // Forgetting its last entry dropped the span (and maybe the length's list with it).
      if (spans[0] === oldest) spans.shift();
    }
    const span: Span<V> = {
      uidStart,
      uidEnd,
      reference: rest,
      places: [],
      textPlaces: [],
      byKey: new Map(),
    };
    spans.push(span);
    this.#byLength.set(length, spans);
    return span;
  }

  /**
   * Make the span's places cover where `rest` differs from its reference, keying its entries anew when
   * they grow (a new span, or bodies of one length that differ somewhere new: rare once a writer's
   * bodies were seen).
   */
  #placeDifferences(span: Span<V>, rest: string): void {
    const { places } = span;
    if (places === undefined) return;
    const found: number[] = [];
    const few = differences(span.reference, rest, 0, rest.length, found, MAX_KEY_PLACES);
    const grown = few ? union(places, found) : undefined;
    if (grown?.length === places.length) return;
    rekey(
      span,
      grown !== undefined && grown.length <= MAX_KEY_PLACES ? grown : undefined,
      [...span.byKey.values()].flat(),
    );
  }

  #forget(seen: SeenReview<V>): void {
    this.#order.delete(seen);
    if (seen === this.#newest) this.#newest = undefined;
    this.#chars -= seen.length;
    const spans = this.#byLength.get(seen.length);
    if (!spans) return;
    const at = spans.findIndex(s => s.uidStart === seen.uidStart && s.uidEnd === seen.uidEnd);
    const span = spans[at];
    if (!span) return;
    const key = keyOfRest(span, seen.rest);
    const bucket = span.byKey.get(key);
    const place = bucket?.indexOf(seen) ?? -1;
    if (bucket && place >= 0) {
      bucket.splice(place, 1);
      if (bucket.length === 0) span.byKey.delete(key);
    }
    if (span.byKey.size > 0) {
      // Every entry equals the reference outside the places, so any entry's rest can take its role:
      // the span holds no text besides its entries'.
      const next = span.byKey.values().next().value?.[0];
      if (span.reference === seen.rest && next) span.reference = next.rest;
      return;
    }
    spans.splice(at, 1);
    if (spans.length === 0) this.#byLength.delete(seen.length);
  }
}
