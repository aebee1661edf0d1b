import {
  heldBySubnet,
  liveCount,
  pruned,
  withReservation,
  type FreeNow,
  type LedgerEntries,
  type LedgerEntry,
} from './ledger-record.js';

/**
 * Addresses held for changes that were admitted but that EC2 does not show as used yet: new nodes take
 * minutes to launch and attach ENIs. Without this, two changes that each fit alone could both pass.
 * One reservation per workload: re-admitting a workload replaces it, and one that now needs nothing
 * ends it. The lifecycle (shrinking, TTL) is in ledger-record.ts.
 *
 * Two implementations: `Reservations` in memory, for one process (a snapshot, a laptop), and
 * `KubeLedger`, a ConfigMap every replica of the webhook shares (kube-ledger.ts).
 */
export interface ReservationLedger {
  /** For logs, /readyz and the startup line. */
  readonly description: string;
  /** Addresses held per subnet now (what decisions subtract and `ipguard_reserved_ips` shows). */
  held(free: FreeNow, exceptKey?: string): ReadonlyMap<string, number>;
  /** Live reservations. */
  readonly size: number;
  /**
   * Decide against the held reservations and, if the decision asks to, record its need: as one step
   * that no other admission, on this replica or another, can interleave with.
   */
  admit<T>(tx: AdmitTx<T>): Promise<AdmitResult<T>>;
  health(): LedgerHealth;
  /** Write timings and conflicts go to `observer` (the metrics). */
  observe(observer: LedgerObserver): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface AdmitTx<T> {
  readonly key: string;
  readonly free: FreeNow;
  /** False for a dry run: decided against the ledger, never written. */
  readonly mayWrite: boolean;
  /** When the answer is due (epoch ms); past it, the failure mode answers. */
  readonly deadlineMs: number;
  /**
   * The decision given what other workloads hold; `reserve` is what this workload holds from now on
   * (undefined: the decision reserves nothing, e.g. a denial). May run more than once (after a conflict).
   */
  decide(held: ReadonlyMap<string, number>): {
    readonly value: T;
    readonly reserve?: ReadonlyMap<string, number>;
  };
}

export type AdmitResult<T> =
  | { readonly ok: true; readonly value: T }
  /** The ledger could not take the decision's reservation: the failure mode answers, saying `reason`. */
  | { readonly ok: false; readonly reason: string; readonly cause: LedgerFailure };

export type LedgerFailure = 'unavailable' | 'conflicts' | 'full' | 'unreadable';

export interface LedgerHealth {
  /** Reads and writes work and the copy is current. */
  readonly ok: boolean;
  /** Why not, when not. */
  readonly reason?: string;
  /** The ledger has been read at least once. */
  readonly loaded: boolean;
  readonly entries: number;
  /** The stored record's size, when it is stored. */
  readonly bytes?: number;
}

export interface LedgerObserver {
  /** One write to the shared ledger: how long it took and how it ended. */
  write(result: 'ok' | 'conflict' | 'error', seconds: number): void;
}

/**
 * A re-admission this soon after the last, needing the same, changes nothing: its entry would end at
 * most this much later. Repeats of one review (retries, every replica of a controller) then cost no
 * rebuild of the ledger.
 */
export const REFRESH_AFTER_MS = 1000;

/** `e` holds exactly `perSubnet` at today's free counts, and a write now would barely extend it. */
function holdsAlready(
  e: LedgerEntry,
  perSubnet: ReadonlyMap<string, number>,
  free: FreeNow,
  nowMs: number,
  ttlMs: number,
): boolean {
  if (e.expiresMs <= nowMs || e.expiresMs <= nowMs + ttlMs - REFRESH_AFTER_MS) return false;
  let n = 0;
  for (const [id, ips] of perSubnet) {
    if (ips <= 0) continue;
    const s = e.subnets.get(id);
    if (s?.ips !== ips || s.freeAtAdmission !== (free(id) ?? 0)) return false;
    n += 1;
  }
  return n === e.subnets.size;
}

/** Workloads whose view of the ledger is kept (see Reservations.held). */
const HELD_CACHE_ENTRIES = 256;

/** When the first live entry ends: what is held may change then without a write. */
function firstExpiry(entries: LedgerEntries, nowMs: number): number {
  let first = Infinity;
  for (const e of entries.values())
    if (e.expiresMs > nowMs && e.expiresMs < first) first = e.expiresMs;
  return first;
}

/** The in-memory ledger: one process, nothing shared, nothing survives a restart. */
export class Reservations implements ReservationLedger {
  readonly description = 'in memory (this process only)';
  readonly #ttlMs: number;
  readonly #now: () => number;
  #entries: LedgerEntries = new Map();
  /**
   * What others hold, per workload being decided: the same until an entry changes or ends, or the
   * free counts do (a new state version brings a new `free`). Repeats of a review read it again.
   */
  readonly #heldCache = new Map<
    string,
    {
      entries: LedgerEntries;
      free: FreeNow;
      validUntilMs: number;
      held: ReadonlyMap<string, number>;
    }
  >();

  constructor(ttlSeconds: number, now: () => number) {
    this.#ttlMs = ttlSeconds * 1000;
    this.#now = now;
  }

  held(free: FreeNow, exceptKey?: string): ReadonlyMap<string, number> {
    const nowMs = this.#now();
    const key = exceptKey ?? '';
    const cached = this.#heldCache.get(key);
    if (cached?.entries === this.#entries && cached.free === free && nowMs < cached.validUntilMs)
      return cached.held;
    const held = heldBySubnet(this.#entries, free, nowMs, exceptKey);
    if (this.#heldCache.size >= HELD_CACHE_ENTRIES) this.#heldCache.clear();
    this.#heldCache.set(key, {
      entries: this.#entries,
      free,
      validUntilMs: firstExpiry(this.#entries, nowMs),
      held,
    });
    return held;
  }

  /** Hold `perSubnet` for `key`, replacing what it held; holding nothing releases it. */
  reserve(key: string, perSubnet: ReadonlyMap<string, number>, free: FreeNow): void {
    const nowMs = this.#now();
    const held = this.#entries.get(key);
    if (held && holdsAlready(held, perSubnet, free, nowMs, this.#ttlMs)) return;
    this.#entries = withReservation(pruned(this.#entries, free, nowMs), {
      key,
      perSubnet,
      free,
      nowMs,
      ttlMs: this.#ttlMs,
      replica: 'this process',
    });
  }

  /** Decided and recorded in one synchronous step: nothing in this process can come between. */
  admit<T>(tx: AdmitTx<T>): Promise<AdmitResult<T>> {
    const { value, reserve } = tx.decide(this.held(tx.free, tx.key));
    if (tx.mayWrite && reserve) this.reserve(tx.key, reserve, tx.free);
    return Promise.resolve({ ok: true, value });
  }

  get size(): number {
    return liveCount(this.#entries, this.#now());
  }

  health(): LedgerHealth {
    return { ok: true, loaded: true, entries: this.size };
  }

  observe(): void {
    // Nothing is written anywhere.
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
