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
 * - The texts are compared in full, never by a hash, so no body can pass for another.
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
  /** Entries of one text length compared with a body, at most. */
  readonly maxPerLength: number;
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
  // Bodies of one object often have one length (a label value that changes, a replica count): fewer
  // slots than such a set cycles through would turn every repeat into a miss.
  maxPerLength: 32,
};

/** A remembered body; `value` is what the caller read from its text (the same for every repeat). */
export interface SeenReview<V> {
  readonly text: string;
  /** The uid the text was first seen with. */
  readonly uid: string;
  readonly uidStart: number;
  readonly uidEnd: number;
  readonly value: V;
  /** A body with another uid in the span read back as that uid: repeats need not be read. */
  confirmed: boolean;
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
  readonly #byLength = new Map<number, SeenReview<V>[]>();
  // Insertion order is recency: a match moves its entry to the end, so the first is the least used.
  readonly #order = new Set<SeenReview<V>>();
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
    const candidates = this.#byLength.get(text.length);
    if (!candidates) return undefined;
    for (const seen of candidates) {
      const { uidStart, uidEnd } = seen;
      if (
        text.slice(0, uidStart) !== seen.text.slice(0, uidStart) ||
        text.slice(uidEnd) !== seen.text.slice(uidEnd)
      )
        continue;
      const uid = text.slice(uidStart, uidEnd);
      if (!UID_CHARACTERS.test(uid)) continue;
      this.#order.delete(seen);
      this.#order.add(seen);
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
    while (
      this.#order.size > 0 &&
      (this.#order.size >= limits.maxEntries || this.#chars + text.length > limits.maxChars)
    ) {
      const oldest = this.#order.values().next().value as SeenReview<V>;
      this.#forget(oldest);
    }
    const oldestOfLength = this.#byLength.get(text.length)?.[0];
    if (oldestOfLength && (this.#byLength.get(text.length)?.length ?? 0) >= limits.maxPerLength)
      this.#forget(oldestOfLength);
    const seen: SeenReview<V> = { text, uid, uidStart, uidEnd, value, confirmed: false };
    const bucket = this.#byLength.get(text.length);
    if (bucket) bucket.push(seen);
    else this.#byLength.set(text.length, [seen]);
    this.#order.add(seen);
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

  #forget(seen: SeenReview<V>): void {
    this.#order.delete(seen);
    this.#chars -= seen.text.length;
    const bucket = this.#byLength.get(seen.text.length);
    if (!bucket) return;
    const i = bucket.indexOf(seen);
    if (i >= 0) bucket.splice(i, 1);
    if (bucket.length === 0) this.#byLength.delete(seen.text.length);
  }
}
