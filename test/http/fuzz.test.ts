import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exampleModel, switchReview, testApp, type TestApp } from '../helpers/app.js';
import { anyCase, fuzz, mutatedReview, randomBody, verdictOf } from './fuzz-cases.js';
import { startFuzzServer } from './fuzz-server.js';

/*
 * Hostile and random AdmissionReviews against /validate: whatever arrives, the answer is a well-formed
 * AdmissionReview (or a 4xx for a body that is not one), with no internals leaked. Bounded by case
 * count, never by time: how fast the answers come is `npm run fuzz`'s to check (fuzz.long.ts).
 */

async function check(t: TestApp, payload: string): Promise<void> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload,
  });
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

test('absurd replicas (int32 max) are judged, and denied', async () => {
  const t = testApp(await exampleModel());
  const review = switchReview();
  review.request.object.spec.replicas = 2 ** 31 - 1;
  const res = await t.app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(review),
  });
  const { response } = res.json<{ response: { allowed: boolean; status: { message: string } } }>();
  assert.equal(response.allowed, false);
  assert.match(response.status.message, /would run subnets out of IPv4 addresses/);
});

/** Cases per run of `npm test`: a few thousand over HTTPS keep-alive, in seconds on two cores. */
const HTTPS_CASES = 1500;
const SEED = 16;

test(`fuzz over HTTPS: ${HTTPS_CASES} hostile reviews against \`ipguard serve\`, verdicts unchanged`, async t => {
  const server = await startFuzzServer();
  t.after(() => server.stop());
  const story = JSON.stringify(switchReview());
  const before = await server.post(story);
  const rssBefore = server.rssBytes();
  const run = await fuzz(p => server.post(p), anyCase, { count: HTTPS_CASES, seed: SEED });
  assert.equal(run.cases, HTTPS_CASES);
  const after = await server.post(story);
  assert.deepEqual(verdictOf(after.body), verdictOf(before.body), 'the story is judged as before');
  const grownMiB = (server.rssBytes() - rssBefore) / 2 ** 20;
  assert.ok(grownMiB < 100, `RSS grew ${grownMiB.toFixed(0)} MiB`);
});
