import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, EXAMPLE } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

// The story's cluster (examples/bluegreen): MINIMUM_IP_TARGET=13, 10 m5.2xlarge "apps" nodes full with
// checkout's 10 pods of 7 CPU, 3 m5.large "system" nodes; the subnets have 30, 20 and 35 free.
const SNAP = ['--snapshot', EXAMPLE];

// A folder of its own for each file, so two tests' files of one name never meet.
const root = tempDir({ after }, 'kinds');
let files = 0;
async function file(name: string, value: unknown): Promise<string> {
  const dir = join(root, String(files++));
  await mkdir(dir);
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

interface Result {
  kind: string;
  change: string;
  verdict: string;
  currentPods: number;
  peakPods: number;
  deltaPods: number;
  newNodes: number;
  ipsRequired: number;
  shortfall: number;
  messages: string[];
  remedies: string[];
}
async function check(
  args: string[],
): Promise<{ code: number; err: string; results: Result[]; allowed: boolean }> {
  const r = await cli(['check', ...args, '--output', 'json']);
  if (r.code === 2) return { code: 2, err: r.err, results: [], allowed: false };
  const json = JSON.parse(r.out) as { allowed: boolean; results: Result[] };
  return { code: r.code, err: r.err, ...json };
}

const bigPod = {
  metadata: { labels: { app: 'x' } },
  spec: {
    nodeSelector: { 'eks.amazonaws.com/nodegroup': 'apps' },
    containers: [{ name: 'x', image: 'x', resources: { requests: { cpu: '7', memory: '26Gi' } } }],
  },
};

test('an HPA ceiling that does not fit is a warning naming the largest maximum that fits', async () => {
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'checkout', namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'checkout' },
      minReplicas: 10,
      maxReplicas: 20,
    },
  };
  const r = await check(['-f', await file('hpa.json', hpa), ...SNAP]);
  assert.equal(r.code, 0, 'never a deny: nothing grows yet');
  const [res] = r.results;
  assert.ok(res);
  assert.equal(res.kind, 'HorizontalPodAutoscaler');
  assert.equal(res.verdict, 'warn');
  assert.deepEqual([res.change, res.currentPods, res.peakPods], ['scale', 10, 20]);
  assert.ok(res.shortfall > 0);
  assert.ok(
    res.messages.some(m => /simulated through Rollout shop\/checkout \(scaleTargetRef\)/.test(m)),
  );
  assert.ok(
    res.messages.some(m =>
      /maxReplicas 20 would not fit if reached; a warning, not a denial/.test(m),
    ),
  );
  const fix = res.remedies
    .map(t => /^set maxReplicas: (\d+) \(the largest that fits now/.exec(t))
    .find(m => m);
  assert.ok(fix, res.remedies.join('\n'));
  const largest = Number(fix[1]);
  assert.ok(largest > 10 && largest < 20);

  // The same numbers as scales of the target: the largest fits, one more does not.
  const scale = (replicas: number) => ({
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'checkout', namespace: 'shop' },
    spec: { replicas },
  });
  const fits = await check(['-f', await file('s1.json', scale(largest)), ...SNAP]);
  assert.notEqual(fits.results[0]?.verdict, 'deny');
  const over = await check(['-f', await file('s2.json', scale(largest + 1)), ...SNAP]);
  assert.equal(over.results[0]?.verdict, 'deny');
});

test("a KEDA ScaledObject without maxReplicaCount is judged at KEDA's default of 100", async () => {
  const so = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'checkout', namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'checkout' },
    },
  };
  const r = await check(['-f', await file('so.json', so), ...SNAP]);
  assert.equal(r.code, 0);
  const [res] = r.results;
  assert.ok(res);
  assert.deepEqual([res.kind, res.verdict, res.peakPods], ['ScaledObject', 'warn', 100]);
  assert.ok(
    res.remedies.some(t => /^set maxReplicaCount: \d+/.test(t)),
    res.remedies.join('\n'),
  );
});

test('an autoscaler whose target is not in the state is an input error naming it', async () => {
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'ghost', namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ghost' },
      maxReplicas: 5,
    },
  };
  const f = await file('ghost.json', hpa);
  const r = await check(['-f', f, ...SNAP]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /HorizontalPodAutoscaler shop\/ghost: its scaleTargetRef Deployment shop\/ghost is not in the cluster state/,
  );
});

const ledger = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'ledger', namespace: 'shop' },
  spec: {
    replicas: 2,
    serviceName: 'ledger',
    selector: { matchLabels: { app: 'x' } },
    template: bigPod,
  },
  status: { replicas: 2 },
};

test('a StatefulSet scale through a statefulsets/scale AdmissionReview: deny with the new nodes', async () => {
  const extra = await file('sts.json', { apiVersion: 'v1', kind: 'List', items: [ledger] });
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      resource: { group: 'apps', version: 'v1', resource: 'statefulsets' },
      subResource: 'scale',
      name: 'ledger',
      namespace: 'shop',
      operation: 'UPDATE',
      object: {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: 'ledger', namespace: 'shop' },
        spec: { replicas: 12 },
      },
      oldObject: {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: 'ledger', namespace: 'shop' },
        spec: { replicas: 2 },
      },
      dryRun: false,
    },
  };
  const r = await check([
    '-f',
    await file('review.json', review),
    '--cluster',
    join(EXAMPLE, 'cluster.json'),
    '--cluster',
    extra,
    '--subnets',
    join(EXAMPLE, 'subnets.json'),
    '--instance-types',
    join(EXAMPLE, 'instance-types.json'),
  ]);
  assert.equal(r.code, 1);
  const [res] = r.results;
  assert.ok(res);
  // 10 more pods of 7 CPU: one per new m5.2xlarge, 1 ENI + MINIMUM_IP_TARGET 13 = 14 addresses each.
  assert.deepEqual(
    [
      res.kind,
      res.change,
      res.verdict,
      res.currentPods,
      res.peakPods,
      res.newNodes,
      res.ipsRequired,
    ],
    ['StatefulSet', 'scale', 'deny', 2, 12, 10, 140],
  );
});

test('a StatefulSet template change replaces in place: nothing added', async () => {
  const extra = await file('sts.json', { apiVersion: 'v1', kind: 'List', items: [ledger] });
  const next = structuredClone(ledger) as typeof ledger & {
    spec: { template: { metadata: { labels: Record<string, string> } } };
  };
  next.spec.template.metadata.labels.version = 'v2';
  const r = await check([
    '-f',
    await file('next.json', next),
    '--cluster',
    join(EXAMPLE, 'cluster.json'),
    '--cluster',
    extra,
    '--subnets',
    join(EXAMPLE, 'subnets.json'),
    '--instance-types',
    join(EXAMPLE, 'instance-types.json'),
  ]);
  assert.equal(r.code, 0);
  assert.deepEqual([r.results[0]?.change, r.results[0]?.deltaPods], ['rollout', 0]);
});

test('Job parallelism is capped by its completions', async () => {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'backfill', namespace: 'shop' },
    spec: {
      parallelism: 20,
      completions: 3,
      template: { ...bigPod, spec: { ...bigPod.spec, restartPolicy: 'Never' } },
    },
  };
  const r = await check(['-f', await file('job.json', job), ...SNAP]);
  const [res] = r.results;
  assert.ok(res);
  assert.deepEqual(
    [res.kind, res.change, res.currentPods, res.peakPods, res.newNodes],
    ['Job', 'create', 0, 3, 3],
  );
  assert.ok(res.messages.some(m => /parallelism 20, 3 of 3 completions to go/.test(m)));
});

test('a CronJob is one run of its jobTemplate, and Allow says runs may overlap', async () => {
  const cron = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly', namespace: 'shop' },
    spec: {
      schedule: '0 2 * * *',
      jobTemplate: {
        spec: {
          parallelism: 2,
          template: { ...bigPod, spec: { ...bigPod.spec, restartPolicy: 'Never' } },
        },
      },
    },
  };
  const r = await check(['-f', await file('cron.json', cron), ...SNAP]);
  const [res] = r.results;
  assert.ok(res);
  assert.deepEqual([res.kind, res.change, res.peakPods, res.newNodes], ['CronJob', 'create', 2, 2]);
  assert.ok(
    res.messages.some(m => /concurrencyPolicy Allow: runs that overlap add 2 pods each/.test(m)),
  );
});

const agent = (o: { nodeSelector?: Record<string, string>; hostNetwork?: boolean } = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'observability' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: {
      metadata: { labels: { app: 'agent' } },
      spec: {
        ...(o.nodeSelector && { nodeSelector: o.nodeSelector }),
        ...(o.hostNetwork === true && { hostNetwork: true }),
        containers: [
          { name: 'a', image: 'a', resources: { requests: { cpu: '10m', memory: '16Mi' } } },
        ],
      },
    },
  },
});

test('a DaemonSet create: one pod on every node its nodeSelector admits, none added by hostNetwork', async () => {
  const all = await check(['-f', await file('ds.json', agent()), ...SNAP]);
  assert.deepEqual(
    [
      all.results[0]?.kind,
      all.results[0]?.change,
      all.results[0]?.peakPods,
      all.results[0]?.newNodes,
    ],
    ['DaemonSet', 'create', 13, 0],
  );
  const system = await check([
    '-f',
    await file('ds2.json', agent({ nodeSelector: { 'eks.amazonaws.com/nodegroup': 'system' } })),
    ...SNAP,
  ]);
  assert.equal(system.results[0]?.peakPods, 3);
  const host = await check(['-f', await file('ds3.json', agent({ hostNetwork: true })), ...SNAP]);
  assert.deepEqual(
    [host.results[0]?.peakPods, host.results[0]?.ipsRequired, host.results[0]?.verdict],
    [13, 0, 'allow'],
  );
});

test("a DaemonSet applied with a Deployment: the Deployment's new nodes run its pod too", async () => {
  const web = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'x' } }, template: bigPod },
  };
  const alone = await check(['-f', await file('web.json', web), ...SNAP]);
  const withAgent = await check([
    '-f',
    await file('both.json', { apiVersion: 'v1', kind: 'List', items: [agent(), web] }),
    ...SNAP,
  ]);
  const before = alone.results[0];
  const afterDs = withAgent.results[1];
  assert.ok(before && afterDs);
  assert.equal(afterDs.kind, 'Deployment');
  assert.equal(afterDs.newNodes, before.newNodes);
  const dsPods = (r: Result): number => {
    const m = r.messages.map(t => /\((\d+) DaemonSet \+ \d+ workload\)/.exec(t)).find(x => x);
    assert.ok(m, r.messages.join('\n'));
    return Number(m[1]);
  };
  assert.equal(dsPods(afterDs), dsPods(before) + 1);
});

test('a change to a workload an HPA scales names that ceiling too', async () => {
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'checkout', namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'checkout' },
      maxReplicas: 20,
    },
  };
  const scale = {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'checkout', namespace: 'shop' },
    spec: { replicas: 11 },
  };
  const r = await check([
    '-f',
    await file('scale.json', scale),
    '--cluster',
    join(EXAMPLE, 'cluster.json'),
    '--cluster',
    await file('hpa.json', hpa),
    '--subnets',
    join(EXAMPLE, 'subnets.json'),
    '--instance-types',
    join(EXAMPLE, 'instance-types.json'),
  ]);
  assert.ok(
    r.results[0]?.messages.some(m =>
      /HorizontalPodAutoscaler shop\/checkout may scale it to 20 replicas/.test(m),
    ),
    r.results[0]?.messages.join('\n'),
  );
});
