import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

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
   * One POST or PUT of a JSON object, answering the object the server stored (the ledger's writes).
   * Rejects with KubeHttpError on a non-2xx answer: 409 for a stale resourceVersion or an existing name.
   */
  sendJson(
    method: 'POST' | 'PUT',
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<unknown>;
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
/**
 * A watch's response headers come at once from a healthy API server (it answers 200 before it has any
 * event to send). One that has not answered by then is stuck, or the connection is: give up and retry,
 * rather than wait for a response that may never start while the state falls behind unnoticed.
 */
const WATCH_START_TIMEOUT_MS = 30_000;
/**
 * TCP keepalive probes on a watch's socket after this much idle time, as client-go and client-node do:
 * a peer that vanished without a FIN (a NAT or load balancer dropping the flow) then errors the socket
 * within minutes instead of leaving the watch open and silent until the reflector's watchdog fires.
 */
const WATCH_KEEPALIVE_MS = 30_000;
/** Enough of a refusal's body to read the Status message from; a watch stream is never read this way. */
const MAX_ERROR_BODY = 64 * 1024;

export interface KubeTransportOptions {
  /** A list page (one GET) may take this long. */
  readonly getTimeoutMs?: number;
  /** A watch's response must start (headers in) within this. */
  readonly watchStartTimeoutMs?: number;
  readonly watchKeepAliveMs?: number;
}

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

function httpError(verb: string, url: URL, code: number, body: string): KubeHttpError {
  const s = statusOf(body);
  return new KubeHttpError(
    code,
    `${verb} ${url.pathname}: HTTP ${code}${s.message === undefined ? '' : `: ${s.message}`}`,
    s.reason,
  );
}

/**
 * The kubeconfig's TLS and credentials (exec and token-file credentials are re-read on every call),
 * or undefined once `signal` aborts. An exec plugin (`aws eks get-token`) runs with no timeout of its
 * own and may wait for ever (an SSO login nobody completes): it gets `timeoutMs`, and a caller that
 * stops does not wait for it.
 */
function requestOptions(
  kc: KubeConfig,
  signal: AbortSignal,
  timeoutMs: number,
  what: string,
  method = 'GET',
): Promise<https.RequestOptions | undefined> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['Content-Type'] = 'application/json';
  const opts: https.RequestOptions = { method, headers };
  return new Promise((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      resolve(undefined);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`${what}: no credentials from the kubeconfig within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    kc.applyToHTTPSOptions(opts).then(
      () => {
        finish();
        resolve(opts);
      },
      (err: unknown) => {
        finish();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Every call goes through node:http with the kubeconfig's TLS and credentials and decodes to plain JSON:
 * the generated API clients turn every object into class instances and Dates, about 4× the CPU of
 * JSON.parse for 150,000 pods, only for us to project them away. Watches do not use client-node's Watch:
 * in 1.4.0 it hands back its abort handle only once response headers are in, so a watch whose response
 * never starts can be neither timed out nor stopped, and shutdown waits on it forever.
 *
 * Every request is tied to the caller's signal with a listener added and removed per call, never with
 * AbortSignal.any: on Node 20 each any() leaves an entry on the long-lived signal that is never removed.
 */
export function createKubeTransport(
  kc: KubeConfig,
  options: KubeTransportOptions = {},
): KubeTransport {
  const getTimeoutMs = options.getTimeoutMs ?? GET_TIMEOUT_MS;
  const startTimeoutMs = options.watchStartTimeoutMs ?? WATCH_START_TIMEOUT_MS;
  const keepAliveMs = options.watchKeepAliveMs ?? WATCH_KEEPALIVE_MS;
  async function requestJson(
    method: string,
    path: string,
    query: Query,
    payload: string | undefined,
    signal: AbortSignal,
  ): Promise<unknown> {
    const url = urlOf(kc, path, query);
    const opts = await requestOptions(
      kc,
      signal,
      getTimeoutMs,
      `${method} ${url.pathname}`,
      method,
    );
    signal.throwIfAborted();
    if (!opts) throw new Error('aborted');
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | undefined, value?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(value);
      };
      const onAbort = (): void => {
        settle(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const req = mod.request(url, opts, res => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', settle);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code < 200 || code >= 300) {
            settle(httpError(method, url, code, text));
            return;
          }
          try {
            settle(undefined, JSON.parse(text));
          } catch (err) {
            settle(new Error(`${method} ${url.pathname}: the answer is not JSON`, { cause: err }));
          }
        });
      });
      req.on('error', settle);
      const timer = setTimeout(() => {
        settle(new Error(`${method} ${url.pathname}: no answer within ${getTimeoutMs / 1000} s`));
      }, getTimeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      req.end(payload);
    });
  }

  return {
    getJson(path, query, signal) {
      return requestJson('GET', path, query, undefined, signal);
    },

    sendJson(method, path, body, signal) {
      return requestJson(method, path, {}, JSON.stringify(body), signal);
    },

    async watch(path, query, onEvent, signal, onOpen) {
      const url = urlOf(kc, path, { ...query, watch: true });
      const opts = await requestOptions(kc, signal, startTimeoutMs, `watch ${url.pathname}`);
      if (!opts || signal.aborted) return;
      const mod = url.protocol === 'https:' ? https : http;
      return new Promise<void>((resolve, reject) => {
        let settled = false;
        /** Ends the request whatever state it is in; an abort by the caller always resolves. */
        const settle = (err?: Error): void => {
          if (settled) return;
          settled = true;
          clearTimeout(startTimer);
          signal.removeEventListener('abort', onAbort);
          req.destroy();
          if (err === undefined || signal.aborted) resolve();
          else reject(err);
        };
        const onAbort = (): void => {
          settle();
        };
        const req = mod.request(url, opts, res => {
          clearTimeout(startTimer);
          const code = res.statusCode ?? 0;
          if (code !== 200) {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              if (body.length < MAX_ERROR_BODY) body += c;
            });
            res.on('error', settle);
            res.on('end', () => {
              settle(httpError('watch', url, code, body));
            });
            return;
          }
          onOpen?.();
          // Newline-delimited JSON, one {"type","object"} event per line, lines split across chunks.
          let pending = '';
          const deliver = (line: string): void => {
            if (line.trim() === '') return;
            let event: { type?: unknown; object?: unknown };
            try {
              event = JSON.parse(line) as { type?: unknown; object?: unknown };
            } catch (err) {
              settle(new Error(`watch ${url.pathname}: an event is not JSON`, { cause: err }));
              return;
            }
            if (typeof event.type !== 'string') return;
            try {
              onEvent(event.type, event.object);
            } catch (err) {
              // A handler that throws ends this watch (the caller retries) rather than the process.
              settle(err instanceof Error ? err : new Error(String(err)));
            }
          };
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            pending += chunk;
            let start = 0;
            let nl = pending.indexOf('\n');
            while (nl >= 0 && !settled) {
              deliver(pending.slice(start, nl));
              start = nl + 1;
              nl = pending.indexOf('\n', start);
            }
            pending = pending.slice(start);
          });
          res.on('error', settle);
          res.on('end', () => {
            if (!settled) deliver(pending);
            settle();
          });
          // A connection that breaks mid-stream ends the response without 'end'.
          res.on('close', () => {
            settle(res.complete ? undefined : new Error(`watch ${url.pathname}: connection lost`));
          });
        });
        req.on('socket', socket => {
          socket.setKeepAlive(true, keepAliveMs);
        });
        req.on('error', settle);
        const startTimer = setTimeout(() => {
          settle(new Error(`watch ${url.pathname}: no response within ${startTimeoutMs / 1000} s`));
        }, startTimeoutMs);
        signal.addEventListener('abort', onAbort, { once: true });
        req.end();
      });
    },
  };
}
