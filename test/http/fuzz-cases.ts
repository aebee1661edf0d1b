import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createReview, switchReview } from '../helpers/app.js';

/*
 * Hostile and random AdmissionReviews, shared by the fuzzers: captured reviews with fields replaced
 * by hostile values, the attacks of issue 16 (`__proto__` keys, 10,000 levels of nesting, million-digit
 * quantities, invented kinds, huge names), and bodies that are not JSON at all.
 */

const hostileScalar = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    2 ** 31 - 1,
    2 ** 53,
    -(2 ** 53),
    1e308,
    -0,
    0.5,
    Number.MAX_SAFE_INTEGER,
  ),
  fc.constantFrom(
    '',
    ' ',
    '10',
    '-5',
    '1e9',
    '25%',
    '250%',
    'NaN',
    'Infinity',
    '\u0000',
    '\n\t\r',
    '\u202e',
    '\ud800',
    '💥'.repeat(50),
    'x'.repeat(100_000),
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.integer(),
  fc.double(),
);

/** Deeply nested arrays and objects, past what any real object has. */
const deep = fc.integer({ min: 50, max: 3000 }).map(depth => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
});

const hostileValue = fc.oneof(
  hostileScalar,
  deep,
  fc.anything({ maxDepth: 3 }),
  fc.json().map(t => JSON.parse(t) as unknown),
);

/** A path inside the captured review to overwrite. */
const PATHS = [
  ['apiVersion'],
  ['kind'],
  ['request'],
  ['request', 'uid'],
  ['request', 'kind'],
  ['request', 'resource'],
  ['request', 'resource', 'resource'],
  ['request', 'subResource'],
  ['request', 'operation'],
  ['request', 'namespace'],
  ['request', 'name'],
  ['request', 'dryRun'],
  ['request', 'userInfo'],
  ['request', 'object'],
  ['request', 'object', 'metadata'],
  ['request', 'object', 'metadata', 'annotations'],
  ['request', 'object', 'metadata', 'annotations', 'ipguard.io/exception'],
  ['request', 'object', 'metadata', 'annotations', 'ipguard.io/exception-expires'],
  ['request', 'object', 'spec'],
  ['request', 'object', 'spec', 'replicas'],
  ['request', 'object', 'spec', 'strategy'],
  ['request', 'object', 'spec', 'strategy', 'blueGreen', 'previewReplicaCount'],
  ['request', 'object', 'spec', 'template'],
  ['request', 'object', 'spec', 'template', 'spec', 'containers'],
  [
    'request',
    'object',
    'spec',
    'template',
    'spec',
    'containers',
    '0',
    'resources',
    'requests',
    'cpu',
  ],
  ['request', 'object', 'spec', 'template', 'spec', 'nodeSelector'],
  ['request', 'object', 'spec', 'template', 'spec', 'tolerations'],
  ['request', 'object', 'spec', 'template', 'spec', 'affinity'],
  ['request', 'object', 'status'],
  ['request', 'oldObject'],
  ['request', 'oldObject', 'spec', 'replicas'],
] as const;

function setPath(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (typeof cur !== 'object' || cur === null) return;
    const next = (cur as Record<string, unknown>)[key];
    if (typeof next !== 'object' || next === null) (cur as Record<string, unknown>)[key] = {};
    cur = (cur as Record<string, unknown>)[key];
  }
  if (typeof cur === 'object' && cur !== null)
    (cur as Record<string, unknown>)[path[path.length - 1] ?? ''] = value;
}

const RESOURCES = [
  { group: 'apps', version: 'v1', resource: 'deployments' },
  { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' },
  { group: 'extensions', version: 'v1beta1', resource: 'deployments' },
  { group: '', version: 'v1', resource: 'pods' },
];

/** A captured review with some fields replaced by hostile values, and sometimes re-routed to another resource. */
export const mutatedReview = fc
  .record({
    edits: fc.array(fc.tuple(fc.constantFrom(...PATHS), hostileValue), {
      minLength: 1,
      maxLength: 4,
    }),
    resource: fc.option(fc.constantFrom(...RESOURCES), { nil: undefined }),
    sub: fc.option(fc.constantFrom('scale', 'status', 'ephemeralcontainers', ''), {
      nil: undefined,
    }),
    replicas: fc.option(fc.constantFrom(0, 1, 11, 1000, 2 ** 31 - 1), { nil: undefined }),
  })
  .map(({ edits, resource, sub, replicas }) => {
    const review = switchReview();
    if (resource) review.request.resource = resource;
    if (sub !== undefined) review.request.subResource = sub;
    if (replicas !== undefined) review.request.object.spec.replicas = replicas;
    for (const [path, value] of edits) setPath(review, path, value);
    return JSON.stringify(review);
  });

export const randomBody = fc.oneof(
  fc.json(),
  fc.anything().map(v => {
    try {
      return JSON.stringify(v) ?? 'null';
    } catch {
      return 'null';
    }
  }),
  fc.string({ maxLength: 200 }),
);

/** JSON text of `review` with `hostile` (JSON text) in place of the string "__hostile__". */
function spliced(review: Record<string, any>, hostile: string): string {
  return JSON.stringify(review).replace('"__hostile__"', hostile);
}

const protoKeys = fc.constantFrom(
  '{"__proto__":{"polluted":true}}',
  '{"__proto__":null,"a":1}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"__proto__":"x","app":"checkout"}',
);

/** The attacks of issue 16, each at a place a Rollout keeps unknown fields or ipguard reads. */
export const attackReview = fc.oneof(
  fc
    .tuple(protoKeys, fc.constantFrom('spec.plugins', 'container.securityContext', 'labels'))
    .map(([keys, place]) => {
      const r = switchReview();
      const c = r.request.object.spec.template.spec.containers[0];
      if (place === 'spec.plugins') r.request.object.spec.plugins = '__hostile__';
      else if (place === 'labels') r.request.object.spec.template.metadata.labels = '__hostile__';
      else c.securityContext = '__hostile__';
      return spliced(r, keys);
    }),
  fc.integer({ min: 1_000, max: 10_000 }).map(depth => {
    const r = switchReview();
    r.request.object.spec.template.spec.containers[0].securityContext = '__hostile__';
    return spliced(r, `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`);
  }),
  fc
    .tuple(fc.integer({ min: 1_000, max: 200_000 }), fc.constantFrom('cpu', 'memory'))
    .map(([digits, res]) => {
      const r = switchReview();
      r.request.object.spec.template.spec.containers[0].resources.requests[res] =
        `${'9'.repeat(digits)}${res === 'memory' ? 'Gi' : ''}`;
      return JSON.stringify(r);
    }),
  fc.tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.boolean()).map(([kind, dryRun]) => {
    const r = createReview(`k-${kind.length}`, { dryRun }) as Record<string, any>;
    r.request.kind = { group: 'x.io', version: 'v1', kind };
    r.request.resource = { group: 'x.io', version: 'v1', resource: kind.toLowerCase() };
    return JSON.stringify(r);
  }),
  fc.integer({ min: 1_000, max: 300_000 }).map(n => {
    const r = createReview('huge', {
      dryRun: true,
      annotations: { 'ipguard.io/exception': 'x'.repeat(n) },
    }) as Record<string, any>;
    r.request.name = `n${'n'.repeat(n)}`;
    r.request.namespace = `ns-${n}`;
    return JSON.stringify(r);
  }),
);

/** Bodies that are not JSON: the only ones that may get a 4xx status. */
export const notJson = fc.oneof(
  fc.constantFrom('', '{', '{"apiVersion": ', 'null,', '\u0000', 'uid=1', '{"a":1}}'),
  fc.string({ maxLength: 200 }).filter(s => !isJson(s)),
);

export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Every kind of case, weighted towards what the apiserver could send. */
export const anyCase = fc.oneof(
  { weight: 4, arbitrary: mutatedReview },
  { weight: 3, arbitrary: attackReview },
  { weight: 2, arbitrary: randomBody },
  { weight: 1, arbitrary: notJson },
);

/** The apiserver's limits on a response (k8s.io/api admission/v1 AdmissionResponse.Warnings). */
export const WARNING_MAX_CHARS = 120;
export const MAX_WARNINGS = 10;
export const ANSWER_MAX_MS = 1000;

interface Review {
  apiVersion: unknown;
  kind: unknown;
  response?: {
    uid: unknown;
    allowed: unknown;
    status?: { code: number; message: string };
    warnings?: unknown[];
  };
}

/** The uid an answer must echo: the request's, when it has one the webhook can read. */
function expectedUid(payload: string): string {
  try {
    const body = JSON.parse(payload) as { request?: { uid?: unknown } } | null;
    const uid =
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? body.request?.uid
        : undefined;
    return typeof uid === 'string' ? uid : '';
  } catch {
    return '';
  }
}

/**
 * An answer's verdict, for "the story is judged as before": allowed, code, the numbers (audit
 * annotations, the denial and warnings up to their remedies). Remedies are left out: their search
 * stops after REMEDY_SEARCH_MAX_MS of wall time, so on a loaded machine a run may find fewer; what
 * the fuzz could corrupt (reservations, caches, counts) shows in the numbers.
 */
export function verdictOf(body: string): unknown {
  const r = (
    JSON.parse(body) as {
      response: {
        allowed: boolean;
        status?: { code: number; message: string };
        warnings?: string[];
        auditAnnotations?: Record<string, string>;
      };
    }
  ).response;
  return {
    allowed: r.allowed,
    code: r.status?.code,
    message: r.status?.message.split(' Fits with: ')[0],
    warnings: (r.warnings ?? []).filter(w => !w.startsWith('ipguard: fix: ')),
    audit: r.auditAnnotations,
  };
}

/**
 * What every answer must be: a v1 AdmissionReview echoing the uid, with a 200 for any JSON (a 4xx
 * only for a body that is not JSON at all), warnings within the apiserver's limits, no internals;
 * and, where `answerMaxMs` is given (`npm run fuzz`, never `npm test`: no timed tests), in time.
 */
export function checkAnswer(
  payload: string,
  a: { status: number; body: string; ms: number },
  answerMaxMs?: number,
): void {
  const where = `${payload.slice(0, 200)} -> ${a.status} ${a.body.slice(0, 300)}`;
  if (answerMaxMs !== undefined && a.ms >= answerMaxMs)
    assert.fail(`answered in ${Math.round(a.ms)} ms: ${describeCase(payload)}: ${where}`);
  if (isJson(payload)) assert.equal(a.status, 200, where);
  else assert.ok(a.status >= 400 && a.status < 500, where);
  const review = JSON.parse(a.body) as Review;
  assert.equal(review.apiVersion, 'admission.k8s.io/v1', where);
  assert.equal(review.kind, 'AdmissionReview', where);
  const r = review.response;
  assert.ok(r, where);
  assert.equal(typeof r.allowed, 'boolean', where);
  assert.equal(r.uid, expectedUid(payload), where);
  if (r.allowed === false) {
    assert.ok(r.status && r.status.code >= 400 && r.status.code < 600, where);
    assert.doesNotMatch(
      r.status.message,
      /\n\s+at |\/src\/|node_modules/,
      'no stack traces or paths',
    );
  }
  const warnings = r.warnings ?? [];
  assert.ok(warnings.length <= MAX_WARNINGS, where);
  for (const w of warnings) {
    assert.equal(typeof w, 'string', where);
    assert.ok((w as string).length <= WARNING_MAX_CHARS, where);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(w as string, /[\u0000-\u001f\u007f]/, where);
  }
}

/** What a case is, in a line: its size and what it asks. */
export function describeCase(payload: string): string {
  let what = payload.slice(0, 80);
  try {
    const r = (JSON.parse(payload) as { request?: Record<string, any> } | null)?.request;
    if (typeof r === 'object' && r !== null) {
      const resource = `${String(r.resource?.resource)}${r.subResource ? `/${String(r.subResource)}` : ''}`;
      what = `${String(r.operation)} ${resource}, replicas ${String(r.object?.spec?.replicas)} (were ${String(r.oldObject?.spec?.replicas)})`;
    }
  } catch {
    // not JSON: its first characters say what it is
  }
  return `${payload.length} chars: ${what}`;
}

/**
 * Post `count` cases drawn from `arbitrary` with a fixed seed (the same cases every run), `inFlight`
 * at a time as the apiserver's connections would, checking each answer (its time too, given
 * `answerMaxMs`). Returns the slowest answer and what it was.
 */
export async function fuzz(
  post: (payload: string) => Promise<{ status: number; body: string; ms: number }>,
  arbitrary: fc.Arbitrary<string>,
  o: { count: number; seed: number; inFlight?: number; answerMaxMs?: number },
): Promise<{ cases: number; slowestMs: number; slowestCase: string }> {
  const batch = 100;
  let slowestMs = 0;
  let slowestCase = '';
  let cases = 0;
  for (let first = 0; first < o.count; first += batch) {
    // One seed per batch: cases are generated as they are needed, never all held at once.
    const payloads = fc.sample(arbitrary, {
      numRuns: Math.min(batch, o.count - first),
      seed: o.seed + first,
    });
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < payloads.length; i = next++) {
        const payload = payloads[i] as string;
        const answer = await post(payload);
        checkAnswer(payload, answer, o.answerMaxMs);
        if (answer.ms > slowestMs) {
          slowestMs = answer.ms;
          slowestCase = describeCase(payload);
        }
        cases += 1;
      }
    };
    await Promise.all(Array.from({ length: o.inFlight ?? 4 }, worker));
  }
  return { cases, slowestMs, slowestCase };
}
