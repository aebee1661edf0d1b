import {
  BadReview,
  parseAdmissionReview,
  targetOf,
  type AdmissionRequest,
} from '../admission/review.js';
import { InputError } from '../errors.js';
import { workloadKey, type ClusterModel } from '../cluster/model.js';
import type { FreeNow } from '../state/ledger-record.js';
import type { ServeConfig } from '../config.js';
import { decide, MAX_WARNINGS, type Decision } from '../policy/decide.js';
import { remedySearchMs } from '../policy/remedies.js';
import { describeUnresolved } from '../simulate/unresolved.js';
import { oneLine } from '../policy/messages.js';
import type { AddressBook } from '../simulate/address-book.js';
import { resolveChange, type ResolvedChange } from '../simulate/resolve.js';
import type { Expectation, PendingConfirmations } from '../state/confirmations.js';
import type { ReservationLedger } from '../state/reservations.js';
import type { StateSource, StateView } from '../state/source.js';
import type { Metrics } from './metrics.js';
import { requestDigest, type RequestDigest } from './decision-memo.js';
import { memoized, type Decisions, type Prepared } from './decisions.js';
import { EXCEPTION_EXPIRES_ANNOTATION } from '../policy/config.js';
import { decideSettingsRequest } from './validate-settings.js';
import { learnReview, ReviewText, type ReviewLogFields, type ReviewShape } from './review-body.js';
import type { SeenReviews } from './seen-reviews.js';
import { ALLOWED, reviewResponse, type ReviewAnswer } from './review-response.js';

export interface ValidateDeps {
  readonly state: StateSource;
  readonly config: ServeConfig;
  readonly reservations: ReservationLedger;
  /** On live state: reservations the watch must confirm, or they are dropped (reviews can be forged). */
  readonly confirmations?: PendingConfirmations;
  readonly book: AddressBook;
  readonly metrics: Metrics;
  readonly now: () => number;
  /** Decisions already made on the current state version (buildApp gives each app its own). */
  readonly memo?: Decisions;
  /** Bodies seen before, read once (buildApp gives each app its own). */
  readonly seen?: SeenReviews<ReviewShape>;
}

/** The exception expiries a decision on this workload reads, and its ReplicaSets' scale-down deadlines. */
function* changeTimes(view: StateView, resolved: ResolvedChange): Iterable<string | undefined> {
  const { change } = resolved;
  yield change.desired.annotations[EXCEPTION_EXPIRES_ANNOTATION];
  yield view.model.namespaces.get(change.desired.namespace)?.annotations[
    EXCEPTION_EXPIRES_ANNOTATION
  ];
  for (const rs of change.replicaSets) yield rs.scaleDownDeadline;
}

export function isAutoscalerRequest(req: AdmissionRequest, deps: ValidateDeps): boolean {
  return (
    req.username !== undefined && deps.config.policy.autoscalerUsernames.includes(req.username)
  );
}

/** A review's log line: `shared` fields are the same object for every repeat with the same answer. */
export interface ReviewLine {
  readonly shared?: Readonly<Record<string, unknown>>;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly level: 'info' | 'warn';
  readonly message: string;
}

export interface ValidateOutcome {
  /** HTTP status: 200 for every decoded body; a malformed review is a denial with code 400 inside. */
  readonly status: number;
  /** The AdmissionReview answer, as JSON. */
  readonly text: string;
  readonly line: ReviewLine;
}

const UNKNOWN_UID = '';

/**
 * Kinds a review sent to ipguard can carry, for the metric label: the workloads, their Scale, and the
 * objects whose changes move addresses (the CNI's DaemonSet and ENIConfigs, nodes, node pools). A
 * fixed list, so a metric has a bounded number of series whatever is posted.
 */
const OBJECT_KINDS: ReadonlySet<string> = new Set([
  'Deployment',
  'Rollout',
  'Scale',
  'DaemonSet',
  'StatefulSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Pod',
  'Node',
  'ENIConfig',
  'ConfigMap',
  'NodePool',
  'EC2NodeClass',
  'HorizontalPodAutoscaler',
]);

export function staleReason(
  view: StateView,
  config: ServeConfig,
  nowMs: number,
): string | undefined {
  if (view.degraded !== undefined) return view.degraded;
  if (view.fixed === true) return undefined;
  const limitMs = config.staleAfterSeconds * 1000;
  const kubeAge = nowMs - view.kubeSyncedAtMs;
  const ec2Age = nowMs - view.subnetsRefreshedAtMs;
  if (ec2Age > limitMs) return `subnet free counts are ${Math.round(ec2Age / 1000)} s old`;
  if (kubeAge > limitMs) return `cluster state is ${Math.round(kubeAge / 1000)} s old`;
  return undefined;
}

/** Short audit annotation keys: the apiserver prefixes them with the webhook name and refuses a '/' in them. */
export function auditAnnotations(d: Decision): Record<string, string> {
  const a: Record<string, string> = {
    verdict: d.verdict,
    'ips-required': String(d.sim.ipsRequired),
    'ips-available': String(d.sim.ipsAvailable),
  };
  if (d.judgement.shortfall > 0) a.shortfall = String(d.judgement.shortfall);
  // The settings path names it the same: pods placed where the CNI never gives them an address.
  if (d.sim.unservedPods > 0) a['unserved-pods'] = String(d.sim.unservedPods);
  if (d.exceptionUsed && d.exception)
    a.exception = oneLine(`${d.exception.on}: ${d.exception.reason}`, 256);
  if (d.mode !== 'enforce') a.mode = d.mode;
  return a;
}

/**
 * Drop an unconfirmed reservation, in the background: the review at hand is not kept waiting for a
 * ledger write. One the ledger could not drop is retried at the next sweep.
 */
function release(
  deps: ValidateDeps,
  confirmations: PendingConfirmations,
  e: Expectation,
  free: (id: string) => number | undefined,
): void {
  deps.reservations
    .admit({
      key: e.key,
      free,
      mayWrite: true,
      deadlineMs: deps.now() + deps.config.budgetMs,
      decide: () => ({ value: undefined, reserve: new Map<string, number>() }),
    })
    .then(
      r => {
        if (!r.ok) confirmations.expect(e);
      },
      () => {
        confirmations.expect(e);
      },
    );
}

/**
 * What the configured failure mode answers when ipguard cannot decide. `details` go out as warnings of
 * their own, each short enough that the apiserver keeps it whole.
 */
export function failureAnswer(
  deps: ValidateDeps,
  why: string,
  details: readonly string[] = [],
): ReviewAnswer {
  const text = oneLine(`ipguard could not check this change: ${why}`);
  const more = details.map(d => oneLine(`ipguard: ${d}`));
  if (deps.config.failureMode === 'deny')
    return {
      allowed: false,
      code: 503,
      message: oneLine(
        `ipguard could not check this change: ${why}${details.length > 0 ? `: ${details.join('; ')}` : ''}`,
        2000,
      ),
      warnings: [text, ...more].slice(0, MAX_WARNINGS),
    };
  return {
    allowed: true,
    warnings: [oneLine(`${text}; allowed (failure mode allow)`), ...more].slice(0, MAX_WARNINGS),
  };
}

/** Per prepared request, besides its objects' projections. */
const PREPARED_ENTRY_BYTES = 2048;

/**
 * The request's target and its resolution on the model: projecting the objects and finding the
 * workload's sets and nodes cost more than the rest of a repeated review, and depend on nothing else.
 */
function prepare(
  req: AdmissionRequest,
  view: StateView,
  deps: ValidateDeps,
  request: RequestDigest | undefined,
  nowMs: number,
): Prepared {
  const table = request && deps.memo?.prepared;
  const hit = request && table?.get(view.model, request.digest, nowMs);
  // The time a resolution carries is its first request's: deciding puts the request's own in (decide).
  if (hit) return hit;
  const target = targetOf(req);
  let prepared: Prepared = { target };
  if (target.type === 'change') {
    try {
      prepared = {
        target,
        resolved: resolveChange(view.model, target.desired, {
          ...(target.current && { current: target.current }),
          nowMs,
        }),
      };
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      prepared = { target, unresolvable: err.message };
    }
  }
  if (request && table)
    table.set(view.model, request.digest, prepared, {
      // Projections take about what their objects' text does; the key is that text too (two bytes a
      // character at most, as decisionBytes counts it).
      bytes: PREPARED_ENTRY_BYTES + request.chars * 4 + request.digest.length * 2,
      validUntilMs: Infinity,
    });
  return prepared;
}

type Decided = {
  answer: ReviewAnswer;
  decision?: Decision;
  resolved?: ResolvedChange;
  reason?: string;
};

/** EC2's free count per subnet on one state version: one function per version, so the ledger can tell it is the same. */
const freeCounts = new WeakMap<ClusterModel, FreeNow>();

export function freeOn(model: ClusterModel): FreeNow {
  let free = freeCounts.get(model);
  if (!free) {
    free = (id: string): number | undefined => model.subnets.get(id)?.availableIps;
    freeCounts.set(model, free);
  }
  return free;
}

/** Why the ledger as last read may be behind the shared one, if it may. */
function ledgerBehind(deps: ValidateDeps): string | undefined {
  const ledger = deps.reservations.health();
  return ledger.loaded && !ledger.ok ? ledger.reason : undefined;
}

/** What a decision reserves when it lets its change through, per subnet. */
export function reservationOf(d: Decision): ReadonlyMap<string, number> {
  return new Map(d.sim.subnets.map(s => [s.id, s.required]));
}

/** The answer to a decision (made once per kept decision: see Kept). */
export function answerOf(
  decision: Decision,
  annotations: Readonly<Record<string, string>> = auditAnnotations(decision),
): ReviewAnswer {
  return {
    allowed: decision.allowed,
    ...(decision.allowed ? {} : { code: 403, message: decision.denial ?? 'denied by ipguard' }),
    warnings: decision.warnings,
    auditAnnotations: annotations,
  };
}

async function decideRequest(
  req: AdmissionRequest,
  shape: ReviewShape,
  view: StateView,
  deps: ValidateDeps,
  startedMs: number,
): Promise<Decided> {
  const nowMs = deps.now();
  const { autoscaler } = shape;
  const request = deps.memo && shape.digest;
  const prepared = prepare(req, view, deps, request, nowMs);
  const { target } = prepared;
  if (target.type === 'ignore') return { answer: ALLOWED, reason: target.reason };
  if (target.type === 'settings')
    return decideSettingsRequest(req, target, view, deps, startedMs, request);
  if (prepared.unresolvable !== undefined)
    return { answer: failureAnswer(deps, prepared.unresolvable), reason: 'unresolvable' };
  const resolved = prepared.resolved;
  if (!resolved) throw new Error('a change without its resolution');
  const d = resolved.change.desired;
  // An object created with generateName has no name yet: each such create holds its own reservation.
  const key = d.name.endsWith('*')
    ? `${workloadKey(d.kind, d.namespace, d.name)}#${req.uid}`
    : workloadKey(d.kind, d.namespace, d.name);
  const free = freeOn(view.model);
  const confirmations = view.fixed === true ? undefined : deps.confirmations;
  // What the watch never showed as admitted was not the apiserver's: it holds nothing any more.
  if (confirmations)
    for (const e of confirmations.sweep(view.model, nowMs)) release(deps, confirmations, e, free);
  // A dry run is decided on the ledger as this replica last saw it; a write checks it is current.
  const stale =
    staleReason(view, deps.config, nowMs) ?? (req.dryRun ? ledgerBehind(deps) : undefined);
  const ran = await deps.reservations.admit({
    key,
    free,
    // Dry runs change no state: they get the same verdict and reserve nothing. Nor does an autoscaler's
    // ceiling: nothing grows when it is set, and the scales it makes later are judged as they come.
    mayWrite: !req.dryRun && !resolved.ceiling,
    deadlineMs: startedMs + deps.config.budgetMs,
    decide: reserved => {
      const kept = memoized(
        deps.memo?.workloads,
        {
          view,
          request,
          held: reserved,
          stale,
          nowMs,
          times: () => changeTimes(view, resolved),
          // Remedies are a courtesy: the search stops early (remedySearchMs), so no review holds the event loop.
          stopSearch: () => deps.now() - startedMs > remedySearchMs(deps.config.budgetMs),
        },
        stopSearch =>
          decide({
            model: view.model,
            // The request's own time, never its resolution's first request's.
            change: { ...resolved.change, nowMs },
            config: deps.config.policy,
            book: deps.book,
            reserved,
            autoscaler,
            ...(stale !== undefined && { stale }),
            stopSearch,
            ...(resolved.ceiling && { ceiling: resolved.ceiling }),
          }),
      );
      // A re-admitted workload's new need replaces its old one; needing nothing now releases it. An
      // incomplete one let through by the failure mode holds what could be counted.
      const d = kept.decision;
      const lets = d.incomplete !== undefined ? deps.config.failureMode === 'allow' : d.allowed;
      return lets ? { value: kept, reserve: (kept.reserve ??= reservationOf(d)) } : { value: kept };
    },
  });
  if (!ran.ok) return { answer: failureAnswer(deps, ran.reason), reason: `ledger-${ran.cause}` };
  const kept = ran.value;
  const decision = kept.decision;
  if (decision.incomplete !== undefined) {
    // No verdict without the missing parts: the failure mode answers (what could be counted was held
    // above when it lets the change through, since those addresses will be taken).
    const answer = failureAnswer(
      deps,
      'the inputs do not describe what it needs',
      describeUnresolved(decision.sim.unresolved),
    );
    return { answer, decision, resolved, reason: 'incomplete' };
  }
  if (confirmations && !req.dryRun) {
    if (decision.allowed && decision.sim.subnets.some(s => s.required > 0))
      confirmations.expect({
        key,
        kind: d.kind,
        namespace: d.namespace,
        name: d.name,
        templateKey: d.templateKey,
        ...(d.replicas !== undefined && { replicas: d.replicas }),
        atMs: nowMs,
      });
    else if (decision.allowed) confirmations.forget(key);
  }
  return { answer: (kept.answer ??= answerOf(decision)), decision, resolved };
}

const LOG_FIELD_MAX_CHARS = 256;

function clipped(text: string | undefined): string | undefined {
  if (text === undefined || text.length <= LOG_FIELD_MAX_CHARS) return text;
  return `${text.slice(0, LOG_FIELD_MAX_CHARS - 3)}...`;
}

/** What a request says besides its uid, read from the request: see ReviewShape. */
export function reviewShape(req: AdmissionRequest, deps: ValidateDeps): ReviewShape {
  const autoscaler = isAutoscalerRequest(req, deps);
  // Request fields as long as a poster makes them (the apiserver's are at most 253 characters): each
  // log line stays short whatever arrives.
  const logFields: ReviewLogFields = {
    operation: clipped(req.operation),
    resource: clipped(
      `${req.resource.resource}${req.subResource === undefined ? '' : `/${req.subResource}`}`,
    ),
    namespace: clipped(req.namespace),
    name: clipped(req.name),
    user: clipped(req.username),
    dryRun: req.dryRun,
  };
  return {
    request: req,
    autoscaler,
    digest: deps.memo && requestDigest(req, autoscaler),
    logFields,
  };
}

/**
 * The answer to a request, as sent and logged, without its uid and duration: a repeat of the request
 * that gets the same answer (the same objects from the memos) sends and logs it again as it is.
 */
export interface Rendered {
  readonly answer: ReviewAnswer;
  readonly decision: Decision | undefined;
  readonly reason: string | undefined;
  readonly kind: string;
  /** The response text before and after the uid's JSON string. */
  readonly before: string;
  readonly after: string;
  readonly line: Readonly<Record<string, unknown>>;
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly counted: { inc(): void };
  readonly timed: { observe(seconds: number): void };
  readonly verdict: string;
  /** Answers rendered from it: only a rendering used again is worth a logger of its own. */
  uses: number;
}

const UID_PLACEHOLDER = '';

function render(
  shape: ReviewShape,
  r: { answer: ReviewAnswer; decision?: Decision; reason?: string; kind: string; verdict: string },
  deps: ValidateDeps,
): Rendered {
  const last = shape.rendered;
  if (
    last &&
    last.answer === r.answer &&
    last.decision === r.decision &&
    last.reason === r.reason &&
    last.kind === r.kind &&
    last.verdict === r.verdict
  ) {
    last.uses += 1;
    return last;
  }
  const { decision } = r;
  const text = JSON.stringify(reviewResponse(UID_PLACEHOLDER, r.answer));
  // `uid` is the response's first field, after the constant apiVersion and kind.
  const at = text.indexOf('"uid":""') + '"uid":'.length;
  // The reason is the annotation's text, as long as its author made it: bounded like the audit
  // annotation, so no log line carries a megabyte of it.
  const exceptionUsed =
    decision?.exceptionUsed === true && decision.exception
      ? oneLine(decision.exception.reason, 256)
      : undefined;
  // One literal with every field (JSON leaves out those undefined): built by spreading and adding
  // fields one by one, it cost a new body several µs of shape transitions read back from memory.
  const f = shape.logFields;
  const sim = decision?.sim;
  const line: Readonly<Record<string, unknown>> = {
    operation: f.operation,
    resource: f.resource,
    namespace: f.namespace,
    name: f.name,
    user: f.user,
    dryRun: f.dryRun,
    reason: r.reason,
    verdict: r.verdict,
    change: sim?.peak.change,
    deltaPods: sim?.deltaPods,
    newNodes: sim?.newNodes,
    ipsRequired: sim?.ipsRequired,
    ipsAvailable: sim?.ipsAvailable,
    shortfall:
      decision && decision.judgement.shortfall > 0 ? decision.judgement.shortfall : undefined,
    exception:
      exceptionUsed !== undefined && decision?.exception
        ? {
            on: decision.exception.on,
            reason: exceptionUsed,
            expires: decision.exception.expires,
          }
        : undefined,
    allowed: r.answer.allowed,
  };
  const rendered: Rendered = {
    answer: r.answer,
    decision,
    reason: r.reason,
    kind: r.kind,
    verdict: r.verdict,
    before: text.slice(0, at),
    after: text.slice(at + 2),
    line,
    level: exceptionUsed !== undefined ? 'warn' : 'info',
    message: exceptionUsed !== undefined ? 'admission allowed by exception' : 'admission review',
    counted: deps.metrics.requests.labels({
      verdict: r.verdict,
      kind: r.kind,
      change: decision?.sim.peak.change ?? 'none',
      dry_run: String(shape.request.dryRun),
    }),
    timed: deps.metrics.duration.labels({ verdict: r.verdict }),
    uses: 1,
  };
  shape.rendered = rendered;
  return rendered;
}

/**
 * The review's log line: a rendering used again shares its fields through one logger (see ReviewLine);
 * an internal error is logged at warn, with the error.
 */
function lineOf(
  rendered: Rendered,
  uid: string | undefined,
  durationMs: number,
  err: unknown,
): ReviewLine {
  if (err !== undefined)
    return {
      fields: { uid, ...rendered.line, err, durationMs },
      level: 'warn',
      message: 'admission review',
    };
  if (rendered.uses > 1)
    return {
      shared: rendered.line,
      fields: { uid, durationMs },
      level: rendered.level,
      message: rendered.message,
    };
  return {
    fields: { uid, ...rendered.line, durationMs },
    level: rendered.level,
    message: rendered.message,
  };
}

/** A body that is not a valid review: a denial with code 400, under the uid it carries if any. */
function badReview(err: unknown, deps: ValidateDeps): ValidateOutcome {
  const uid = err instanceof BadReview ? (err.uid ?? UNKNOWN_UID) : UNKNOWN_UID;
  const message = err instanceof Error ? err.message : 'malformed AdmissionReview';
  deps.metrics.badRequests.inc({ reason: 'review' });
  // JSON that is not a valid review still gets a 200: the apiserver reads the AdmissionReview (a
  // denial with code 400) instead of counting a failed call, which failurePolicy Ignore lets through.
  return {
    status: 200,
    text: JSON.stringify(reviewResponse(uid, { allowed: false, code: 400, message })),
    line: { fields: { bad: oneLine(message, 512) }, level: 'info', message: 'admission review' },
  };
}

/**
 * One AdmissionReview in, one AdmissionReview out: never a crash, never a hang. `body` is what the
 * route was given: a ReviewText from the JSON parser (a repeat of a seen body is not read again), or
 * any other parsed value.
 */
export async function handleReview(body: unknown, deps: ValidateDeps): Promise<ValidateOutcome> {
  const started = deps.now();
  let shape: ReviewShape;
  let req: AdmissionRequest;
  const repeat = body instanceof ReviewText ? body.knownRepeat : undefined;
  if (repeat) {
    shape = repeat.seen.value;
    req = repeat.uid === shape.request.uid ? shape.request : { ...shape.request, uid: repeat.uid };
  } else {
    try {
      req = parseAdmissionReview(body instanceof ReviewText ? body.value : body);
    } catch (err) {
      return badReview(err, deps);
    }
    const parsed = req;
    shape =
      body instanceof ReviewText && deps.seen
        ? learnReview(deps.seen, body, parsed, () => reviewShape(parsed, deps))
        : reviewShape(parsed, deps);
    // A body that read back as a seen one with its own uid is that one under its uid.
    if (shape.request !== parsed) req = { ...shape.request, uid: parsed.uid };
  }
  const view = deps.state.current();
  let answer: ReviewAnswer;
  let verdict: string;
  let decision: Decision | undefined;
  let reason: string | undefined;
  let err: unknown;
  // A label value per kind ipguard judges; anything else posted to the port is one series, not one
  // per invented kind (2,000 posts with random kinds made 2,000 series).
  let kind = OBJECT_KINDS.has(req.kind.kind) ? req.kind.kind : 'other';
  try {
    if (!view) {
      // Cheap answers first: a request ipguard ignores needs no state.
      const target = targetOf(req);
      if (target.type === 'ignore') {
        answer = ALLOWED;
        verdict = 'ignored';
      } else {
        answer = failureAnswer(deps, 'cluster and subnet state are not loaded yet');
        verdict = 'error';
        deps.metrics.failOpen.inc({ reason: 'no-state' });
      }
    } else {
      const r = await decideRequest(req, shape, view, deps, started);
      answer = r.answer;
      decision = r.decision;
      reason = r.reason;
      if (r.resolved) kind = r.resolved.subject.kind;
      const failed =
        reason === 'unresolvable' ||
        reason === 'incomplete' ||
        reason?.startsWith('ledger-') === true;
      verdict =
        reason === 'incomplete'
          ? 'incomplete'
          : (decision?.verdict ?? (failed ? 'error' : 'ignored'));
      if (failed && reason !== undefined) deps.metrics.failOpen.inc({ reason });
    }
  } catch (e) {
    if (e instanceof BadReview) {
      // The apiserver has already validated the object (a CRD's looser schema included), so a field ipguard
      // cannot read is ipguard's limit, not the user's mistake: the failure mode decides, and a denial
      // keeps the 400 that names the field.
      deps.metrics.badRequests.inc({ reason: 'object' });
      const failed = failureAnswer(deps, e.message);
      return {
        status: 200,
        text: JSON.stringify(
          reviewResponse(
            req.uid,
            failed.allowed ? failed : { ...failed, code: 400, message: oneLine(e.message) },
          ),
        ),
        line: {
          fields: { uid: clipped(req.uid), ...shape.logFields, bad: oneLine(e.message, 512) },
          level: 'info',
          message: 'admission review',
        },
      };
    }
    // A bug must not leak internals or crash the server; the failure mode decides.
    deps.metrics.failOpen.inc({ reason: 'internal-error' });
    err = e;
    answer = failureAnswer(deps, 'internal error (see the ipguard log)');
    verdict = 'error';
    decision = undefined;
    reason = undefined;
  }
  const rendered = render(
    shape,
    {
      answer,
      verdict,
      kind,
      ...(decision && { decision }),
      ...(reason !== undefined && { reason }),
    },
    deps,
  );
  const elapsedMs = deps.now() - started;
  rendered.counted.inc();
  rendered.timed.observe(elapsedMs / 1000);
  if (decision?.exceptionUsed && decision.exception) {
    deps.metrics.exceptions.inc({
      // Namespaces the cluster has: a forged review names any it likes.
      namespace:
        req.namespace !== undefined && view?.model.namespaces.has(req.namespace) === true
          ? req.namespace
          : 'other',
      on: decision.exception.on,
    });
  }
  if (decision?.autoscalerAllowed === true) deps.metrics.autoscalerAllowed.inc();
  return {
    status: 200,
    text: `${rendered.before}${JSON.stringify(req.uid)}${rendered.after}`,
    line: lineOf(rendered, clipped(req.uid), elapsedMs, err),
  };
}
