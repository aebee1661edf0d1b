import http from 'node:http';
import https from 'node:https';
import { Watch, type KubeConfig } from '@kubernetes/client-node';

/** A non-2xx answer from the API server, with the Status it sent when it sent one. */
export class KubeHttpError extends Error {
  override readonly name = 'KubeHttpError';
  readonly statusCode: number;
  /** Status.reason: `Expired`, `NotFound`, `Forbidden`, … */
  readonly reason: string | undefined;

  constructor(statusCode: number, message: string, reason?: string) {
    super(message);
    this.statusCode = statusCode;
    this.reason = reason;
  }
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** type is ADDED, MODIFIED, DELETED, BOOKMARK or ERROR; object is the decoded JSON object. */
export type WatchEventHandler = (type: string, object: unknown) => void;

/** The two calls list/watch needs; a loopback fake in tests, the real API server otherwise. */
export interface KubeTransport {
  /** One GET that answers JSON (a list page). Rejects with KubeHttpError on a non-2xx answer. */
  getJson(path: string, query: Query, signal: AbortSignal): Promise<unknown>;
  /**
   * A watch stream: resolves when the server ends it (timeoutSeconds elapsed, or a clean close),
   * rejects on an HTTP error or a broken connection. Aborting `signal` ends it (it then resolves).
   * `onOpen` runs once the server has answered 200: from then on the stream replays every change
   * after the requested resourceVersion, so the state is catching up rather than falling behind.
   */
  watch(
    path: string,
    query: Query,
    onEvent: WatchEventHandler,
    signal: AbortSignal,
    onOpen?: () => void,
  ): Promise<void>;
}

/** A list page of 500 pods is ~1 MB; a healthy API server answers in well under this. */
const GET_TIMEOUT_MS = 60_000;

function statusOf(body: string): { message?: string; reason?: string } {
  try {
    const s = JSON.parse(body) as { message?: unknown; reason?: unknown };
    return {
      ...(typeof s.message === 'string' && { message: s.message }),
      ...(typeof s.reason === 'string' && { reason: s.reason }),
    };
  } catch {
    return {};
  }
}

function urlOf(kc: KubeConfig, path: string, query: Query): URL {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query))
    if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

/**
 * Lists go through node:http with the kubeconfig's TLS and credentials (applyToHTTPSOptions re-reads
 * exec and token-file credentials on every call) and decode to plain JSON: the generated API clients
 * turn every object into class instances and Dates, about 4× the CPU of JSON.parse for 150,000 pods,
 * only for us to project them away. Watches use client-node's Watch, which already yields plain objects.
 */
export function createKubeTransport(kc: KubeConfig, getTimeoutMs = GET_TIMEOUT_MS): KubeTransport {
  const watcher = new Watch(kc);
  return {
    async getJson(path, query, signal) {
      const url = urlOf(kc, path, query);
      const opts: https.RequestOptions = {
        method: 'GET',
        headers: { Accept: 'application/json' },
      };
      await kc.applyToHTTPSOptions(opts);
      opts.signal = AbortSignal.any([signal, AbortSignal.timeout(getTimeoutMs)]);
      const mod = url.protocol === 'https:' ? https : http;
      return new Promise<unknown>((resolve, reject) => {
        const req = mod.request(url, opts, res => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const code = res.statusCode ?? 0;
            if (code < 200 || code >= 300) {
              const s = statusOf(text);
              reject(
                new KubeHttpError(
                  code,
                  `GET ${url.pathname}: HTTP ${code}${s.message === undefined ? '' : `: ${s.message}`}`,
                  s.reason,
                ),
              );
              return;
            }
            try {
              resolve(JSON.parse(text));
            } catch (err) {
              reject(new Error(`GET ${url.pathname}: the answer is not JSON`, { cause: err }));
            }
          });
        });
        req.on('error', reject);
        req.end();
      });
    },

    watch(path, query, onEvent, signal, onOpen) {
      return new Promise<void>((resolve, reject) => {
        let controller: AbortController | undefined;
        let finished = false;
        const onAbort = (): void => controller?.abort();
        const done = (err: unknown): void => {
          finished = true;
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted || err === null || err === undefined) resolve();
          else reject(watchError(err));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        // Watch calls `done` at most once, possibly before this promise settles; the promise itself
        // settles once the response headers are in, which is when the stream is open.
        watcher.watch(path, query, onEvent, done).then(
          c => {
            controller = c;
            if (signal.aborted) c.abort();
            else if (!finished) onOpen?.();
          },
          (err: unknown) => {
            done(err);
          },
        );
      });
    },
  };
}

function watchError(err: unknown): Error {
  const code = (err as { statusCode?: unknown }).statusCode;
  if (typeof code === 'number') {
    return new KubeHttpError(code, `watch: HTTP ${code} ${(err as Error).message}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}
