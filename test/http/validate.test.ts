import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterModel } from '../../src/cluster/model.js';
import {
  createReview,
  exampleModel,
  scaleReview,
  switchReview,
  testApp,
  validate,
  T0,
  type TestApp,
} from '../helpers/app.js';

async function story(env: Record<string, string> = {}): Promise<TestApp> {
  return testApp(await exampleModel(), env);
}

function withNamespaceAnnotations(
  model: ClusterModel,
  annotations: Record<string, string>,
): ClusterModel {
  const namespaces = new Map(model.namespaces);
  namespaces.set('shop', { name: 'shop', labels: {}, annotations });
  return { ...model, namespaces };
}

const AUDIT_KEY = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

test('the story: denied with the uid echoed, a 403 a person can read, short warnings, audit annotations', async () => {
  const t = await story();
  const { statusCode, answer, raw } = await validate(t, switchReview());
  assert.equal(statusCode, 200);
  assert.equal(raw.apiVersion, 'admission.k8s.io/v1');
  assert.equal(raw.kind, 'AdmissionReview');
  assert.equal(answer.uid, 'b7f1c2d3-4e5f-4a6b-8c7d-9e0f1a2b3c4d');
  assert.equal(answer.allowed, false);
  assert.equal(answer.status?.code, 403);
  assert.match(answer.status?.message ?? '', /needs 140, 85 available \(short 55\)/);
  assert.match(answer.status?.message ?? '', /MINIMUM_IP_TARGET=8/);
  assert.ok(!('patch' in answer) && !('patchType' in answer), 'a validating webhook never patches');
  assert.ok((answer.warnings ?? []).length >= 1 && (answer.warnings ?? []).length <= 5);
  for (const w of answer.warnings ?? []) {
    assert.ok(w.length <= 120, w);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(w, /[\u0000-\u001f]/);
  }
  assert.deepEqual(answer.auditAnnotations, {
    verdict: 'deny',
    'ips-required': '140',
    'ips-available': '85',
    shortfall: '55',
  });
  for (const k of Object.keys(answer.auditAnnotations ?? {})) assert.match(k, AUDIT_KEY);
});

test('server-side dry run gets the same verdict and reserves nothing', async () => {
  const t = await story();
  const dry = await validate(t, createReview('search', { dryRun: true }));
  assert.equal(dry.answer.allowed, true);
  assert.equal(t.reservations.size, 0);
  const again = await validate(t, createReview('search2'));
  assert.equal(again.answer.allowed, true, 'the dry run held no addresses');
  assert.equal(t.reservations.size, 1);
  const reviewDry = switchReview();
  reviewDry.request.dryRun = true;
  assert.equal(
    (await validate(t, reviewDry)).answer.allowed,
    false,
    'a dry-run deny is still a deny',
  );
});

test('two changes that each fit alone do not both pass: the first reserves its addresses', async () => {
  const t = await story();
  const first = await validate(t, createReview('search'));
  assert.equal(first.answer.allowed, true);
  const second = await validate(t, createReview('recommend'));
  assert.equal(second.answer.allowed, false);
  assert.match(second.answer.status?.message ?? '', /us-east-1b\) needs 14, has 6/);
  // Re-admitting the same workload replaces its own reservation instead of stacking it.
  assert.equal((await validate(t, createReview('search'))).answer.allowed, true);
  // Operators see what is held, per subnet, as decisions subtract it.
  const metrics = (await t.app.inject({ url: '/metrics' })).body;
  const held = [...metrics.matchAll(/^ipguard_reserved_ips\{subnet="([^"]+)"\} (\d+)$/gm)];
  assert.ok(held.length > 0, metrics);
  const subnets = t.source.current()?.model.subnets;
  const expected = t.reservations.held(id => subnets?.get(id)?.availableIps);
  assert.deepEqual(new Map(held.map(m => [m[1], Number(m[2])])), expected);
});

test('concurrent changes: reservations admit exactly the ones that fit', async () => {
  const t = await story();
  const answers = await Promise.all(
    ['a', 'b', 'c', 'd', 'e', 'f'].map(n => validate(t, createReview(`svc-${n}`))),
  );
  assert.equal(
    answers.filter(a => a.answer.allowed).length,
    1,
    '20 free in us-east-1b hold one 14-address node',
  );
});

test('a reservation ends when EC2 shows the addresses used, or after its TTL', async () => {
  const t = await story({ IPGUARD_RESERVATION_TTL_SECONDS: '600' });
  assert.equal((await validate(t, createReview('search'))).answer.allowed, true);
  assert.equal((await validate(t, createReview('other'))).answer.allowed, false);
  t.clock.now = T0 + 601_000;
  t.source.view = {
    ...t.source.view!,
    kubeSyncedAtMs: t.clock.now,
    subnetsRefreshedAtMs: t.clock.now,
  };
  assert.equal(
    (await validate(t, createReview('other'))).answer.allowed,
    true,
    'the first reservation expired',
  );
});

test('deployments/scale and rollouts/scale carry Scales; the parent comes from the state', async () => {
  const t = await story();
  const up = await validate(t, scaleReview('rollouts', 'shop', 'checkout', 10, 11));
  assert.equal(up.answer.allowed, true, 'one more node fits');
  assert.equal(up.answer.auditAnnotations?.['ips-required'], '14');
  const down = await validate(t, scaleReview('rollouts', 'shop', 'checkout', 10, undefined));
  assert.equal(down.answer.allowed, true);
  assert.equal(
    down.answer.auditAnnotations?.['ips-required'],
    '0',
    'a Scale with spec {} is a scale to 0',
  );
  const big = await validate(t, scaleReview('rollouts', 'shop', 'checkout', 10, 20));
  assert.equal(big.answer.allowed, false);
  assert.match(big.answer.status?.message ?? '', /scale/);
  const dep = await validate(t, scaleReview('deployments', 'kube-system', 'coredns', 2, 3));
  assert.equal(dep.answer.allowed, true);
});

test('a Scale whose parent is unknown is answered by the failure mode', async () => {
  const t = await story();
  const r = await validate(t, scaleReview('deployments', 'shop', 'ghost', 1, 5));
  assert.equal(r.answer.allowed, true);
  assert.match(
    r.answer.warnings?.[0] ?? '',
    /could not check this change: Scale shop\/ghost: no Deployment/,
  );
  const strict = await story({ IPGUARD_FAILURE_MODE: 'deny' });
  const denied = await validate(strict, scaleReview('deployments', 'shop', 'ghost', 1, 5));
  assert.equal(denied.answer.allowed, false);
  assert.equal(denied.answer.status?.code, 503);
});

test('requests ipguard does not judge are allowed untouched', async () => {
  const t = await story();
  const base = switchReview();
  for (const change of [
    { operation: 'DELETE' },
    { resource: { group: '', version: 'v1', resource: 'pods' } },
    { resource: { group: 'apps', version: 'v1', resource: 'deployments' }, subResource: 'status' },
  ]) {
    const review = { ...base, request: { ...base.request, ...change } };
    const { answer } = await validate(t, review);
    assert.equal(answer.allowed, true);
    assert.equal(answer.warnings, undefined);
  }
});

test('a label-only update changes no pods and is allowed quietly', async () => {
  const t = await story();
  const review = switchReview();
  review.request.object = structuredClone(review.request.oldObject);
  review.request.object.metadata.labels.team = 'payments';
  const { answer } = await validate(t, review);
  assert.equal(answer.allowed, true);
  assert.equal(answer.warnings, undefined);
  assert.equal(answer.auditAnnotations, undefined, 'nothing was simulated');
  const m = await t.app.inject({ url: '/metrics' });
  assert.match(
    m.body,
    /ipguard_admission_requests_total\{verdict="ignored",kind="Rollout",change="none",dry_run="false"\} 1/,
  );
});

test('a promote on rollouts/status that adds no pods is allowed', async () => {
  const t = await story();
  const review = switchReview();
  review.request.subResource = 'status';
  review.request.object = structuredClone(review.request.oldObject);
  review.request.oldObject.status.pauseConditions = [
    { reason: 'BlueGreenPause', startTime: '2026-11-27T11:00:00Z' },
  ];
  const { answer } = await validate(t, review);
  assert.equal(answer.allowed, true);
});

test('an exception on the workload allows a deny, visibly: warning, audit annotation, metric', async () => {
  const t = await story();
  const review = switchReview();
  review.request.object.metadata.annotations['ipguard.io/exception'] =
    'CHG-2231 approved by platform on-call';
  const { answer } = await validate(t, review);
  assert.equal(answer.allowed, true);
  assert.ok(answer.warnings?.some(w => w.includes('CHG-2231 approved by platform on-call')));
  assert.equal(
    answer.auditAnnotations?.exception,
    'workload: CHG-2231 approved by platform on-call',
  );
  assert.equal(answer.auditAnnotations?.verdict, 'warn');
  const metrics = await t.app.inject({ url: '/metrics' });
  assert.match(metrics.body, /ipguard_exceptions_used_total\{namespace="shop",on="workload"\} 1/);
});

test('an expired exception on the namespace does not apply and the warning says so', async () => {
  const model = withNamespaceAnnotations(await exampleModel(), {
    'ipguard.io/exception': 'freeze week',
    'ipguard.io/exception-expires': '2026-11-01T00:00:00Z',
  });
  const t = testApp(model);
  const { answer } = await validate(t, switchReview());
  assert.equal(answer.allowed, false);
  assert.ok(answer.warnings?.some(w => /expired 2026-11-01T00:00:00Z/.test(w)));
});

test('a namespace in warn mode gets the denial as warnings', async () => {
  const t = testApp(withNamespaceAnnotations(await exampleModel(), { 'ipguard.io/mode': 'warn' }));
  const { answer } = await validate(t, switchReview());
  assert.equal(answer.allowed, true);
  assert.equal(answer.auditAnnotations?.mode, 'warn');
  assert.ok(answer.warnings?.some(w => w.includes('warn mode')));
});

test('an autoscaler is allowed with a warning and counted, unless autoscalers are enforced', async () => {
  const hpa = 'system:serviceaccount:kube-system:horizontal-pod-autoscaler';
  const t = await story();
  const r = await validate(
    t,
    scaleReview('rollouts', 'shop', 'checkout', 10, 20, { userInfo: { username: hpa } }),
  );
  assert.equal(r.answer.allowed, true);
  assert.ok(r.answer.warnings?.some(w => w.includes('autoscaler')));
  assert.match(
    (await t.app.inject({ url: '/metrics' })).body,
    /ipguard_autoscaler_allowed_total 1/,
  );
  const enforced = await story({ IPGUARD_ENFORCE_AUTOSCALERS: 'true' });
  assert.equal(
    (
      await validate(
        enforced,
        scaleReview('rollouts', 'shop', 'checkout', 10, 20, { userInfo: { username: hpa } }),
      )
    ).answer.allowed,
    false,
  );
});

test('before state is loaded: /readyz is 503 and reviews get the failure mode answer at once', async () => {
  const t = testApp(undefined);
  assert.equal((await t.app.inject({ url: '/readyz' })).statusCode, 503);
  assert.equal((await t.app.inject({ url: '/healthz' })).statusCode, 200);
  const r = await validate(t, switchReview());
  assert.equal(r.answer.allowed, true);
  assert.match(r.answer.warnings?.[0] ?? '', /state are not loaded yet/);
  t.source.view = { model: await exampleModel(), kubeSyncedAtMs: T0, subnetsRefreshedAtMs: T0 };
  assert.equal((await t.app.inject({ url: '/readyz' })).statusCode, 200);
  assert.equal((await validate(t, switchReview())).answer.allowed, false);
});

test('stale subnet counts still get a decision, with a warning saying how old they are', async () => {
  const t = await story({ IPGUARD_STALE_AFTER_SECONDS: '300' });
  t.clock.now = T0 + 900_000;
  const { answer } = await validate(t, createReview('search'));
  assert.equal(answer.allowed, true);
  assert.ok(answer.warnings?.some(w => /subnet free counts are 900 s old/.test(w)));
});

test('a snapshot served on purpose is a fixed picture: its age never makes answers "stale"', async () => {
  const { SnapshotSource } = await import('../../src/state/snapshot-source.js');
  const { bundledExampleDir } = await import('../../src/state/bundled-example.js');
  const dir = bundledExampleDir();
  assert.ok(dir);
  const t = await story({ IPGUARD_STALE_AFTER_SECONDS: '300' });
  const snapshot = new SnapshotSource(dir, () => T0);
  await snapshot.start();
  t.source.view = snapshot.current();
  t.clock.now = T0 + 86_400_000;
  const { answer } = await validate(t, createReview('search'));
  assert.equal(answer.allowed, true);
  assert.ok(!(answer.warnings ?? []).some(w => /old|stale/.test(w)), String(answer.warnings));
});

const malformed: {
  name: string;
  payload: string;
  type?: string;
  code: number;
  uid?: string;
  message: RegExp;
  json?: boolean;
}[] = [
  { name: 'not JSON', payload: '{"apiVersion": ', code: 400, message: /not valid JSON/ },
  { name: 'an empty body', payload: '', code: 400, message: /malformed AdmissionReview/ },
  {
    name: 'no request',
    payload: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }),
    code: 400,
    json: true,
    message: /request: missing/,
  },
  {
    name: 'a v1beta1 review',
    payload: JSON.stringify({
      apiVersion: 'admission.k8s.io/v1beta1',
      kind: 'AdmissionReview',
      request: { uid: 'old-1' },
    }),
    code: 400,
    json: true,
    uid: 'old-1',
    message: /expected admission\.k8s\.io\/v1/,
  },
  {
    name: 'an array',
    payload: '[1,2,3]',
    code: 400,
    json: true,
    message: /expected a JSON object/,
  },
  {
    name: 'a wrong content type',
    payload: 'uid=1',
    type: 'application/x-www-form-urlencoded',
    code: 415,
    message: /malformed AdmissionReview/,
  },
];
for (const m of malformed) {
  test(`malformed input gets an AdmissionReview with a 4xx code and the next request is served: ${m.name}`, async () => {
    const t = await story();
    const res = await t.app.inject({
      method: 'POST',
      url: '/validate',
      headers: { 'content-type': m.type ?? 'application/json' },
      payload: m.payload,
    });
    // JSON gets a 200 so the apiserver reads the denial; only a body that is not JSON gets a 4xx.
    assert.equal(res.statusCode, m.json === true ? 200 : m.code);
    const body = res.json<{
      apiVersion: string;
      response: { uid: string; allowed: boolean; status: { code: number; message: string } };
    }>();
    assert.equal(body.apiVersion, 'admission.k8s.io/v1');
    assert.equal(body.response.allowed, false);
    assert.equal(body.response.status.code, m.code);
    assert.equal(body.response.uid, m.uid ?? '');
    assert.match(body.response.status.message, m.message);
    assert.equal(
      (await validate(t, switchReview())).answer.uid,
      'b7f1c2d3-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    );
  });
}

test('an oversized body is refused with 413, not buffered', async () => {
  const t = await story();
  const huge = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'x', pad: 'x'.repeat(8 * 1024 * 1024) },
  });
  const res = await t.app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload: huge,
  });
  assert.equal(res.statusCode, 413);
  assert.equal(res.json<{ response: { status: { code: number } } }>().response.status.code, 413);
});

test('an object field ipguard cannot read follows the failure mode, naming the field', async () => {
  const review = switchReview();
  review.request.object.spec.replicas = 'ten';
  const field = /request\.object: spec\.replicas|spec\.replicas: expected a non-negative integer/;

  // Failing open: the apiserver validated the object, so ipguard's limit must not block the deploy.
  const open = await validate(await story(), review);
  assert.equal(open.statusCode, 200);
  assert.equal(open.answer.allowed, true);
  assert.equal(open.answer.status, undefined);
  assert.match(open.answer.warnings?.[0] ?? '', /ipguard could not check this change: /);
  assert.match(open.answer.warnings?.[0] ?? '', field);

  const closed = await validate(await story({ IPGUARD_FAILURE_MODE: 'deny' }), review);
  assert.equal(closed.statusCode, 200);
  assert.equal(closed.answer.allowed, false);
  assert.equal(closed.answer.status?.code, 400);
  assert.match(closed.answer.status?.message ?? '', field);
});

test('/metrics speaks the Prometheus text format with the families operators alert on', async () => {
  const t = await story();
  await validate(t, switchReview());
  const res = await t.app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  for (const family of [
    'ipguard_admission_requests_total',
    'ipguard_admission_duration_seconds_bucket',
    'ipguard_state_age_seconds',
    'ipguard_subnet_free_ips',
    'ipguard_reservations',
    'ipguard_state_ready 1',
  ]) {
    assert.ok(res.body.includes(family), family);
  }
  assert.match(
    res.body,
    /ipguard_admission_requests_total\{verdict="deny",kind="Rollout",change="switch",dry_run="false"\} 1/,
  );
});

test('an exception used is logged at warn with its reason, beside the review uid', async () => {
  const { captureLog } = await import('../helpers/async.js');
  const { log, lines } = captureLog();
  const t = testApp(await exampleModel(), {}, undefined, log);
  const review = switchReview();
  review.request.object.metadata.annotations['ipguard.io/exception'] = 'CHG-2231';
  await validate(t, review);
  const line = lines.find(l => l.msg === 'admission allowed by exception');
  assert.ok(line, JSON.stringify(lines));
  assert.equal(line.level, 40);
  assert.equal(line.uid, 'b7f1c2d3-4e5f-4a6b-8c7d-9e0f1a2b3c4d');
  assert.deepEqual(line.exception, { on: 'workload', reason: 'CHG-2231' });
  assert.equal(line.verdict, 'warn');
});

test('remedies stop when the time budget says so; the denial still carries the numbers', async () => {
  const t = await story({ IPGUARD_BUDGET_MS: '50' });
  // Every review's clock reading moves 40 ms: the search for remedies finds half the budget gone at once.
  let ticks = 0;
  const realNow = t.clock.now;
  Object.defineProperty(t.clock, 'now', { get: () => realNow + 40 * ticks++ });
  const { answer } = await validate(t, switchReview());
  assert.equal(answer.allowed, false);
  assert.match(answer.status?.message ?? '', /needs 140, 85 available/);
  assert.doesNotMatch(
    answer.status?.message ?? '',
    /MINIMUM_IP_TARGET=8/,
    'no time left to search for settings',
  );
});

test('at the default budget remedies stop after 100 ms, not at half of 2 s', async () => {
  const t = await story();
  assert.equal(t.config.budgetMs, 2000);
  // Every clock reading moves 60 ms: half the budget is far off, the search's own limit is not.
  let ticks = 0;
  const realNow = t.clock.now;
  Object.defineProperty(t.clock, 'now', { get: () => realNow + 60 * ticks++ });
  const { answer } = await validate(t, switchReview());
  assert.equal(answer.allowed, false);
  assert.match(answer.status?.message ?? '', /needs 140, 85 available/);
  assert.doesNotMatch(answer.status?.message ?? '', /MINIMUM_IP_TARGET=8/);
});

test('a workload re-admitted needing nothing releases what it held', async () => {
  const t = await story();
  assert.equal((await validate(t, createReview('search'))).answer.allowed, true);
  assert.equal(t.reservations.size, 1);
  assert.equal((await validate(t, createReview('search', { replicas: 0 }))).answer.allowed, true);
  assert.equal(t.reservations.size, 0);
  assert.equal(
    (await validate(t, createReview('other'))).answer.allowed,
    true,
    'the 14 addresses are free again',
  );
});

test('creates with generateName each hold their own reservation', async () => {
  const t = await story();
  const generated = (uid: string): Record<string, unknown> => {
    const r = createReview('ignored') as { request: Record<string, any> };
    r.request.uid = uid;
    r.request.name = '';
    r.request.object.metadata = { generateName: 'batch-', namespace: 'shop' };
    return r;
  };
  assert.equal((await validate(t, generated('g-1'))).answer.allowed, true);
  const second = await validate(t, generated('g-2'));
  assert.equal(second.answer.allowed, false, 'the first create still holds its 14 of the 20');
  assert.equal(t.reservations.size, 1);
});

test('a reservation shrinks as EC2 shows its addresses used', async () => {
  const model = await exampleModel();
  const t = testApp(model);
  assert.equal((await validate(t, createReview('search'))).answer.allowed, true);
  assert.equal((await validate(t, createReview('other'))).answer.allowed, false);
  // The search node came up: us-east-1b shows 14 fewer free addresses, and a new change needs none of
  // what was reserved for it.
  const subnets = new Map(model.subnets);
  const b = subnets.get('subnet-0b2f3e4d5c6b7a802')!;
  subnets.set(b.id, { ...b, availableIps: b.availableIps - 14 });
  t.source.view = { model: { ...model, subnets }, kubeSyncedAtMs: T0, subnetsRefreshedAtMs: T0 };
  const again = await validate(t, createReview('other'));
  assert.equal(again.answer.allowed, false, '6 left in us-east-1b: still short for 14');
  assert.match(
    again.answer.status?.message ?? '',
    /us-east-1b\) needs 14, has 6/,
    'the reservation no longer counts on top',
  );
});

test('pods the scheduler would put where frozen pools never serve them: a 403 naming them, counted in the audit', async () => {
  const t = await story();
  const review = createReview('web', { replicas: 100 }) as {
    request: { object: { spec: { template: { spec: Record<string, unknown> } } } };
  };
  // No requests, no node selector: the scheduler spreads all 100 over the 13 existing nodes.
  review.request.object.spec.template.spec = { containers: [{ name: 'app', image: 'app:1' }] };
  const { answer } = await validate(t, review);
  assert.equal(answer.allowed, false);
  assert.equal(answer.status?.code, 403);
  assert.match(
    answer.status?.message ?? '',
    /would leave 36 pods on nodes whose CNI never gives them an address/,
  );
  assert.equal(answer.auditAnnotations?.['unserved-pods'], '36');
  assert.equal(answer.auditAnnotations?.shortfall, undefined);
  assert.equal(t.reservations.size, 0, 'a denied change reserves nothing');
});
