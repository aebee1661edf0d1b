import type { Logger } from 'pino';
import { Reader } from '../cluster/reader.js';
import { backoffMs, type BackoffPolicy } from '../timing/backoff.js';
import type { Clock, Delay } from '../timing/delay.js';
import { DEFAULT_PAGE_SIZE, listPages } from './pager.js';
import { collectionPath, objectKey, resourceVersionOf, type KubeResource } from './resources.js';
import { KubeHttpError, type KubeTransport } from './transport.js';

/** Where a reflector puts what it sees: compact projections, never whole objects. */
export interface Sink<T> {
  /** Project one object; throws (an InputError naming the field) when the object is malformed. */
  project(obj: Reader): T;
  /** After a full list: these are all the objects there are. */
  replaceAll(items: ReadonlyMap<string, T>): void;
  upsert(key: string, item: T): void;
  remove(key: string): void;
}

export type ReflectorPhase = 'idle' | 'listing' | 'watching' | 'backoff' | 'absent' | 'stopped';

export interface ReflectorStatus {
  readonly resource: string;
  readonly phase: ReflectorPhase;
  /** The first full list is done (or the CRD is known to be absent). */
  readonly synced: boolean;
  /** When the state stopped being known current (a failed list or watch); undefined while current. */
  readonly downSinceMs?: number;
  readonly lastError?: string;
  readonly lists: number;
  readonly watches: number;
  /** Relists forced by 410 Gone. */
  readonly relists: number;
  /** Watches or lists that failed and were retried after a backoff. */
  readonly failures: number;
  /** Objects skipped because they could not be read. */
  readonly skipped: number;
}

export interface ReflectorOptions {
  readonly transport: KubeTransport;
  readonly log: Logger;
  readonly now: Clock;
  readonly delay: Delay;
  readonly pageSize?: number;
  /** The server ends each watch after this; client-go picks 5–10 minutes. */
  readonly watchTimeoutSeconds?: number;
  readonly backoff?: BackoffPolicy;
  /** How often to look again for a CRD that was not installed. */
  readonly absentRetryMs?: number;
  /** A watch that ends cleanly sooner than this without an event counts as a failure (no hot loop). */
  readonly minHealthyWatchMs?: number;
  readonly random?: () => number;
}

/** client-go's reflector backs off from 800 ms to 30 s; the API server is shared, so be as polite. */
export const DEFAULT_WATCH_BACKOFF: BackoffPolicy = { baseMs: 800, capMs: 30_000, jitter: 0.2 };
const DEFAULT_WATCH_TIMEOUT_SECONDS = 300;
const DEFAULT_ABSENT_RETRY_MS = 5 * 60_000;
const DEFAULT_MIN_HEALTHY_WATCH_MS = 1_000;
/** How long past the server's own timeout a silent watch is given before it is taken for dead. */
const WATCH_SILENCE_GRACE_SECONDS = 30;
/**
 * A watch request the server has not answered for this long leaves the state behind, so the status
 * says so, well before the transport gives up on it: a healthy API server answers a watch at once.
 */
export const WATCH_OPEN_GRACE_MS = 10_000;

type WatchEnd =
  | { readonly type: 'closed'; readonly healthy: boolean }
  | { readonly type: 'gone' }
  | { readonly type: 'failed'; readonly err: unknown };

function statusCode(err: unknown): number | undefined {
  return err instanceof KubeHttpError ? err.statusCode : undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One resource kept current: a paginated list, then a watch from the list's resourceVersion with
 * bookmarks; a closed watch resumes from the last resourceVersion seen, a failed one after a capped
 * exponential backoff, and 410 Gone (as an HTTP answer or an ERROR event) starts over with a list.
 * client-node's informer does not fit: it keeps whole objects, does not paginate and stops on errors.
 */
export class Reflector<T> {
  readonly resource: KubeResource;
  /** Resolves once the first full list is in (or the CRD is known to be absent). */
  readonly synced: Promise<void>;

  readonly #sink: Sink<T>;
  readonly #o: Required<Omit<ReflectorOptions, 'log'>> & { log: Logger };
  readonly #stop = new AbortController();
  #markSynced: () => void = () => undefined;
  #loop: Promise<void> | undefined;

  #phase: ReflectorPhase = 'idle';
  #isSynced = false;
  /** The last list found no such resource (a CRD not installed); logged once, not every retry. */
  #absent = false;
  #downSinceMs: number | undefined;
  #lastError: string | undefined;
  #resourceVersion: string | undefined;
  /** When the current watch was requested, until the server answers it. */
  #watchPendingSinceMs: number | undefined;
  #lists = 0;
  #watches = 0;
  #relists = 0;
  #failures = 0;
  #skipped = 0;

  constructor(resource: KubeResource, sink: Sink<T>, options: ReflectorOptions) {
    this.resource = resource;
    this.#sink = sink;
    this.#o = {
      pageSize: DEFAULT_PAGE_SIZE,
      watchTimeoutSeconds: DEFAULT_WATCH_TIMEOUT_SECONDS,
      backoff: DEFAULT_WATCH_BACKOFF,
      absentRetryMs: DEFAULT_ABSENT_RETRY_MS,
      minHealthyWatchMs: DEFAULT_MIN_HEALTHY_WATCH_MS,
      random: Math.random,
      ...options,
      log: options.log.child({ resource: resource.plural }),
    };
    this.synced = new Promise(resolve => {
      this.#markSynced = resolve;
    });
  }

  start(): void {
    this.#loop ??= this.#run().catch((err: unknown) => {
      // The loop handles every error it expects; anything else is a bug worth a loud log line.
      this.#o.log.error({ err }, 'reflector stopped unexpectedly');
      this.#phase = 'stopped';
    });
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    this.#phase = 'stopped';
  }

  status(): ReflectorStatus {
    // A watch the server has not answered yet delivers nothing: behind since it was asked for.
    const pendingSince = this.#watchPendingSinceMs;
    const nowMs = pendingSince === undefined ? 0 : this.#o.now();
    const stalled =
      this.#downSinceMs === undefined &&
      pendingSince !== undefined &&
      nowMs - pendingSince >= WATCH_OPEN_GRACE_MS;
    const downSinceMs = stalled ? pendingSince : this.#downSinceMs;
    const lastError = stalled
      ? `no answer to the watch request for ${Math.round((nowMs - pendingSince) / 1000)} s`
      : this.#lastError;
    return {
      resource: this.resource.plural,
      phase: this.#phase,
      synced: this.#isSynced,
      ...(downSinceMs !== undefined && { downSinceMs }),
      ...(lastError !== undefined && { lastError }),
      lists: this.#lists,
      watches: this.#watches,
      relists: this.#relists,
      failures: this.#failures,
      skipped: this.#skipped,
    };
  }

  /** A method, not a getter: TypeScript would narrow a getter's value across awaits. */
  #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  async #run(): Promise<void> {
    let attempt = 0;
    // 410s in a row: one is routine (a compacted resourceVersion), several mean a hot loop of lists.
    let gones = 0;
    while (!this.#stopped()) {
      if (this.#resourceVersion === undefined) {
        const listed = await this.#list();
        if (listed === 'ok') {
          attempt = 0;
          continue;
        }
        if (listed === 'absent') {
          await this.#o.delay(this.#o.absentRetryMs, this.#stop.signal);
          continue;
        }
        if (listed === 'gone' && ++gones <= 2) continue;
        attempt += 1;
        await this.#backoff(attempt);
        continue;
      }
      const end = await this.#watch(this.#resourceVersion);
      if (this.#stopped()) break;
      if (end.type === 'gone') {
        this.#relists += 1;
        this.#o.log.info('resourceVersion expired (410 Gone): listing again');
        this.#resourceVersion = undefined;
        if (++gones > 2) await this.#backoff(++attempt);
        continue;
      }
      gones = 0;
      if (end.type === 'closed') {
        if (end.healthy) {
          attempt = 0;
          continue;
        }
        attempt += 1;
        this.#failed(new Error('the watch closed at once without an event'));
        await this.#backoff(attempt);
        continue;
      }
      if (this.resource.optional && statusCode(end.err) === 404) {
        // The CRD was removed while we watched it: nothing of that kind exists any more.
        this.#o.log.info('the CRD is gone: treating it as empty');
        this.#sink.replaceAll(new Map());
        this.#resourceVersion = undefined;
        this.#phase = 'absent';
        await this.#o.delay(this.#o.absentRetryMs, this.#stop.signal);
        continue;
      }
      attempt += 1;
      this.#failed(end.err);
      await this.#backoff(attempt);
    }
    this.#phase = 'stopped';
  }

  async #backoff(attempt: number): Promise<void> {
    this.#phase = 'backoff';
    const ms = backoffMs(this.#o.backoff, attempt, this.#o.random);
    this.#o.log.debug({ attempt, delayMs: ms }, 'backing off');
    await this.#o.delay(ms, this.#stop.signal);
  }

  #failed(err: unknown): void {
    this.#failures += 1;
    this.#downSinceMs ??= this.#o.now();
    this.#lastError = errorText(err);
    this.#o.log.warn({ err: this.#lastError }, `${this.resource.plural}: list/watch failed`);
  }

  #current(): void {
    if (this.#downSinceMs !== undefined) this.#o.log.info('back in sync');
    this.#downSinceMs = undefined;
    this.#lastError = undefined;
  }

  #synced(): void {
    if (!this.#isSynced) {
      this.#isSynced = true;
      this.#markSynced();
    }
  }

  #read(obj: unknown, key: string): T | undefined {
    try {
      return this.#sink.project(Reader.of(obj, `${this.resource.kind} ${key}`, ''));
    } catch (err) {
      this.#skipped += 1;
      this.#o.log.warn({ key, err: errorText(err) }, 'skipping an object that cannot be read');
      return undefined;
    }
  }

  async #list(): Promise<'ok' | 'absent' | 'gone' | 'failed'> {
    this.#phase = 'listing';
    const items = new Map<string, T>();
    try {
      const outcome = await listPages(
        this.#o.transport,
        this.resource,
        page => {
          for (const obj of page) {
            const key = objectKey(obj);
            if (key === undefined) {
              this.#skipped += 1;
              continue;
            }
            const item = this.#read(obj, key);
            if (item !== undefined) items.set(key, item);
          }
        },
        this.#stop.signal,
        this.#o.pageSize,
      );
      if (this.#stopped()) return 'failed';
      this.#lists += 1;
      if (this.#absent) this.#o.log.info(`${this.resource.plural}: now installed`);
      this.#absent = false;
      this.#sink.replaceAll(items);
      // Without a resourceVersion there is nothing to watch from; "0" means "any", which is fine
      // right after a list that just returned everything.
      this.#resourceVersion = outcome.resourceVersion ?? '0';
      this.#phase = 'watching';
      this.#current();
      this.#synced();
      this.#o.log.debug({ items: outcome.items, pages: outcome.pages }, 'listed');
      return 'ok';
    } catch (err) {
      if (this.#stopped()) return 'failed';
      const code = statusCode(err);
      if (this.resource.optional && (code === 404 || code === 403)) {
        if (!this.#absent) {
          this.#o.log.info(
            code === 404
              ? `${this.resource.plural}: the CRD is not installed; treating it as empty`
              : `${this.resource.plural}: no permission to list (HTTP 403); treating it as empty`,
          );
        }
        this.#sink.replaceAll(new Map());
        this.#phase = 'absent';
        this.#absent = true;
        this.#current();
        this.#synced();
        return 'absent';
      }
      if (code === 410) {
        // The continue token expired between pages: start the list over.
        this.#relists += 1;
        this.#o.log.info('continue token expired (410 Gone): listing again from the start');
        return 'gone';
      }
      this.#failed(err);
      return 'failed';
    }
  }

  #watch(fromVersion: string): Promise<WatchEnd> {
    this.#phase = 'watching';
    this.#watches += 1;
    const ac = new AbortController();
    const onStop = (): void => {
      ac.abort();
    };
    this.#stop.signal.addEventListener('abort', onStop, { once: true });
    let gone = false;
    let streamError: Error | undefined;
    let events = 0;
    let openedAtMs: number | undefined;
    let lastHeardMs = this.#o.now();
    this.#watchPendingSinceMs = lastHeardMs;

    const onEvent = (type: string, obj: unknown): void => {
      if (ac.signal.aborted) return;
      lastHeardMs = this.#o.now();
      if (type === 'ERROR') {
        const status = obj as { code?: unknown; message?: unknown };
        if (status.code === 410) gone = true;
        else
          streamError = new KubeHttpError(
            typeof status.code === 'number' ? status.code : 500,
            `watch ERROR event: ${typeof status.message === 'string' ? status.message : 'no message'}`,
          );
        ac.abort();
        return;
      }
      events += 1;
      this.#resourceVersion = resourceVersionOf(obj) ?? this.#resourceVersion;
      if (type === 'BOOKMARK') return;
      const key = objectKey(obj);
      if (key === undefined) {
        this.#skipped += 1;
        return;
      }
      if (type === 'DELETED') {
        this.#sink.remove(key);
        return;
      }
      if (type !== 'ADDED' && type !== 'MODIFIED') return;
      const item = this.#read(obj, key);
      if (item !== undefined) this.#sink.upsert(key, item);
    };

    const path = collectionPath(this.resource);
    const query = {
      resourceVersion: fromVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: this.#o.watchTimeoutSeconds,
    };
    const opened = (): void => {
      this.#watchPendingSinceMs = undefined;
      openedAtMs = this.#o.now();
      lastHeardMs = openedAtMs;
      this.#current();
    };
    // The server ends every watch after timeoutSeconds; silence well past that means a connection that
    // died without a FIN, or a request never answered, so start over. The transport has timeouts of its
    // own; this one holds whatever transport is plugged in.
    const silenceMs = (this.#o.watchTimeoutSeconds + WATCH_SILENCE_GRACE_SECONDS) * 1000;
    const ended = (): boolean => ac.signal.aborted;
    const watchdog = async (): Promise<void> => {
      while (!ended()) {
        await this.#o.delay(silenceMs, ac.signal);
        if (!ended() && this.#o.now() - lastHeardMs >= silenceMs) {
          streamError = new Error(`the watch went silent for ${silenceMs / 1000} s`);
          ac.abort();
        }
      }
    };
    void watchdog();
    return this.#o.transport
      .watch(path, query, onEvent, ac.signal, opened)
      .then(
        (): WatchEnd => {
          if (gone) return { type: 'gone' };
          if (streamError) return { type: 'failed', err: streamError };
          const lastedMs = openedAtMs === undefined ? 0 : this.#o.now() - openedAtMs;
          return { type: 'closed', healthy: events > 0 || lastedMs >= this.#o.minHealthyWatchMs };
        },
        (err: unknown): WatchEnd =>
          statusCode(err) === 410 ? { type: 'gone' } : { type: 'failed', err },
      )
      .finally(() => {
        this.#watchPendingSinceMs = undefined;
        // Ends the watchdog too.
        ac.abort();
        this.#stop.signal.removeEventListener('abort', onStop);
      });
  }
}
