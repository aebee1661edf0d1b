import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadReview, parseAdmissionReview, targetOf } from '../../src/admission/review.js';
import { fixturesDir } from '../helpers/fixtures.js';

/** Captured AdmissionReviews (test/fixtures/admissionreviews; their origin is in test/fixtures/README.md). */
function review(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(fixturesDir(), 'admissionreviews', name), 'utf8')) as Record<
    string,
    unknown
  >;
}

test('an UPDATE that changes only a label needs no simulation', () => {
  const req = parseAdmissionReview(review('deployment-update-label-only.json'));
  assert.equal(req.uid, '2e9c253b-6520-11e9-96d1-000c29f3d008');
  assert.deepEqual(targetOf(req), { type: 'ignore', reason: 'only metadata changed' });
});

test('a Deployment UPDATE whose objects carry no apiVersion or kind is dispatched on request.kind', () => {
  const r = review('deployment-update-label-only.json');
  const request = r.request as { object: { spec: { replicas: number } } };
  request.object.spec.replicas = 3;
  const req = parseAdmissionReview(r);
  const t = targetOf(req);
  assert.equal(t.type, 'change');
  if (t.type !== 'change' || t.desired.type !== 'workload') return;
  assert.equal(t.desired.workload.kind, 'Deployment');
  assert.equal(t.desired.workload.name, 'coreoshttp');
  assert.equal(
    t.current?.templateKey,
    t.desired.workload.templateKey,
    'only a label changed: the template is the same',
  );
});

test('an equivalent-conversion request (extensions/v1beta1 with empty spec) is still a Deployment', () => {
  const r = review('deployment-update-equivalent-conversion.json');
  // Both versions have an empty spec: give the new one a paused flag so it is more than metadata.
  (r.request as { object: { spec: Record<string, unknown> } }).object.spec = { paused: true };
  const t = targetOf(parseAdmissionReview(r));
  assert.equal(t.type, 'change');
  if (t.type === 'change' && t.desired.type === 'workload')
    assert.equal(t.desired.workload.replicas, undefined);
});

test('deployments/scale carries a Scale: its replicas, not a Deployment', () => {
  const t = targetOf(parseAdmissionReview(review('deployments-scale-update.json')));
  assert.equal(t.type, 'change');
  if (t.type !== 'change') return;
  assert.deepEqual(t.desired, {
    type: 'scale',
    scale: { namespace: 'my-namespace', name: 'my-deployment', replicas: 10 },
    parentKind: 'Deployment',
  });
});

test('a Scale to 0 arrives as spec: {}', () => {
  const r = review('deployments-scale-update.json');
  const req = r.request as Record<string, unknown>;
  (req.object as Record<string, unknown>).spec = {};
  const t = targetOf(parseAdmissionReview(r));
  assert.ok(t.type === 'change' && t.desired.type === 'scale' && t.desired.scale.replicas === 0);
});

test('requests that do not change pods are ignored', () => {
  const base = review('deployment-update-label-only.json');
  const withReq = (o: Record<string, unknown>): Record<string, unknown> => ({
    ...base,
    request: { ...(base.request as Record<string, unknown>), ...o },
  });
  assert.equal(targetOf(parseAdmissionReview(withReq({ operation: 'DELETE' }))).type, 'ignore');
  assert.equal(
    targetOf(parseAdmissionReview(withReq({ subResource: 'status' }))).type,
    'ignore',
    'deployments/status',
  );
  assert.equal(
    targetOf(
      parseAdmissionReview(withReq({ resource: { group: '', version: 'v1', resource: 'pods' } })),
    ).type,
    'ignore',
  );
  const promote = targetOf(
    parseAdmissionReview(
      withReq({
        resource: { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' },
        subResource: 'status',
      }),
    ),
  );
  assert.equal(promote.type, 'change', 'rollouts/status is a promotion');
});

const broken = [
  { body: 'not json at all', msg: /expected a JSON object/ },
  {
    body: {
      apiVersion: 'admission.k8s.io/v1beta1',
      kind: 'AdmissionReview',
      request: { uid: 'x' },
    },
    msg: /apiVersion: expected admission\.k8s\.io\/v1, got "admission\.k8s\.io\/v1beta1"/,
  },
  { body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, msg: /request: missing/ },
  {
    body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: '' } },
    msg: /request\.uid: missing/,
  },
  {
    body: {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'u', kind: { version: 'v1', kind: 'X' } },
    },
    msg: /request\.resource: missing/,
  },
] as const;
for (const b of broken) {
  test(`a broken review is refused with the field named: ${b.msg.source.slice(0, 40)}`, () => {
    assert.throws(
      () => parseAdmissionReview(b.body),
      (e: unknown) => e instanceof BadReview && b.msg.test(e.message),
    );
  });
}

/** JSON with sorted keys, nulls kept: equal text exactly when the values are equal. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map(k => `${JSON.stringify(k)}:${sortedJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

test('jsonEqual is equality of decoded JSON, whatever the key order', async () => {
  const fc = (await import('fast-check')).default;
  const { jsonEqual } = await import('../../src/admission/review.js');
  const json = fc.json({ depthSize: 'small' }).map(t => JSON.parse(t) as unknown);
  fc.assert(
    fc.property(json, json, (a, b) => {
      assert.equal(jsonEqual(a, b), sortedJson(a) === sortedJson(b));
      assert.equal(jsonEqual(a, structuredClone(a)), true);
    }),
    { numRuns: 2000 },
  );
});
