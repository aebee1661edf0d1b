import type { AdmissionRequest } from '../admission/review.js';
import type { ClusterModel } from '../cluster/model.js';
import { parseRfc3339 } from '../policy/exception.js';

/**
 * Decisions already made on the state version at hand, by what the request asks. The apiserver sends
 * the same object more than once (a dry run and then the write, retries, `kubectl apply` from several
 * pipelines, each replica of a controller), and a decision on 5,000 nodes costs from a tenth of a
 * millisecond to tens of milliseconds (a denial's remedies, a settings change), while the answer
 * depends only on:
 * - the state version: the model object, never changed in place; a new one empties the memo, so no
 *   answer ever comes from an older state than the request's own view;
 * - what the request carries, as a digest of its objects and identity (not its uid, not dryRun);
 * - what other changes hold in the ledger, and why the state may be stale: both part of the key;
 * - the time, only through exception expiries and Argo scale-down deadlines: an entry serves only
 *   until the first of those after it was made;
 * - the time budget, when the remedy search was cut short: such a decision serves only briefly
 *   (CUT_SHORT_TTL_MS in decisions.ts), then is searched again.
 */
export interface DecisionMemoLimits {
  readonly maxEntries: number;
  /** An estimate of what the entries hold (see `decisionBytes`). */
  readonly maxBytes: number;
}

export const DECISION_MEMO_LIMITS: DecisionMemoLimits = {
  maxEntries: 512,
  maxBytes: 8 * 1024 * 1024,
};

/** aws-node settings: one object per cluster, so a few entries hold every repeat. */
export const SETTINGS_MEMO_LIMITS: DecisionMemoLimits = {
  maxEntries: 32,
  maxBytes: 2 * 1024 * 1024,
};

/** Objects larger than this are decided every time: hashing them would cost memory and time for no likely repeat. */
export const MAX_MEMO_OBJECT_CHARS = 1024 * 1024;

export interface RequestDigest {
  /** The request's identity and objects as one text: equal texts, the same question. */
  readonly digest: string;
  /** Characters of the objects' text: a proxy for what the decision's projections hold. */
  readonly chars: number;
  /**
   * The last decision key made for this request and what it was made of (see `keyFor`): a repeat on
   * the same holdings gets the same string, whose hash the memo's Map has kept.
   */
  lastKey?: {
    readonly held: ReadonlyMap<string, number>;
    readonly stale: string | undefined;
    readonly key: string;
  };
}

/** What the request asks, by value: two requests with equal digests get the same decision on the same state. */
export function requestDigest(
  req: AdmissionRequest,
  autoscaler: boolean,
): RequestDigest | undefined {
  let object: string;
  let oldObject: string;
  try {
    object = JSON.stringify(req.object ?? null);
    oldObject = JSON.stringify(req.oldObject ?? null);
  } catch {
    // Nested deeper than the stack (JSON.parse took it; stringify recurses): decided every time.
    return undefined;
  }
  const chars = object.length + oldObject.length;
  if (chars > MAX_MEMO_OBJECT_CHARS) return undefined;
  const identity = JSON.stringify([
    req.kind.group,
    req.kind.version,
    req.kind.kind,
    req.resource.group,
    req.resource.version,
    req.resource.resource,
    req.subResource ?? null,
    req.operation,
    req.namespace ?? null,
    req.name ?? null,
    autoscaler,
  ]);
  // JSON text holds no raw newline, so the joined text is unambiguous. The text itself is the key, not
  // a hash of it: a Map hashes a string once and compares it whole, so no two requests ever share a
  // key, and a new body does not pay SHA-256 out of the caches (5–8 µs of its cost in the server).
  return { digest: `${identity}\n${object}\n${oldObject}`, chars };
}

/** The part of the key that changes between requests for the same object: held addresses, staleness. */
export function decisionKey(
  digest: string,
  held: ReadonlyMap<string, number>,
  stale: string | undefined,
): string {
  const parts: string[] = [];
  for (const [subnet, ips] of held) if (ips !== 0) parts.push(`${subnet}=${ips}`);
  // Nothing held and nothing stale, the usual case: the digest itself, the same string on every repeat
  // of the request, whose hash the Map has already worked out. Otherwise the digest's length comes
  // first (a digest starts with '['), so where it ends is never a guess whatever it holds.
  if (parts.length === 0 && stale === undefined) return digest;
  parts.sort();
  return `${digest.length}:${digest}|${parts.join(',')}|${stale ?? ''}`;
}

/**
 * `decisionKey` for a request, made again only when what others hold or the staleness changed. The
 * ledger hands out one map of holdings until they change (maps it hands out are never changed), so a
 * repeat finds its key by identity instead of listing, sorting and joining the holdings again.
 */
export function keyFor(
  request: RequestDigest,
  held: ReadonlyMap<string, number>,
  stale: string | undefined,
): string {
  const last = request.lastKey;
  if (last?.held === held && last.stale === stale) return last.key;
  const key = decisionKey(request.digest, held, stale);
  request.lastKey = { held, stale, key };
  return key;
}

/**
 * The first of `times` (RFC 3339, as annotations and Argo write them) after `nowMs`: where a decision
 * made now may turn. Infinity when none lies ahead.
 */
export function nextTimeAfter(nowMs: number, times: Iterable<string | undefined>): number {
  let next = Infinity;
  for (const text of times) {
    if (text === undefined) continue;
    // Both readings the core uses: parseRfc3339 for exceptions, Date.parse for Argo's deadlines.
    for (const at of [parseRfc3339(text), Date.parse(text)]) {
      if (at !== undefined && Number.isFinite(at) && at > nowMs && at < next) next = at;
    }
  }
  return next;
}

interface Entry<V> {
  readonly value: V;
  readonly bytes: number;
  readonly validUntilMs: number;
}

export interface DecisionMemoStats {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
}

export class DecisionMemo<V> {
  readonly #limits: DecisionMemoLimits;
  #model: ClusterModel | undefined;
  // A Map keeps insertion order: a hit moves its entry to the end, so the first is the least recently used.
  #entries = new Map<string, Entry<V>>();
  /**
   * The entry last set or moved to the end. A hit on it is already where a move would put it: the
   * repeats that follow a new request (the other replicas' dry runs and writes) skip the delete and
   * set, which in a Map of hundreds of long keys cost a microsecond a repeat.
   */
  #newest: Entry<V> | undefined;
  #bytes = 0;
  #hits = 0;
  #misses = 0;

  constructor(limits: DecisionMemoLimits = DECISION_MEMO_LIMITS) {
    this.#limits = limits;
  }

  /** The decision made for `key` on exactly this model, if it still holds at `nowMs`. */
  get(model: ClusterModel, key: string, nowMs: number): V | undefined {
    const e = model === this.#model ? this.#entries.get(key) : undefined;
    if (!e || nowMs >= e.validUntilMs) {
      if (e) this.#delete(key, e);
      this.#misses += 1;
      return undefined;
    }
    this.#hits += 1;
    if (e !== this.#newest) {
      this.#entries.delete(key);
      this.#entries.set(key, e);
      this.#newest = e;
    }
    return e.value;
  }

  set(
    model: ClusterModel,
    key: string,
    value: V,
    o: { bytes: number; validUntilMs: number },
  ): void {
    if (o.bytes > this.#limits.maxBytes || this.#limits.maxEntries <= 0) return;
    if (model !== this.#model) {
      // A new state version: nothing decided on the old one may answer again.
      this.#model = model;
      this.#entries = new Map();
      this.#newest = undefined;
      this.#bytes = 0;
    }
    const old = this.#entries.get(key);
    if (old) this.#delete(key, old);
    while (
      this.#entries.size > 0 &&
      (this.#entries.size >= this.#limits.maxEntries ||
        this.#bytes + o.bytes > this.#limits.maxBytes)
    ) {
      const [firstKey, first] = this.#entries.entries().next().value as [string, Entry<V>];
      this.#delete(firstKey, first);
    }
    const entry = { value, bytes: o.bytes, validUntilMs: o.validUntilMs };
    this.#entries.set(key, entry);
    this.#newest = entry;
    this.#bytes += o.bytes;
  }

  stats(): DecisionMemoStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      hits: this.#hits,
      misses: this.#misses,
    };
  }

  #delete(key: string, e: Entry<V>): void {
    this.#entries.delete(key);
    if (e === this.#newest) this.#newest = undefined;
    this.#bytes -= e.bytes;
  }
}

/** Per entry, besides what is counted: the entry, its key, the decision's fixed fields. */
const ENTRY_BYTES = 2048;
/** Per item of a list a decision holds (a subnet, a batch of new nodes, a remedy, a note). */
const ITEM_BYTES = 256;

interface Sized {
  readonly warnings: readonly string[];
  readonly denial?: string;
  readonly remedies: readonly unknown[];
  readonly judgement: { readonly subnets: readonly unknown[] };
  readonly sim: {
    readonly batches: readonly unknown[];
    readonly subnets: readonly unknown[];
    readonly unserved: readonly unknown[];
    readonly unresolved: readonly unknown[];
    readonly notes: readonly unknown[];
    readonly spreads?: { readonly nodes: readonly unknown[] };
  };
  readonly impact?: {
    readonly classes: readonly unknown[];
    readonly subnets: readonly unknown[];
    readonly newNodes: readonly unknown[];
  };
}

/**
 * What a memoized decision holds, estimated from its lists and texts, and from the objects it was
 * projected from (characters count twice: strings are UTF-16).
 */
export function decisionBytes(d: Sized, request: RequestDigest, key: string): number {
  const { sim } = d;
  const items =
    sim.batches.length +
    sim.subnets.length +
    sim.unserved.length +
    sim.unresolved.length +
    sim.notes.length +
    (sim.spreads?.nodes.length ?? 0) +
    d.remedies.length +
    d.judgement.subnets.length +
    (d.impact ? d.impact.classes.length + d.impact.subnets.length + d.impact.newNodes.length : 0);
  let chars = key.length + request.chars + (d.denial?.length ?? 0);
  for (const w of d.warnings) chars += w.length;
  return ENTRY_BYTES + items * ITEM_BYTES + chars * 2;
}
