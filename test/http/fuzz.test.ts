import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exampleModel, switchReview, testApp, type TestApp } from '../helpers/app.js';

/*
 * Hostile and random AdmissionReviews against /validate: whatever arrives, the answer is a well-formed
 * AdmissionReview (or a 4xx for a body that is not one), in bounded time, with no internals leaked.
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
const mutatedReview = fc
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

const randomBody = fc.oneof(
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

async function check(t: TestApp, payload: string): Promise<void> {
  const started = Date.now();
  const res = await t.app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload,
  });
  assert.ok(Date.now() - started < 5000, 'answered in bounded time');
  assert.ok(
    [200, 400, 413, 415].includes(res.statusCode),
    `status ${res.statusCode}: ${res.body.slice(0, 300)}`,
  );
  const body = res.json<{
    apiVersion: string;
    kind: string;
    response: {
      uid: unknown;
      allowed: unknown;
      status?: { code: number; message: string };
      warnings?: unknown[];
    };
  }>();
  assert.equal(body.apiVersion, 'admission.k8s.io/v1');
  assert.equal(body.kind, 'AdmissionReview');
  assert.equal(typeof body.response.uid, 'string');
  assert.equal(typeof body.response.allowed, 'boolean');
  if (res.statusCode !== 200 || body.response.allowed === false) {
    assert.ok(
      body.response.status && body.response.status.code >= 400 && body.response.status.code < 600,
    );
    assert.doesNotMatch(
      body.response.status.message,
      /\n\s+at |\/src\/|node_modules/,
      'no stack traces or paths',
    );
  }
  for (const w of body.response.warnings ?? []) {
    assert.equal(typeof w, 'string');
    assert.ok((w as string).length <= 120);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(w as string, /[\u0000-\u001f\u007f]/);
  }
}

test('fuzz: mutated captured reviews always get a well-formed answer', async () => {
  const t = testApp(await exampleModel());
  await fc.assert(
    fc.asyncProperty(mutatedReview, payload => check(t, payload)),
    { numRuns: 400 },
  );
  // The server is still healthy and still judges correctly.
  const res = await t.app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(switchReview()),
  });
  assert.equal(res.json<{ response: { allowed: boolean } }>().response.allowed, false);
});

test('fuzz: arbitrary bodies get a 4xx AdmissionReview, never a 5xx', async () => {
  const t = testApp(await exampleModel());
  await fc.assert(
    fc.asyncProperty(randomBody, payload => check(t, payload)),
    { numRuns: 400 },
  );
});

test('absurd replicas (int32 max) are judged in bounded time, and denied', async () => {
  const t = testApp(await exampleModel());
  const review = switchReview();
  review.request.object.spec.replicas = 2 ** 31 - 1;
  const started = Date.now();
  const res = await t.app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(review),
  });
  assert.ok(Date.now() - started < 3000);
  const { response } = res.json<{ response: { allowed: boolean; status: { message: string } } }>();
  assert.equal(response.allowed, false);
  assert.match(response.status.message, /would run subnets out of IPv4 addresses/);
});
