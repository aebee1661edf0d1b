import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAX_CHECKED_OBJECTS } from '../../src/cli/commands/check.js';
import { cli, EXAMPLE, REPO } from '../helpers/cli.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/temp.js';

const ROLLOUT = join(EXAMPLE, 'rollout-v2.yaml');
const SNAP = ['--snapshot', EXAMPLE];

// A folder of its own for each file, so two tests' files of one name never meet.
const root = tempDir({ after }, 'check');
let files = 0;
async function tempFile(name: string, text: string): Promise<string> {
  const dir = join(root, String(files++));
  await mkdir(dir);
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

test('the blue/green story is denied, with the numbers and the fix', async () => {
  const r = await cli(['check', '-f', ROLLOUT, ...SNAP, '--output', 'json']);
  assert.equal(r.code, 1);
  assert.equal(r.err, '');
  const json = JSON.parse(r.out) as { allowed: boolean; results: Record<string, unknown>[] };
  assert.equal(json.allowed, false);
  const [res] = json.results;
  assert.ok(res);
  assert.deepEqual(
    Object.keys(res).sort(),
    [
      'change',
      'currentPods',
      'deltaPods',
      'ipsAvailable',
      'ipsRequired',
      'kind',
      'messages',
      'name',
      'namespace',
      'newNodes',
      'peakPods',
      'remedies',
      'shortfall',
      'subnets',
      'unservedPods',
      'verdict',
    ].sort(),
  );
  // 10 green pods, one per new m5.2xlarge: 1 ENI + MINIMUM_IP_TARGET 13 = 14 addresses each, spread 3/4/3 over the zones
  // of the apps group (4/3/3 nodes today); the subnets have 30, 20 and 35 free.
  assert.deepEqual(
    {
      kind: res.kind,
      namespace: res.namespace,
      name: res.name,
      change: res.change,
      verdict: res.verdict,
      currentPods: res.currentPods,
      peakPods: res.peakPods,
      deltaPods: res.deltaPods,
      newNodes: res.newNodes,
      ipsRequired: res.ipsRequired,
      ipsAvailable: res.ipsAvailable,
      shortfall: res.shortfall,
    },
    {
      kind: 'Rollout',
      namespace: 'shop',
      name: 'checkout',
      change: 'switch',
      verdict: 'deny',
      currentPods: 10,
      peakPods: 20,
      deltaPods: 10,
      newNodes: 10,
      ipsRequired: 140,
      ipsAvailable: 85,
      shortfall: 55,
    },
  );
  // Each green pod fills a node by its requests: the scheduler puts none on the existing nodes.
  assert.equal(res.unservedPods, 0);
  assert.deepEqual(res.subnets, [
    { id: 'subnet-0a1f2e3d4c5b6a701', zone: 'us-east-1a', available: 30, required: 42 },
    { id: 'subnet-0b2f3e4d5c6b7a802', zone: 'us-east-1b', available: 20, required: 56 },
    { id: 'subnet-0c3f4e5d6c7b8a903', zone: 'us-east-1c', available: 35, required: 42 },
  ]);
  const remedies = res.remedies as string[];
  assert.match(remedies[0] ?? '', /^set MINIMUM_IP_TARGET=8 on aws-node/);
  assert.ok(remedies.some(m => m.startsWith('set previewReplicaCount: 3')));
  assert.ok((res.messages as string[]).some(m => m.includes('MINIMUM_IP_TARGET=13')));
});

test('the same switch fits with MINIMUM_IP_TARGET=8: new nodes take 9, existing nodes give back 5 each', async () => {
  const r = await cli([
    'check',
    '-f',
    ROLLOUT,
    ...SNAP,
    '--cni',
    'MINIMUM_IP_TARGET=8',
    '-o',
    'json',
  ]);
  assert.equal(r.code, 0);
  const res = (
    JSON.parse(r.out) as {
      results: {
        verdict: string;
        ipsRequired: number;
        ipsAvailable: number;
        subnets: { available: number }[];
      }[];
    }
  ).results[0];
  assert.equal(res?.ipsRequired, 90);
  // 85 free plus 5 from each of the 13 existing nodes.
  assert.equal(res?.ipsAvailable, 150);
  assert.notEqual(res?.verdict, 'deny');
});

test('text output is for people: verdict first, numbers, remedies', async () => {
  const r = await cli(['check', '-f', ROLLOUT, ...SNAP]);
  assert.equal(r.code, 1);
  const lines = r.out.split('\n');
  assert.match(lines[0] ?? '', /^DENY +Rollout shop\/checkout \(switch\)/);
  assert.match(
    r.out,
    /subnet-0b2f3e4d5c6b7a802 \(us-east-1b\) needs 56 \(56 for new nodes\), 20 available: short 36/,
  );
  assert.match(r.out, /would fit with:\n +- set MINIMUM_IP_TARGET=8/);
});

test('a Scale needs its parent from the cluster; a scale-down adds nothing', async () => {
  const scale = (n: number): string =>
    JSON.stringify({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'checkout', namespace: 'shop' },
      spec: { replicas: n },
    });
  const up = await cli([
    'check',
    '-f',
    await tempFile('up.json', scale(12)),
    ...SNAP,
    '-o',
    'json',
  ]);
  const upRes = (
    JSON.parse(up.out) as { results: { change: string; deltaPods: number; newNodes: number }[] }
  ).results[0];
  assert.deepEqual([upRes?.change, upRes?.deltaPods, upRes?.newNodes], ['scale', 2, 2]);
  const down = await cli([
    'check',
    '-f',
    await tempFile(
      'down.yaml',
      'apiVersion: autoscaling/v1\nkind: Scale\nmetadata: {name: checkout, namespace: shop}\nspec: {}\n',
    ),
    ...SNAP,
    '-o',
    'json',
  ]);
  assert.equal(down.code, 0);
  const downRes = (JSON.parse(down.out) as { results: { deltaPods: number; verdict: string }[] })
    .results[0];
  assert.deepEqual([downRes?.deltaPods, downRes?.verdict], [0, 'allow']);
});

test('an AdmissionReview file is judged like the webhook would', async () => {
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      resource: { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' },
      subResource: 'scale',
      name: 'checkout',
      namespace: 'shop',
      operation: 'UPDATE',
      userInfo: { username: 'alice' },
      object: {
        metadata: { name: 'checkout', namespace: 'shop' },
        spec: { replicas: 11 },
        status: { replicas: 10 },
      },
      oldObject: {
        metadata: { name: 'checkout', namespace: 'shop' },
        spec: { replicas: 10 },
        status: { replicas: 10 },
      },
      dryRun: false,
    },
  };
  const r = await cli([
    'check',
    '-f',
    await tempFile('review.json', JSON.stringify(review)),
    ...SNAP,
    '-o',
    'json',
  ]);
  const res = (
    JSON.parse(r.out) as {
      results: { kind: string; change: string; newNodes: number; ipsRequired: number }[];
    }
  ).results[0];
  assert.deepEqual(
    [res?.kind, res?.change, res?.newNodes, res?.ipsRequired],
    ['Rollout', 'scale', 1, 14],
  );
});

test('a Deployment that is new to the cluster is a create', async () => {
  const dep = `apiVersion: apps/v1
kind: Deployment
metadata: {name: search, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: search}}
  template:
    metadata: {labels: {app: search}}
    spec:
      nodeSelector: {eks.amazonaws.com/nodegroup: apps}
      containers: [{name: s, image: s, resources: {requests: {cpu: "6", memory: 20Gi}}}]
`;
  const r = await cli(['check', '-f', await tempFile('dep.yaml', dep), ...SNAP, '-o', 'json']);
  const res = (
    JSON.parse(r.out) as {
      results: { change: string; currentPods: number; peakPods: number; newNodes: number }[];
    }
  ).results[0];
  assert.deepEqual(
    [res?.change, res?.currentPods, res?.peakPods, res?.newNodes],
    ['create', 0, 2, 2],
  );
});

const bad = [
  {
    name: 'a missing file',
    args: ['-f', '/nonexistent/x.yaml', ...SNAP],
    err: /\/nonexistent\/x\.yaml: cannot read the file \(ENOENT\)/,
  },
  { name: 'no -f', args: [...SNAP], err: /-f FILE is required/ },
  {
    name: 'no state and no cluster',
    args: ['-f', ROLLOUT],
    err: /no cluster configured.*--snapshot DIR/,
  },
  {
    name: 'an unknown --cni setting',
    args: ['-f', ROLLOUT, ...SNAP, '--cni', 'WARM_IP=1'],
    err: /--cni: unknown setting "WARM_IP"/,
  },
  { name: 'an unknown flag', args: ['-f', ROLLOUT, ...SNAP, '--frobnicate'], err: /frobnicate/ },
  {
    name: 'a bad --output',
    args: ['-f', ROLLOUT, ...SNAP, '-o', 'xml'],
    err: /--output: expected text or json/,
  },
] as const;
for (const b of bad) {
  test(`bad input exits 2 with one line: ${b.name}`, async () => {
    const r = await cli(['check', ...b.args]);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.match(r.err, b.err);
    assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
  });
}

test('a malformed field is named with its file and path', async () => {
  const dep =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: ten\n';
  const f = await tempFile('bad.yaml', dep);
  const r = await cli(['check', '-f', f, ...SNAP]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    new RegExp(`${f}: spec\\.replicas: expected a non-negative integer, got "ten"`),
  );
  const cpu =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n      containers: [{name: a, resources: {requests: {cpu: lots}}}]\n';
  const r2 = await cli(['check', '-f', await tempFile('cpu.yaml', cpu), ...SNAP]);
  assert.match(
    r2.err,
    /spec\.template\.spec\.containers\[0\]\.resources\.requests\.cpu: not a quantity: "lots"/,
  );
  const yaml = await cli([
    'check',
    '-f',
    await tempFile('broken.yaml', 'kind: Deployment\n  bad: [\n'),
    ...SNAP,
  ]);
  assert.equal(yaml.code, 2);
  assert.match(yaml.err, /broken\.yaml: line \d+: not valid YAML/);
});

test('a Scale whose parent is not in the cluster is bad input naming it', async () => {
  const r = await cli([
    'check',
    '-f',
    join(fixturesDir(), 'admissionreviews', 'deployments-scale-update.json'),
    ...SNAP,
  ]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /Scale my-namespace\/my-deployment: no Deployment of that name in the cluster state/,
  );
});

test('the installed entry point runs: exit status and streams from a real process', async () => {
  const run = promisify(execFile);
  const err = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'src/cli/main.ts'),
      'check',
      '-f',
      ROLLOUT,
      ...SNAP,
      '-o',
      'json',
    ],
    { cwd: REPO },
  ).then(
    () => undefined,
    (e: unknown) => e as { code: number; stdout: string; stderr: string },
  );
  assert.ok(err, 'a deny exits non-zero');
  assert.equal(err.code, 1);
  assert.equal((JSON.parse(err.stdout) as { allowed: boolean }).allowed, false);
  assert.equal(err.stderr, '');
});

test('a manifest without the fields the apiserver defaults is not a rollout', async () => {
  // The running checkout template as a person writes it: no imagePullPolicy, no terminationMessagePath,
  // no protocol on the port; the cluster's copy has all of them (examples/bluegreen/cluster.json).
  const manifest = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: checkout, namespace: shop}
spec:
  replicas: 12
  selector: {matchLabels: {app: checkout}}
  strategy: {blueGreen: {activeService: checkout-active, previewService: checkout-preview, autoPromotionEnabled: false}}
  template:
    metadata:
      labels: {app: checkout}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      nodeSelector: {eks.amazonaws.com/nodegroup: apps}
      terminationGracePeriodSeconds: 60
      containers:
        - name: checkout
          image: 111122223333.dkr.ecr.us-east-1.amazonaws.com/shop/checkout:v1.41.0
          ports: [{containerPort: 8080, name: http}]
          resources: {requests: {cpu: 7000m, memory: 26Gi}, limits: {memory: 26Gi}}
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 5}
`;
  const r = await cli([
    'check',
    '-f',
    await tempFile('same.yaml', manifest),
    ...SNAP,
    '-o',
    'json',
  ]);
  const res = (JSON.parse(r.out) as { results: { change: string; peakPods: number }[] }).results[0];
  assert.deepEqual(
    [res?.change, res?.peakPods],
    ['scale', 12],
    'a replica change, not a blue/green switch',
  );
});

test('documents in one file are judged together: what an earlier one takes is held for the next', async () => {
  const dep = (name: string): string =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  replicas: 1\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n      nodeSelector: {eks.amazonaws.com/nodegroup: apps}\n      containers: [{name: c, resources: {requests: {cpu: "7", memory: 20Gi}}}]\n`;
  const r = await cli([
    'check',
    '-f',
    await tempFile('two.yaml', `${dep('one')}---\n${dep('two')}`),
    ...SNAP,
    '-o',
    'json',
  ]);
  const results = (JSON.parse(r.out) as { results: { name: string; verdict: string }[] }).results;
  // Each needs a new node in us-east-1b (14 of its 20 free): the first fits, the second no longer does.
  assert.deepEqual(
    results.map(x => [x.name, x.verdict]),
    [
      ['one', 'warn'],
      ['two', 'deny'],
    ],
  );
  assert.equal(r.code, 1);
});

test('a Scale whose parent is missing names the file', async () => {
  const f = await tempFile(
    'ghost.yaml',
    'apiVersion: autoscaling/v1\nkind: Scale\nmetadata: {name: ghost, namespace: shop}\nspec: {replicas: 3}\n',
  );
  const r = await cli(['check', '-f', f, ...SNAP]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    new RegExp(`${f}: Scale shop/ghost: no Deployment, Rollout or StatefulSet of that name`),
  );
});

/** A small Deployment that fits, named `name`, as a decoded object. */
function smallDeployment(name: string): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'small' } },
      template: {
        metadata: { labels: { app: 'small' } },
        spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '10m' } } }] },
      },
    },
  };
}

test('Lists nested thousands deep are walked without the call stack', async () => {
  const depth = 20_000;
  const text = `${'{"kind":"List","items":['.repeat(depth)}${JSON.stringify(smallDeployment('deep'))}${']}'.repeat(depth)}`;
  const r = await cli([
    'check',
    '-f',
    await tempFile('deep-list.json', text),
    ...SNAP,
    '-o',
    'json',
  ]);
  assert.equal(r.err, '');
  assert.equal(r.code, 0);
  assert.equal((JSON.parse(r.out) as { results: { name: string }[] }).results[0]?.name, 'deep');
});

test('a List of 200,000 objects is read without spreading it into a call', async () => {
  const items = Array.from({ length: 200_000 }, (_, i) => ({
    kind: 'ConfigMap',
    metadata: { name: `c${i}` },
  }));
  items.push(smallDeployment('last') as (typeof items)[number]);
  const path = await tempFile('many.json', JSON.stringify({ kind: 'List', items }));
  const r = await cli(['check', '-f', path, ...SNAP, '-o', 'json']);
  assert.equal(r.err, '');
  assert.equal((JSON.parse(r.out) as { results: { name: string }[] }).results[0]?.name, 'last');
});

test('more objects to judge than one run takes is one line of bad input, not minutes of work', async () => {
  const items = Array.from({ length: MAX_CHECKED_OBJECTS + 1 }, (_, i) => smallDeployment(`d${i}`));
  const path = await tempFile('too-many.json', JSON.stringify({ kind: 'List', items }));
  const r = await cli(['check', '-f', path, ...SNAP]);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /^ipguard check: .*too-many\.json: more than 10000 objects to check; split/);
  assert.equal(r.err.trimEnd().split('\n').length, 1);
});

test('text output shows control characters from names as escapes, never as terminal commands', async () => {
  const evil = smallDeployment('evil\u001b[31mRED\u001b]0;owned\u0007\u202etxt.exe');
  const r = await cli(['check', '-f', await tempFile('evil.json', JSON.stringify(evil)), ...SNAP]);
  assert.equal(r.code, 0);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(r.out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  assert.match(r.out, /shop\/evil\\u001b\[31mRED\\u001b\]0;owned\\u0007\\u202etxt\.exe/);
});
