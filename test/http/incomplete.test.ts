import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterModel } from '../../src/cluster/model.js';
import { exampleModel, scaleReview, testApp, validate, type TestApp } from '../helpers/app.js';

/** The bundled cluster with the nodes of one type relabelled to a type neither EC2 nor the table knows. */
async function withoutType(type: string, env: Record<string, string> = {}): Promise<TestApp> {
  const model = await exampleModel();
  const nodes = new Map(
    [...model.nodes].map(([name, n]) => [
      name,
      n.instanceType === type ? { ...n, instanceType: `x-${type}` } : n,
    ]),
  );
  const incomplete: ClusterModel = { ...model, nodes };
  return testApp(incomplete, env);
}

async function failureAnswers(t: TestApp, reason: string): Promise<number> {
  const body = (await t.app.inject({ url: '/metrics' })).body;
  const m = body.match(
    new RegExp(`^ipguard_failure_mode_answers_total\\{reason="${reason}"\\} (\\d+)$`, 'm'),
  );
  return m ? Number(m[1]) : 0;
}

test('a change that needs a type nobody describes gets the failure mode: a warning by default', async () => {
  const t = await withoutType('m5.2xlarge');
  const { statusCode, answer } = await validate(
    t,
    scaleReview('rollouts', 'shop', 'checkout', 10, 400),
  );
  assert.equal(statusCode, 200);
  assert.equal(answer.uid, 'scale-checkout-400');
  assert.equal(answer.allowed, true);
  const warnings = answer.warnings ?? [];
  assert.match(warnings[0] ?? '', /could not check this change: .*allowed \(failure mode allow\)/);
  assert.ok(
    warnings.some(w => /node group apps: instance type x-m5\.2xlarge in neither/.test(w)),
    warnings.join('\n'),
  );
  for (const w of warnings) assert.ok(w.length <= 120, w);
  assert.ok(!warnings.some(w => /fits|needs 0/.test(w)));
  assert.equal(await failureAnswers(t, 'incomplete'), 1);
  const requests = (await t.app.inject({ url: '/metrics' })).body;
  assert.match(requests, /ipguard_admission_requests_total\{verdict="incomplete",kind="Rollout"/);
});

test('fail-closed: the same change is denied with a 503 naming what is missing', async () => {
  const t = await withoutType('m5.2xlarge', { IPGUARD_FAILURE_MODE: 'deny' });
  const { answer } = await validate(t, scaleReview('rollouts', 'shop', 'checkout', 10, 400));
  assert.equal(answer.allowed, false);
  assert.equal(answer.status?.code, 503);
  assert.match(
    answer.status?.message ?? '',
    /instance type x-m5\.2xlarge in neither the instance types nor the built-in table/,
  );
  assert.equal(await failureAnswers(t, 'incomplete'), 1);
  assert.equal(t.reservations.size, 0, 'a refused change holds nothing');
});

test('a change the missing type does not touch is judged as usual', async () => {
  const t = await withoutType('m5.2xlarge');
  // coredns runs on the system group (m5.large): one more replica needs nothing of the app nodes.
  const { answer } = await validate(t, scaleReview('deployments', 'kube-system', 'coredns', 2, 3));
  assert.equal(answer.allowed, true);
  assert.ok(!(answer.warnings ?? []).some(w => /could not check/.test(w)));
  assert.equal(await failureAnswers(t, 'incomplete'), 0);
});

test('a deny on what it can count stays a deny, missing type or not', async () => {
  const t = await withoutType('m5.large');
  // The apps group (m5.2xlarge) alone is short for 400 checkout pods.
  const { answer } = await validate(t, scaleReview('rollouts', 'shop', 'checkout', 10, 400));
  assert.equal(answer.allowed, false);
  assert.equal(answer.status?.code, 403);
  assert.equal(await failureAnswers(t, 'incomplete'), 0);
});
