import type { Logger } from 'pino';
import {
  byName,
  configMapPath,
  configMapsPath,
  DEFAULT_LEDGER_NAME,
  isObject,
  ledgerText,
  newLedgerObject,
  olderVersion,
  resourceVersionOf,
  withLedgerText,
  type KubeObject,
} from '../kube/ledger-object.js';
import { KubeHttpError, type KubeTransport } from '../kube/transport.js';
import { backoffMs, type BackoffPolicy } from '../timing/backoff.js';
import { realDelay, type Clock, type Delay } from '../timing/delay.js';
import {
  decodeLedger,
  encodeEntry,
  encodeLedger,
  heldBySubnet,
  liveCount,
  pruned,
  type FreeNow,
  type LedgerEntries,
  type LedgerEntry,
} from './ledger-record.js';
import type {
  AdmitResult,
  AdmitTx,
  LedgerFailure,
  LedgerHealth,
  LedgerObserver,
  ReservationLedger,
} from './reservations.js';

export interface KubeLedgerOptions {
  readonly transport: KubeTransport;
  readonly namespace: string;
  readonly name?: string;
  /** This replica's name (the pod's), written beside each reservation it makes. */
  readonly replica: string;
  readonly ttlSeconds: number;
  /** Live reservations the record holds at most; past that a change that needs a new one gets the failure mode. */
  readonly maxEntries: number;
  readonly log: Logger;
  readonly now?: Clock;
  readonly delay?: Delay;
  readonly random?: () => number;
  /** Between failed lists and watches of the object. */
  readonly syncBackoff?: BackoffPolicy;
  /** Between a 409 and the next attempt: short, spread, so two replicas do not collide again in step. */
  readonly conflictBackoff?: BackoffPolicy;
  readonly watchTimeoutSeconds?: number;
}

/**
 * The record stays well inside the 1 MiB the API server allows a ConfigMap (kubernetes
 * pkg/apis/core/validation: data and binaryData together at most core.MaxSecretSize, 1 MiB), whatever
 * the entry count: every write also travels to every replica's watch.
 */
export const MAX_LEDGER_BYTES = 768 * 1024;
const SYNC_BACKOFF: BackoffPolicy = { baseMs: 800, capMs: 30_000, jitter: 0.2 };
const CONFLICT_BACKOFF: BackoffPolicy = { baseMs: 5, capMs: 100, jitter: 0.5 };
const WATCH_TIMEOUT_SECONDS = 300;
/** A watch that ends this soon without an event counts as a failure: no hot loop against the API. */
const MIN_HEALTHY_WATCH_MS = 1_000;
/** A failed write is reported this long unless a later write succeeds first. */
const WRITE_ERROR_SHOWN_MS = 60_000;

interface Pending {
  readonly tx: AdmitTx<unknown>;
  readonly resolve: (r: AdmitResult<unknown>) => void;
  /** A decision that threw (an InputError the caller answers for): only its own request fails. */
  readonly reject: (err: unknown) => void;
}

/** A release already answered: the workload needs nothing now, its old entry goes with the next write. */
interface Release {
  readonly key: string;
}

class Gone extends Error {}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The cause in a few words, for the answer the user sees: warnings and denial messages are cut at 120
 * characters, so the full error (path, Status message) goes to the log and /readyz instead.
 */
function shortCause(err: unknown): string {
  if (err instanceof KubeHttpError)
    return `HTTP ${err.statusCode}${err.reason === undefined ? '' : ` ${err.reason}`}`;
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return 'no answer in time';
  const m = message(err);
  return m.length <= 60 ? m : `${m.slice(0, 57)}...`;
}

const entryBytes = new WeakMap<LedgerEntry, number>();
function bytesOf(entries: LedgerEntries): number {
  let n = 40;
  for (const e of entries.values()) {
    let b = entryBytes.get(e);
    if (b === undefined) {
      b = encodeEntry(e).length + 1;
      entryBytes.set(e, b);
    }
    n += b;
  }
  return n;
}

function needsAddresses(reserve: ReadonlyMap<string, number> | undefined): boolean {
  if (!reserve) return false;
  for (const ips of reserve.values()) if (ips > 0) return true;
  return false;
}

/**
 * The reservations of every replica, in one ConfigMap in ipguard's namespace. A watch on that one
 * object keeps a local copy current, so decisions read it without waiting. Admitting a change that
 * takes addresses is a compare-and-swap: decide against the copy, PUT the record with the copy's
 * resourceVersion, and on 409 read the object again and decide again, until the request's deadline.
 *
 * Admissions that arrive together on one replica are decided in order against the same copy and
 * written together (one PUT for all of them): replicas conflict with each other, never with
 * themselves. Dry runs and decisions that reserve nothing never write. Expired and realised entries
 * are pruned by whichever write comes next.
 */
export class KubeLedger implements ReservationLedger {
  readonly description: string;
  readonly #o: KubeLedgerOptions;
  readonly #name: string;
  readonly #now: Clock;
  readonly #delay: Delay;
  readonly #random: () => number;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #observer: LedgerObserver | undefined;

  /** The object as last seen; undefined while it does not exist. */
  #object: KubeObject | undefined;
  #entries: LedgerEntries = new Map();
  #bytes = 0;
  #loaded = false;
  #markLoaded: () => void = () => undefined;
  readonly #loadedPromise: Promise<void>;
  /** The stored record cannot be read (corrupt, or a newer format): never overwritten. */
  #unreadable: string | undefined;
  #syncError: string | undefined;
  #syncCause: string | undefined;
  #syncDownSinceMs: number | undefined;
  #writeError: { readonly message: string; readonly atMs: number } | undefined;

  #queue: (Pending | Release)[] = [];
  #flushing = false;
  #conflicts = 0;
  #writes = 0;

  constructor(o: KubeLedgerOptions) {
    this.#o = o;
    this.#name = o.name ?? DEFAULT_LEDGER_NAME;
    this.#now = o.now ?? Date.now;
    this.#delay = o.delay ?? realDelay;
    this.#random = o.random ?? Math.random;
    this.description = `ConfigMap ${o.namespace}/${this.#name} (shared by every replica)`;
    this.#loadedPromise = new Promise(resolve => {
      this.#markLoaded = resolve;
    });
  }

  /** Starts the list-and-watch; resolves once the object has been read (or found absent) once. */
  start(): Promise<void> {
    this.#loop ??= this.#sync().catch((err: unknown) => {
      this.#o.log.error({ err }, 'reservation ledger sync stopped unexpectedly');
      this.#syncError = `sync stopped: ${message(err)}`;
    });
    return this.#loadedPromise;
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  observe(observer: LedgerObserver): void {
    this.#observer = observer;
  }

  get size(): number {
    return liveCount(this.#entries, this.#now());
  }

  /** Conflicts retried and writes made since start (for tests and the bench). */
  stats(): { readonly conflicts: number; readonly writes: number } {
    return { conflicts: this.#conflicts, writes: this.#writes };
  }

  held(free: FreeNow, exceptKey?: string): Map<string, number> {
    return heldBySubnet(this.#entries, free, this.#now(), exceptKey);
  }

  health(): LedgerHealth {
    const nowMs = this.#now();
    const reasons: string[] = [];
    if (!this.#loaded)
      reasons.push(`not read yet${this.#syncError === undefined ? '' : ` (${this.#syncError})`}`);
    else if (this.#syncError !== undefined) {
      const s = Math.round((nowMs - (this.#syncDownSinceMs ?? nowMs)) / 1000);
      reasons.push(`watch down for ${s} s (${this.#syncError}); reservations as of then`);
    }
    if (this.#unreadable !== undefined) reasons.push(`cannot be read: ${this.#unreadable}`);
    const w = this.#writeError;
    if (w && nowMs - w.atMs < WRITE_ERROR_SHOWN_MS) {
      const s = Math.round((nowMs - w.atMs) / 1000);
      reasons.push(`a write failed ${s} s ago: ${w.message}`);
    }
    return {
      ok: reasons.length === 0,
      ...(reasons.length > 0 && {
        reason: `reservation ledger ${this.#where()}: ${reasons.join('; ')}`,
      }),
      loaded: this.#loaded,
      entries: liveCount(this.#entries, nowMs),
      ...(this.#object && { bytes: this.#bytes }),
    };
  }

  #where(): string {
    return `${this.#o.namespace}/${this.#name}`;
  }

  // ---- the local copy ----------------------------------------------------------------------

  #accept(obj: unknown): void {
    if (!isObject(obj)) return;
    const rv = resourceVersionOf(obj);
    const mine = this.#object ? resourceVersionOf(this.#object) : undefined;
    if (rv !== undefined && mine !== undefined && olderVersion(rv, mine)) return;
    this.#object = obj;
    const text = ledgerText(obj);
    if (text === undefined) {
      this.#entries = new Map();
      this.#bytes = 0;
      this.#unreadable = undefined;
      return;
    }
    try {
      this.#entries = decodeLedger(text);
      this.#bytes = text.length;
      this.#unreadable = undefined;
    } catch (err) {
      // Keep deciding against the last record read; refuse to write over one this replica cannot read.
      this.#unreadable = message(err);
      this.#o.log.error({ err: this.#unreadable }, 'the reservation ledger cannot be read');
    }
  }

  /**
   * The object is gone (deleted, or never created). The entries last read stay held: the next write
   * creates the object again with the live ones, so deleting it loses no reservation.
   */
  #absent(): void {
    this.#object = undefined;
  }

  // ---- list and watch ----------------------------------------------------------------------

  async #sync(): Promise<void> {
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const list = await this.#o.transport.getJson(
          configMapsPath(this.#o.namespace),
          { fieldSelector: byName(this.#name) },
          signal,
        );
        const l = list as { metadata?: { resourceVersion?: unknown }; items?: unknown };
        const items = Array.isArray(l.items) ? (l.items as unknown[]) : [];
        const found = items.find(i => isObject(i) && i.metadata.name === this.#name);
        if (found) this.#accept(found);
        else this.#absent();
        this.#syncOk();
        if (!this.#loaded) {
          this.#loaded = true;
          this.#markLoaded();
          this.#o.log.info(
            { ledger: this.#where(), reservations: this.size, exists: found !== undefined },
            'reservation ledger read',
          );
        }
        let rv = typeof l.metadata?.resourceVersion === 'string' ? l.metadata.resourceVersion : '0';
        for (;;) {
          const started = this.#now();
          const end = await this.#watchOnce(rv);
          if (this.#stopped()) return;
          if (end.gone) break;
          rv = end.rv;
          if (!end.events && this.#now() - started < MIN_HEALTHY_WATCH_MS)
            throw new Error('the watch ended at once');
          failures = 0;
        }
      } catch (err) {
        if (this.#stopped()) return;
        failures += 1;
        this.#syncError = message(err);
        this.#syncCause = shortCause(err);
        this.#syncDownSinceMs ??= this.#now();
        this.#o.log.warn(
          { ledger: this.#where(), err: this.#syncError, failures },
          'reservation ledger list/watch failed; retrying',
        );
        await this.#delay(
          backoffMs(this.#o.syncBackoff ?? SYNC_BACKOFF, failures, this.#random),
          signal,
        );
      }
    }
  }

  /** Read through a call: the compiler would take a check of the signal inside the loop as constant. */
  #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  #syncOk(): void {
    this.#syncError = undefined;
    this.#syncCause = undefined;
    this.#syncDownSinceMs = undefined;
  }

  /** One watch from `rv`; resolves with the last resourceVersion seen, or gone on 410. */
  async #watchOnce(rv: string): Promise<{ rv: string; gone: boolean; events: boolean }> {
    let last = rv;
    let events = false;
    try {
      await this.#o.transport.watch(
        configMapsPath(this.#o.namespace),
        {
          fieldSelector: byName(this.#name),
          resourceVersion: rv,
          allowWatchBookmarks: true,
          timeoutSeconds: this.#o.watchTimeoutSeconds ?? WATCH_TIMEOUT_SECONDS,
        },
        (type, object) => {
          events = true;
          const objRv = isObject(object) ? resourceVersionOf(object) : undefined;
          switch (type) {
            case 'ADDED':
            case 'MODIFIED':
              this.#accept(object);
              break;
            case 'DELETED':
              this.#absent();
              break;
            case 'BOOKMARK':
              break;
            case 'ERROR': {
              const code = (object as { code?: unknown } | null)?.code;
              if (code === 410) throw new Gone('the watch resourceVersion is too old');
              throw new Error(
                `watch error: ${String((object as { message?: unknown } | null)?.message ?? code)}`,
              );
            }
            default:
              break;
          }
          if (objRv !== undefined) last = objRv;
        },
        this.#stop.signal,
        () => {
          this.#syncOk();
        },
      );
    } catch (err) {
      if (err instanceof Gone || (err instanceof KubeHttpError && err.statusCode === 410))
        return { rv: last, gone: true, events };
      throw err;
    }
    return { rv: last, gone: false, events };
  }

  // ---- admission ---------------------------------------------------------------------------

  admit<T>(tx: AdmitTx<T>): Promise<AdmitResult<T>> {
    if (!tx.mayWrite) return Promise.resolve(this.#readOnly(tx, this.#entries));
    return new Promise((resolve, reject) => {
      this.#queue.push({
        tx,
        resolve: resolve as (r: AdmitResult<unknown>) => void,
        reject,
      });
      this.#kick();
    });
  }

  /** Decided against `entries` with no write: fine unless the decision needs addresses held for it. */
  #readOnly<T>(tx: AdmitTx<T>, entries: LedgerEntries, why?: FailureWhy): AdmitResult<T> {
    const { value, reserve } = tx.decide(heldBySubnet(entries, tx.free, this.#now(), tx.key));
    if (!needsAddresses(reserve)) return { ok: true, value };
    const failure = why ?? this.#cannotDecide();
    if (!failure) return { ok: true, value };
    return { ok: false, ...failure };
  }

  /** Why the copy cannot back a decision that takes addresses, if it cannot. */
  #cannotDecide(): FailureWhy | undefined {
    if (this.#unreadable !== undefined)
      return {
        cause: 'unreadable',
        reason: `the reservation ledger cannot be read: ${this.#unreadable}`,
      };
    if (!this.#loaded)
      return {
        cause: 'unavailable',
        reason:
          this.#syncCause === undefined
            ? 'the reservation ledger has not been read yet'
            : `the reservation ledger cannot be read (${this.#syncCause})`,
      };
    return undefined;
  }

  #kick(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    void (async () => {
      try {
        while (this.#queue.length > 0) {
          const batch = this.#queue.splice(0, this.#queue.length);
          try {
            await this.#commit(batch);
          } catch (err) {
            // A bug here must not leave requests hanging: each gets the failure mode.
            this.#o.log.error({ err }, 'reservation ledger commit failed');
            for (const p of batch)
              if ('tx' in p)
                p.resolve({
                  ok: false,
                  cause: 'unavailable',
                  reason: `internal error: ${message(err)}`,
                });
          }
        }
      } finally {
        this.#flushing = false;
      }
    })();
  }

  async #commit(batch: (Pending | Release)[]): Promise<void> {
    let items = batch;
    let conflicts = 0;
    let attempt = 0;
    while (items.length > 0) {
      const nowMs = this.#now();
      // Past its deadline, a request gets the failure mode now, saying why.
      const inTime: (Pending | Release)[] = [];
      for (const it of items) {
        if ('tx' in it && it.tx.deadlineMs <= nowMs) {
          if (conflicts > 0)
            this.#o.log.warn(
              { ledger: this.#where(), key: it.tx.key, conflicts },
              'reservation ledger kept changing until the request budget ran out',
            );
          it.resolve({
            ok: false,
            cause: conflicts > 0 ? 'conflicts' : 'unavailable',
            reason:
              conflicts > 0
                ? `the reservation ledger kept changing (${conflicts} conflicting writes within the budget)`
                : 'no time left in the budget to write the reservation ledger',
          });
        } else inTime.push(it);
      }
      items = inTime;
      const txs = items.filter((it): it is Pending => 'tx' in it);
      if (txs.length === 0 && attempt > 0) return;
      const deadlineMs =
        txs.length > 0 ? Math.min(...txs.map(p => p.tx.deadlineMs)) : nowMs + 5_000;

      if (!this.#loaded) {
        // Not read yet (just started, or the API refuses the list): read it now, within the budget.
        try {
          await this.#refetch(deadlineMs);
        } catch (err) {
          this.#settleAll(txs, {
            cause: 'unavailable',
            reason: `the reservation ledger cannot be read (${shortCause(err)})`,
          });
          return;
        }
      }
      const refusal = this.#cannotDecide();
      if (refusal) {
        this.#settleAll(txs, refusal);
        return;
      }

      // Decide each in arrival order against the copy plus the batch's earlier reservations.
      const free = txs[0]?.tx.free ?? (() => undefined);
      const base = this.#entries;
      let working: Map<string, LedgerEntry> = pruned(base, free, nowMs);
      const prunedCount = base.size - working.size;
      const answers: { p: Pending; result: AdmitResult<unknown>; writes: boolean }[] = [];
      const nextItems: (Pending | Release)[] = [];
      for (const it of items) {
        if (!('tx' in it)) {
          if (working.delete(it.key)) nextItems.push(it);
          continue;
        }
        let decided: { readonly value: unknown; readonly reserve?: ReadonlyMap<string, number> };
        try {
          decided = it.tx.decide(heldBySubnet(working, it.tx.free, nowMs, it.tx.key));
        } catch (err) {
          it.reject(err);
          continue;
        }
        const { value, reserve } = decided;
        if (!reserve) {
          answers.push({ p: it, result: { ok: true, value }, writes: false });
          nextItems.push(it);
          continue;
        }
        if (!needsAddresses(reserve)) {
          // Needs nothing now: answered at once; its old entry, if any, goes with this write.
          it.resolve({ ok: true, value });
          if (working.delete(it.tx.key)) nextItems.push({ key: it.tx.key });
          continue;
        }
        const next = new Map(working);
        const subnets = new Map<string, { ips: number; freeAtAdmission: number }>();
        for (const [id, ips] of reserve)
          if (ips > 0) subnets.set(id, { ips, freeAtAdmission: it.tx.free(id) ?? 0 });
        next.set(it.tx.key, {
          key: it.tx.key,
          subnets,
          createdMs: nowMs,
          expiresMs: nowMs + this.#o.ttlSeconds * 1000,
          replica: this.#o.replica,
        });
        const full = this.#full(next, working.has(it.tx.key));
        if (full !== undefined) {
          this.#o.log.warn({ ledger: this.#where(), key: it.tx.key }, full);
          it.resolve({ ok: false, cause: 'full', reason: full });
          continue;
        }
        working = next;
        answers.push({ p: it, result: { ok: true, value }, writes: true });
        nextItems.push(it);
      }
      items = nextItems;
      const writers = answers.filter(a => a.writes);
      const releases = items.filter(it => !('tx' in it));
      if (writers.length === 0 && releases.length === 0) {
        for (const a of answers) a.p.resolve(a.result);
        return;
      }

      attempt += 1;
      const outcome = await this.#write(working, deadlineMs);
      if (outcome.type === 'ok') {
        if (prunedCount > 0)
          this.#o.log.debug({ pruned: prunedCount }, 'pruned expired and realised reservations');
        for (const a of answers) a.p.resolve(a.result);
        return;
      }
      if (outcome.type === 'conflict') {
        conflicts += 1;
        this.#conflicts += 1;
        // Someone else wrote first: read what they wrote and decide everything again.
        try {
          await this.#refetch(deadlineMs);
        } catch (err) {
          // Out of time while reading: the deadline check above answers, naming the conflicts.
          if (this.#now() >= deadlineMs) continue;
          this.#fail(items, base, {
            cause: 'unavailable',
            reason: `the reservation ledger cannot be read after a conflict (${shortCause(err)})`,
          });
          return;
        }
        const wait = backoffMs(
          this.#o.conflictBackoff ?? CONFLICT_BACKOFF,
          conflicts,
          this.#random,
        );
        if (wait > 0 && this.#now() + wait < deadlineMs) await this.#delay(wait, this.#stop.signal);
        continue;
      }
      // Out of time on a retry after conflicts: the conflicts are why.
      this.#fail(
        items,
        this.#entries,
        outcome.timedOut && conflicts > 0
          ? {
              cause: 'conflicts',
              reason: `the reservation ledger kept changing (${conflicts} conflicting writes within the budget)`,
            }
          : {
              cause: 'unavailable',
              reason: `the reservation ledger cannot be written (${outcome.cause})`,
            },
      );
      return;
    }
  }

  /** Why `next` does not fit the record, if it does not. A replaced entry never counts as new. */
  #full(next: LedgerEntries, replaces: boolean): string | undefined {
    const nowMs = this.#now();
    if (!replaces && liveCount(next, nowMs) > this.#o.maxEntries)
      return `the reservation ledger is full (${this.#o.maxEntries} live reservations, IPGUARD_LEDGER_MAX_ENTRIES)`;
    if (bytesOf(next) > MAX_LEDGER_BYTES)
      return `the reservation ledger is full (its record would pass ${MAX_LEDGER_BYTES} bytes)`;
    return undefined;
  }

  #settleAll(txs: readonly Pending[], why: FailureWhy): void {
    for (const p of txs) this.#answerReadOnly(p, this.#entries, why);
  }

  /** The write failed for good: what needs no write is decided against what is stored, the rest fails. */
  #fail(items: readonly (Pending | Release)[], entries: LedgerEntries, why: FailureWhy): void {
    for (const it of items) if ('tx' in it) this.#answerReadOnly(it, entries, why);
  }

  #answerReadOnly(p: Pending, entries: LedgerEntries, why: FailureWhy): void {
    try {
      p.resolve(this.#readOnly(p.tx, entries, why));
    } catch (err) {
      p.reject(err);
    }
  }

  /** GET the object now and take it as the copy (absent on 404). */
  async #refetch(deadlineMs: number): Promise<void> {
    const signal = AbortSignal.timeout(Math.max(1, deadlineMs - this.#now()));
    try {
      const obj = await this.#o.transport.getJson(
        configMapPath(this.#o.namespace, this.#name),
        {},
        signal,
      );
      this.#object = undefined; // a GET answer is current: take it even when the copy ran ahead
      this.#accept(obj);
    } catch (err) {
      if (err instanceof KubeHttpError && err.statusCode === 404) this.#absent();
      else throw err;
    }
    if (!this.#loaded) {
      this.#loaded = true;
      this.#markLoaded();
    }
  }

  async #write(
    entries: LedgerEntries,
    deadlineMs: number,
  ): Promise<
    | { type: 'ok' }
    | { type: 'conflict' }
    | { type: 'error'; message: string; cause: string; timedOut: boolean }
  > {
    const text = encodeLedger(entries);
    const current = this.#object;
    const started = performance.now();
    const leftMs = Math.max(1, deadlineMs - this.#now());
    const signal = AbortSignal.timeout(leftMs);
    const done = (result: 'ok' | 'conflict' | 'error'): void => {
      this.#observer?.write(result, (performance.now() - started) / 1000);
    };
    try {
      const stored = current
        ? await this.#o.transport.sendJson(
            'PUT',
            configMapPath(this.#o.namespace, this.#name),
            withLedgerText(current, text),
            signal,
          )
        : await this.#o.transport.sendJson(
            'POST',
            configMapsPath(this.#o.namespace),
            newLedgerObject(this.#o.namespace, this.#name, text),
            signal,
          );
      done('ok');
      this.#writes += 1;
      this.#writeError = undefined;
      this.#accept(stored);
      return { type: 'ok' };
    } catch (err) {
      if (err instanceof KubeHttpError && err.statusCode === 409) {
        done('conflict');
        return { type: 'conflict' };
      }
      if (err instanceof KubeHttpError && err.statusCode === 404 && current) {
        // Deleted since it was read: the next attempt creates it, with the live entries.
        done('conflict');
        this.#absent();
        return { type: 'conflict' };
      }
      done('error');
      const m = signal.aborted
        ? `no answer within ${leftMs} ms, what was left of the request budget (if the write still lands, it holds until it ends)`
        : message(err);
      this.#writeError = { message: m, atMs: this.#now() };
      this.#o.log.warn({ ledger: this.#where(), err: m }, 'reservation ledger write failed');
      return {
        type: 'error',
        message: m,
        cause: signal.aborted ? 'no answer in time' : shortCause(err),
        timedOut: signal.aborted,
      };
    }
  }
}

interface FailureWhy {
  readonly cause: LedgerFailure;
  readonly reason: string;
}
