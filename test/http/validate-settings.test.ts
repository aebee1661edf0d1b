import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterModel } from '../../src/cluster/model.js';
import { createReview, exampleModel, testApp, validate, type TestApp } from '../helpers/app.js';
import { settingsReview } from '../helpers/aws-node.js';

async function story(model?: ClusterModel): Promise<TestApp> {
  return testApp(model ?? (await exampleModel()));
}

test('kubectl set env ds aws-node MINIMUM_IP_TARGET=13 (from 8): denied with the numbers and a fix', async () => {
  const t = await story();
  const { statusCode, answer } = await validate(
    t,
    settingsReview({ MINIMUM_IP_TARGET: '8' }, { MINIMUM_IP_TARGET: '13' }),
  );
  assert.equal(statusCode, 200);
  assert.equal(answer.uid, 'aws-node-env');
  assert.equal(answer.allowed, false);
  assert.equal(answer.status?.code, 403);
  const message = answer.status?.message ?? '';
  assert.match(
    message,
    /^DaemonSet kube-system\/aws-node settings change \(MINIMUM_IP_TARGET 8 -> 13\) denied/,
  );
  assert.match(
    message,
    /existing nodes would take 68 more addresses at once, 85 available \(short 1\)/,
  );
  assert.match(message, /subnet-0b2f3e4d5c6b7a802 \(us-east-1b\) needs 21, has 20/);
  assert.match(message, /Fits with: set MINIMUM_IP_TARGET=12/);
  assert.ok((answer.warnings ?? []).length >= 1 && (answer.warnings ?? []).length <= 5);
  for (const w of answer.warnings ?? []) assert.ok(w.length <= 120, w);
  assert.deepEqual(answer.auditAnnotations, {
    verdict: 'deny',
    'ips-required': '68',
    'ips-available': '85',
    shortfall: '1',
  });
  assert.equal(t.reservations.size, 0, 'a denied change reserves nothing');
});

test('13 -> 8 gives addresses back: allowed, quietly', async () => {
  const t = await story();
  const { answer } = await validate(
    t,
    settingsReview({ MINIMUM_IP_TARGET: '13' }, { MINIMUM_IP_TARGET: '8' }),
  );
  assert.equal(answer.allowed, true);
  assert.deepEqual(answer.warnings ?? [], []);
  assert.equal(answer.auditAnnotations?.verdict, 'allow');
  assert.equal(answer.auditAnnotations?.['ips-required'], '0');
});

test('an admitted settings change holds its growth: a Deployment after it no longer fits', async () => {
  const t = await story();
  // 8 -> 12 fits: us-east-1b gives 17 of its 20 at once.
  const settings = await validate(
    t,
    settingsReview({ MINIMUM_IP_TARGET: '8' }, { MINIMUM_IP_TARGET: '12' }),
  );
  assert.equal(settings.answer.allowed, true);
  assert.equal(t.reservations.size, 1);
  // One new m5.2xlarge in us-east-1b takes 14: 3 are left.
  const deploy = await validate(t, createReview('search'));
  assert.equal(deploy.answer.allowed, false);
  assert.match(deploy.answer.status?.message ?? '', /us-east-1b\) needs 14, has 3/);
});

test('a dry run of a settings change gets the verdict and reserves nothing', async () => {
  const t = await story();
  const r = await validate(
    t,
    settingsReview({ MINIMUM_IP_TARGET: '8' }, { MINIMUM_IP_TARGET: '12' }, { dryRun: true }),
  );
  assert.equal(r.answer.allowed, true);
  assert.equal(t.reservations.size, 0);
});

test('an image bump of aws-node is no settings change: allowed without a look', async () => {
  const t = await story();
  const review = settingsReview({}, {});
  review.request.object.spec.template.spec.containers[0].image = 'aws-node:v1.21.0';
  const { answer } = await validate(t, review);
  assert.equal(answer.allowed, true);
  assert.equal(answer.auditAnnotations, undefined);
  const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.match(
    metrics.body,
    /ipguard_admission_requests_total\{verdict="ignored",kind="DaemonSet",change="none"[^}]*\} 1/,
  );
});

test('an exception on aws-node turns the deny into an allow with warnings that quote it', async () => {
  const t = await story();
  const { answer } = await validate(
    t,
    settingsReview(
      { MINIMUM_IP_TARGET: '8' },
      { MINIMUM_IP_TARGET: '13' },
      { annotations: { 'ipguard.io/exception': 'CHG-7 subnets grown tonight' } },
    ),
  );
  assert.equal(answer.allowed, true);
  assert.ok((answer.warnings ?? []).some(w => w.includes('CHG-7 subnets grown tonight')));
  assert.equal(answer.auditAnnotations?.exception, 'workload: CHG-7 subnets grown tonight');
});

test('kube-system in warn mode: the deny becomes a warning', async () => {
  const model = await exampleModel();
  const namespaces = new Map(model.namespaces);
  namespaces.set('kube-system', {
    name: 'kube-system',
    labels: {},
    annotations: { 'ipguard.io/mode': 'warn' },
  });
  const t = await story({ ...model, namespaces });
  const { answer } = await validate(
    t,
    settingsReview({ MINIMUM_IP_TARGET: '8' }, { MINIMUM_IP_TARGET: '13' }),
  );
  assert.equal(answer.allowed, true);
  assert.ok((answer.warnings ?? []).some(w => /kube-system is in warn mode/.test(w)));
});

test('a node ipguard cannot count: the failure mode answers, and says which node', async () => {
  const model = await exampleModel();
  const nodes = new Map(model.nodes);
  const [name, node] = [...nodes][0]!;
  nodes.set(name, { ...node, instanceType: 'x9.mystery' });
  const t = await story({ ...model, nodes });
  const { answer } = await validate(
    t,
    settingsReview({ MINIMUM_IP_TARGET: '8' }, { MINIMUM_IP_TARGET: '13' }),
  );
  assert.equal(answer.allowed, true);
  assert.match(
    answer.warnings?.[0] ?? '',
    /could not check this change: node ip-[^:]+: instance type x9\.mystery/,
  );
  const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.body, /ipguard_failure_mode_answers_total\{reason="unresolvable"\} 1/);
});

test('fail-closed: an uncountable cluster denies the settings change with 503', async () => {
  const model = await exampleModel();
  const nodes = new Map(model.nodes);
  const [name, node] = [...nodes][0]!;
  const withoutSubnet = { ...node };
  delete withoutSubnet.subnetId;
  nodes.set(name, withoutSubnet);
  const t = testApp({ ...model, nodes }, { IPGUARD_FAILURE_MODE: 'deny' });
  const { answer } = await validate(
    t,
    settingsReview({ MINIMUM_IP_TARGET: '8' }, { MINIMUM_IP_TARGET: '13' }),
  );
  assert.equal(answer.allowed, false);
  assert.equal(answer.status?.code, 503);
});

test('an aws-node object without its aws-node container is a 400 naming the field (fail-closed)', async () => {
  const t = testApp(await exampleModel(), { IPGUARD_FAILURE_MODE: 'deny' });
  const review = settingsReview({}, { MINIMUM_IP_TARGET: '13' });
  review.request.object.spec.template.spec.containers[0].name = 'cni';
  const { statusCode, answer } = await validate(t, review);
  assert.equal(statusCode, 200);
  assert.equal(answer.allowed, false);
  assert.equal(answer.status?.code, 400);
  assert.match(answer.status?.message ?? '', /request\.object\.spec\.template\.spec\.containers/);
});

test('pods a frozen pool would strand: denied, counted in the audit annotations', async () => {
  const t = await story();
  const { answer } = await validate(
    t,
    settingsReview({ MINIMUM_IP_TARGET: '13' }, { MINIMUM_IP_TARGET: '5' }),
  );
  assert.equal(answer.allowed, false);
  assert.match(
    answer.status?.message ?? '',
    /16 pods on 13 nodes hold addresses the new pools would not serve/,
  );
  assert.equal(answer.auditAnnotations?.['unserved-pods'], '16');
});
