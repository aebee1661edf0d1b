import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workloadKey, type ClusterModel } from '../../src/cluster/model.js';
import { projectStatefulSet } from '../../src/cluster/objects/statefulset.js';
import { Reader } from '../../src/cluster/reader.js';
import { exampleModel, testApp, validate } from '../helpers/app.js';

const bigPod = {
  metadata: { labels: { app: 'ledger' } },
  spec: {
    nodeSelector: { 'eks.amazonaws.com/nodegroup': 'apps' },
    containers: [{ name: 'x', image: 'x', resources: { requests: { cpu: '7', memory: '26Gi' } } }],
  },
};

/** The story's cluster with a StatefulSet shop/ledger of 2 replicas whose pods each fill an apps node. */
async function withLedger(): Promise<ClusterModel> {
  const model = await exampleModel();
  const ledger = projectStatefulSet(
    Reader.of(
      {
        metadata: { name: 'ledger', namespace: 'shop' },
        spec: { replicas: 2, template: bigPod },
        status: { replicas: 2 },
      },
      'test',
      '',
    ),
  );
  const workloads = new Map(model.workloads);
  workloads.set(workloadKey('StatefulSet', 'shop', 'ledger'), ledger);
  return { ...model, workloads };
}

function review(
  resource: { group: string; version: string; resource: string },
  object: unknown,
  o: { subResource?: string; oldObject?: unknown; operation?: string; name?: string } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `u-${resource.resource}`,
      kind: { group: resource.group, version: resource.version, kind: 'X' },
      resource,
      ...(o.subResource !== undefined && { subResource: o.subResource }),
      name: o.name ?? 'ledger',
      namespace: 'shop',
      operation: o.operation ?? (o.oldObject === undefined ? 'CREATE' : 'UPDATE'),
      userInfo: { username: 'alice' },
      object,
      ...(o.oldObject !== undefined && { oldObject: o.oldObject }),
      dryRun: false,
    },
  };
}

const scale = (n: number) => ({
  apiVersion: 'autoscaling/v1',
  kind: 'Scale',
  metadata: { name: 'ledger', namespace: 'shop' },
  spec: { replicas: n },
  status: { replicas: 2 },
});

test('statefulsets/scale: the webhook finds the StatefulSet, denies the scale it cannot address, and reserves a fit', async () => {
  const t = testApp(await withLedger());
  const sts = { group: 'apps', version: 'v1', resource: 'statefulsets' };
  const denied = await validate(
    t,
    review(sts, scale(12), { subResource: 'scale', oldObject: scale(2) }),
  );
  assert.equal(denied.answer.allowed, false);
  assert.equal(denied.answer.status?.code, 403);
  // 10 pods, one per new m5.2xlarge at 14 addresses (MINIMUM_IP_TARGET=13): 140 against 85 free.
  assert.match(
    denied.answer.status?.message ?? '',
    /^StatefulSet shop\/ledger scale would run subnets out of IPv4 addresses: needs 140, 85 available/,
  );
  assert.equal(t.reservations.size, 0);
  const fits = await validate(
    t,
    review(sts, scale(3), { subResource: 'scale', oldObject: scale(2) }),
  );
  assert.equal(fits.answer.allowed, true);
  assert.equal(t.reservations.size, 1, 'an admitted scale holds its addresses');
  const status = await validate(
    t,
    review(sts, scale(3), { subResource: 'status', oldObject: scale(2) }),
  );
  assert.equal(status.answer.allowed, true);
  assert.equal(status.answer.auditAnnotations, undefined, 'statefulsets/status is not judged');
});

test('an HPA whose ceiling would not fit is allowed with warnings, and reserves nothing', async () => {
  const t = testApp(await withLedger());
  const hpa = (max: number) => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'ledger', namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'ledger' },
      minReplicas: 2,
      maxReplicas: max,
    },
  });
  const res = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' };
  const r = await validate(t, review(res, hpa(30)));
  assert.equal(r.answer.allowed, true);
  assert.equal(r.answer.auditAnnotations?.verdict, 'warn');
  const warnings = r.answer.warnings ?? [];
  assert.ok(
    warnings.some(w => /maxReplicas 30 would not fit if reached/.test(w)),
    warnings.join('\n'),
  );
  assert.ok(
    warnings.some(w => /fix: set maxReplicas: \d+ \(the largest that fits now/.test(w)),
    warnings.join('\n'),
  );
  assert.equal(t.reservations.size, 0, 'a ceiling takes nothing yet');
  const same = await validate(t, review(res, hpa(30), { oldObject: hpa(30) }));
  assert.equal(same.answer.auditAnnotations, undefined, 'an unchanged ceiling is not judged again');
});

test('a DaemonSet create is judged on the existing nodes; a Job create by its parallelism', async () => {
  const t = testApp(await withLedger());
  const ds = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: { containers: [{ name: 'a', image: 'a', resources: { requests: { cpu: '10m' } } }] },
      },
    },
  };
  const d = await validate(
    t,
    review({ group: 'apps', version: 'v1', resource: 'daemonsets' }, ds, { name: 'agent' }),
  );
  assert.equal(d.answer.allowed, true);
  assert.ok(d.answer.auditAnnotations?.verdict !== undefined, 'judged');
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'backfill', namespace: 'shop' },
    spec: {
      parallelism: 12,
      completions: 12,
      template: { ...bigPod, spec: { ...bigPod.spec, restartPolicy: 'Never' } },
    },
  };
  const j = await validate(
    t,
    review({ group: 'batch', version: 'v1', resource: 'jobs' }, job, { name: 'backfill' }),
  );
  assert.equal(j.answer.allowed, false);
  assert.match(j.answer.status?.message ?? '', /^Job shop\/backfill create would run subnets out/);
});

test('a ScaledObject with an unreadable paused-replicas annotation follows the failure mode, naming the field', async () => {
  const t = testApp(await withLedger());
  const so = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: {
      name: 'ledger',
      namespace: 'shop',
      annotations: { 'autoscaling.keda.sh/paused-replicas': 'many' },
    },
    spec: { scaleTargetRef: { kind: 'StatefulSet', name: 'ledger' } },
  };
  const r = await validate(
    t,
    review({ group: 'keda.sh', version: 'v1alpha1', resource: 'scaledobjects' }, so),
  );
  assert.equal(r.statusCode, 200);
  assert.equal(r.answer.allowed, true, 'failure mode allow by default');
  assert.ok(
    (r.answer.warnings ?? []).some(w => /could not check this change: .*metadata/.test(w)),
    (r.answer.warnings ?? []).join('\n'),
  );
});
