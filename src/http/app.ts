import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import type { Metrics } from './metrics.js';
import { reviewResponse } from './review-response.js';
import { TLS_CIPHERS, type TlsMaterial } from './tls.js';
import { newDecisions } from './decisions.js';
import { handleReview, type ReviewLine, type ValidateDeps } from './validate.js';
import { addReviewBodyParser, type ReviewShape } from './review-body.js';
import { SeenReviews } from './seen-reviews.js';

/**
 * Lines in the logger's own format written straight to its destination, for the one line per review:
 * what every repeat of an answer shares is serialised once (reviewLineWriter), where pino would walk and
 * escape a child's bindings and the call's fields on every line.
 */
export interface JsonLines {
  /** Whether lines of `level` are written at all. */
  enabled(level: 'info' | 'warn'): boolean;
  /**
   * One line: the logger's level, time and base fields, then `members` (a JSON object's members,
   * `"a":1,"b":"x"`, as the logger would write a child's bindings and the call's fields), then `msg`.
   */
  write(level: 'info' | 'warn', members: string, message: string): void;
}

export interface AppDeps extends ValidateDeps {
  readonly log: FastifyBaseLogger;
  /** The log's destination in its own format, for review lines (`serve`); without it they go through `log`. */
  readonly lines?: JsonLines;
  /** True once shutdown began: /readyz fails so the Service drops this pod while it still answers. */
  readonly draining?: () => boolean;
}

/** fastify's body errors, as the AdmissionReview codes the apiserver understands. */
function bodyErrorCode(err: FastifyError): number {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 413;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 415;
    default:
      return err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500
        ? err.statusCode
        : 400;
  }
}

/**
 * The webhook as a fastify app, without a socket: tests drive it with app.inject(), `serve` listens.
 * Every answer on /validate is an AdmissionReview, bad bodies included.
 */
export function buildApp(given: AppDeps, tls?: TlsMaterial): FastifyInstance {
  const seen = given.seen ?? new SeenReviews<ReviewShape>();
  const deps: AppDeps = { ...given, memo: given.memo ?? newDecisions(), seen };
  const app = Fastify({
    loggerInstance: deps.log,
    // One log line per review comes from the route itself, with the verdict; probes are not logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Our log line carries the review's uid; a pino child per request (for a reqId) costs more than
    // the rest of a cheap review.
    childLoggerFactory: logger => logger,
    bodyLimit: deps.config.bodyLimitBytes,
    // A `__proto__` or `constructor.prototype` key is data in a Kubernetes object (a Rollout keeps
    // unknown fields): refusing it answered 400 with no uid, which the apiserver reads as the webhook
    // failing, so under failurePolicy Ignore the change went through unchecked. JSON.parse makes such
    // keys own properties, never prototypes; ipguard reads objects field by field and builds maps with
    // setOwn, so nothing merges them into an object's prototype.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    return503OnClosing: true,
    // Slow clients cannot hold a connection open forever; the apiserver's own timeout is at most 30 s.
    requestTimeout: 30_000,
    ...(tls && {
      https: {
        cert: tls.cert,
        key: tls.key,
        minVersion: 'TLSv1.2' as const,
        ciphers: TLS_CIPHERS,
        honorCipherOrder: true,
      },
    }),
  });

  // A keep-alive connection busy when close() begins would hold it open for the whole idle timeout
  // (72 s); from then on, connections close as soon as their response is sent.
  app.addHook('preClose', done => {
    app.server.keepAliveTimeout = 1;
    done();
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (request.url.startsWith('/validate')) {
      const code = bodyErrorCode(err);
      deps.metrics.badRequests.inc({ reason: err.code });
      request.log.warn({ code, err: err.message }, 'refused a malformed AdmissionReview');
      return reply.code(code).send(
        reviewResponse('', {
          allowed: false,
          code,
          message: `malformed AdmissionReview: ${err.message}`,
        }),
      );
    }
    request.log.error({ err }, 'request failed');
    return reply.code(err.statusCode ?? 500).send({
      error: err.statusCode !== undefined && err.statusCode < 500 ? err.message : 'internal error',
    });
  });

  addReviewBodyParser(app, seen);
  const writeLine = reviewLineWriter(deps.log, deps.lines);
  app.post('/validate', async (request, reply) => {
    const outcome = await handleReview(request.body, deps);
    writeLine(outcome.line);
    return reply
      .code(outcome.status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(outcome.text);
  });

  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));

  app.get('/readyz', (_request, reply) => {
    if (deps.draining?.() === true) return reply.code(503).send({ ready: false, draining: true });
    const view = deps.state.current();
    const l = deps.reservations.health();
    // A ledger that cannot be read or written keeps the replica in the Service: its answers (the
    // failure mode, saying why) beat the apiserver's "no endpoints available".
    const ledger = {
      store: deps.reservations.description,
      ok: l.ok,
      reservations: l.entries,
      ...(l.reason !== undefined && { reason: l.reason }),
    };
    if (!view) return reply.code(503).send({ ready: false, state: deps.state.description, ledger });
    const degraded = [view.degraded, l.reason].filter(r => r !== undefined).join('; ');
    return reply.send({
      ready: true,
      state: deps.state.description,
      kubeAgeSeconds: Math.round((deps.now() - view.kubeSyncedAtMs) / 1000),
      subnetsAgeSeconds: Math.round((deps.now() - view.subnetsRefreshedAtMs) / 1000),
      ledger,
      ...(degraded !== '' && { degraded }),
    });
  });

  if (deps.config.metricsPort === undefined) metricsRoute(app, deps.metrics);

  return app;
}

/**
 * A review's log line. The fields every repeat shares are serialised once, into a child logger or (with
 * `lines`) as JSON text: a repeated review's line costs its uid and duration, not its dozen fields.
 */
function reviewLineWriter(
  log: FastifyBaseLogger,
  lines: JsonLines | undefined,
): (line: ReviewLine) => void {
  const children = new WeakMap<object, FastifyBaseLogger>();
  const serialised = new WeakMap<object, string>();
  return line => {
    if (!line.shared) {
      log[line.level](line.fields, line.message);
      return;
    }
    if (lines) {
      if (!lines.enabled(line.level)) return;
      let shared = serialised.get(line.shared);
      if (shared === undefined) {
        shared = JSON.stringify(line.shared).slice(1, -1);
        serialised.set(line.shared, shared);
      }
      const own = JSON.stringify(line.fields).slice(1, -1);
      lines.write(
        line.level,
        shared === '' ? own : own === '' ? shared : `${shared},${own}`,
        line.message,
      );
      return;
    }
    let child = children.get(line.shared);
    if (!child) {
      child = log.child(line.shared);
      children.set(line.shared, child);
    }
    child[line.level](line.fields, line.message);
  };
}

function metricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

/**
 * /metrics alone, over plain HTTP on its own port (`--metrics-port`): the webhook's port then admits
 * only the control plane, and what Prometheus reaches can judge nothing and reserve nothing.
 */
export function buildMetricsApp(metrics: Metrics, log: FastifyBaseLogger): FastifyInstance {
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: logger => logger,
    bodyLimit: 1024,
    requestTimeout: 10_000,
    return503OnClosing: true,
  });
  metricsRoute(app, metrics);
  return app;
}
