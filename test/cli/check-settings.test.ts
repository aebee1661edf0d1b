import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, EXAMPLE } from '../helpers/cli.js';
import {
  awsNodeObject,
  clusterWithAwsNode,
  settingsReview,
  type EnvEdit,
} from '../helpers/aws-node.js';
import { tempDir } from '../helpers/temp.js';

// A folder of its own for each file, so two tests' files of one name never meet.
const root = tempDir({ after }, 'settings');
let files = 0;

async function file(name: string, value: unknown): Promise<string> {
  const dir = join(root, String(files++));
  await mkdir(dir);
  const path = join(dir, name);
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

/** The story cluster with aws-node's env as `now`: the files `kubectl get` and `aws ec2` write. */
async function stateFlags(now: EnvEdit): Promise<string[]> {
  return [
    '--cluster',
    await file('cluster.json', clusterWithAwsNode(now)),
    '--subnets',
    join(EXAMPLE, 'subnets.json'),
    '--instance-types',
    join(EXAMPLE, 'instance-types.json'),
  ];
}

interface Result {
  kind: string;
  namespace: string;
  name: string;
  change: string;
  verdict: string;
  currentPods: number;
  peakPods: number;
  deltaPods: number;
  newNodes: number;
  ipsRequired: number;
  ipsAvailable: number;
  shortfall: number;
  unservedPods: number;
  subnets: { id: string; zone: string; available: number; required: number }[];
  messages: string[];
  remedies: string[];
}

async function check(args: string[]): Promise<{ code: number; res: Result; err: string }> {
  const r = await cli(['check', ...args, '--output', 'json']);
  const json = JSON.parse(r.out === '' ? '{"results":[]}' : r.out) as { results: Result[] };
  return { code: r.code, res: json.results[0]!, err: r.err };
}

test('the story’s own change, MINIMUM_IP_TARGET 8 -> 13, on a cluster that cannot afford it: denied', async () => {
  const f = await file('aws-node.json', awsNodeObject({ MINIMUM_IP_TARGET: '13' }));
  const { code, res } = await check(['-f', f, ...(await stateFlags({ MINIMUM_IP_TARGET: '8' }))]);
  assert.equal(code, 1);
  // Under 8 an m5.2xlarge with 6 pod addresses holds 1 ENI + 8; under 13, 1 ENI + 13: +5 each. An m5.large
  // (9 per ENI) holds 1 + 8, then 2 ENIs + 13: +6. us-east-1b has 3 m5.2xlarge and 1 m5.large: 21 > 20.
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
      unservedPods: res.unservedPods,
    },
    {
      kind: 'DaemonSet',
      namespace: 'kube-system',
      name: 'aws-node',
      change: 'settings',
      verdict: 'deny',
      currentPods: 13,
      peakPods: 13,
      deltaPods: 0,
      newNodes: 0,
      ipsRequired: 68,
      ipsAvailable: 85,
      shortfall: 1,
      unservedPods: 0,
    },
  );
  assert.deepEqual(res.subnets, [
    { id: 'subnet-0a1f2e3d4c5b6a701', zone: 'us-east-1a', available: 30, required: 26 },
    { id: 'subnet-0b2f3e4d5c6b7a802', zone: 'us-east-1b', available: 20, required: 21 },
    { id: 'subnet-0c3f4e5d6c7b8a903', zone: 'us-east-1c', available: 35, required: 21 },
  ]);
  const text = res.messages.join('\n');
  assert.match(text, /MINIMUM_IP_TARGET 8 -> 13, judged on 13 nodes/);
  assert.match(
    text,
    /10 m5\.2xlarge nodes in 3 subnets with 6 pods .*: 9 -> 14 addresses each \(\+5\)/,
  );
  assert.match(
    text,
    /3 m5\.large nodes in 3 subnets with 7 pods .*: 9 -> 15 addresses each \(\+6\)/,
  );
  assert.match(text, /subnet-0b2f3e4d5c6b7a802 \(us-east-1b\) needs 21 .*20 available: short 1/);
  assert.match(text, /each new m5\.2xlarge of node group apps takes 14 addresses instead of 9/);
  assert.match(
    text,
    /runway in subnet-0b2f3e4d5c6b7a802 \(us-east-1b\), room for: 2 -> 0 new apps nodes/,
  );
  assert.match(
    res.remedies[0] ?? '',
    /^set MINIMUM_IP_TARGET=12 instead of 13 \(the largest that fits\)/,
  );
  assert.ok(res.remedies.some(r => r.startsWith('free 1 addresses in subnet-0b2f3e4d5c6b7a802')));
});

test('13 -> 8 releases: allowed, with the addresses every node gives back', async () => {
  const f = await file('aws-node.yaml', awsNodeObject({ MINIMUM_IP_TARGET: '8' }));
  const { code, res } = await check(['-f', f, '--snapshot', EXAMPLE]);
  assert.equal(code, 0);
  assert.equal(res.change, 'settings');
  assert.equal(res.verdict, 'allow');
  assert.equal(res.ipsRequired, 0);
  const text = res.messages.join('\n');
  // 14 -> 9 on the m5.2xlarge nodes; the m5.large nodes keep their second ENI: 15 -> 10.
  assert.match(text, /13 nodes give back 65 addresses at ipamd's next pool decrease/);
  assert.match(text, /subnet-0b2f3e4d5c6b7a802 25|subnet-0a1f2e3d4c5b6a701 25/);
  assert.match(text, /10 m5\.2xlarge nodes in 3 subnets .*: 14 -> 9 addresses each \(-5\)/);
  assert.match(text, /each new m5\.2xlarge of node group apps takes 9 addresses instead of 14/);
  // Without WARM_IP_TARGET the pool now stops at 8: said, though no pod is stranded (7 at most per node).
  assert.match(text, /each m5\.2xlarge node serves 8 pods with addresses, was 13/);
  assert.equal(res.unservedPods, 0);
});

test('WARM_ENI_TARGET 1 -> 0 under MINIMUM_IP_TARGET: nothing changes for ipamd, and it says why', async () => {
  const f = await file('aws-node.json', awsNodeObject({ WARM_ENI_TARGET: '0' }));
  const { code, res } = await check(['-f', f, '--snapshot', EXAMPLE]);
  assert.equal(code, 0);
  assert.equal(res.change, 'settings');
  assert.equal(res.ipsRequired, 0);
  assert.match(res.messages.join('\n'), /no node takes more addresses/);
});

test('raising WARM_ENI_TARGET without an IP target: a whole ENI per node, never given back', async () => {
  const now = { MINIMUM_IP_TARGET: undefined };
  const f = await file(
    'aws-node.json',
    awsNodeObject({ MINIMUM_IP_TARGET: undefined, WARM_ENI_TARGET: '2' }),
  );
  const { code, res } = await check(['-f', f, ...(await stateFlags(now))]);
  assert.equal(code, 1);
  // WARM_ENI_TARGET=1 with 6 pods on an m5.2xlarge: 2 ENIs of 14; WARM_ENI_TARGET=2: 3 ENIs, +15 each.
  assert.match(
    res.messages.join('\n'),
    /10 m5\.2xlarge nodes in 3 subnets .*: 30 -> 45 addresses each \(\+15\)/,
  );
  assert.ok(
    res.remedies.every(r => !r.startsWith('set WARM_ENI_TARGET=1 ')),
    'the current value is no remedy',
  );
});

test('WARM_ENI_TARGET back down from 2: ipamd gives nothing back, and the message says so', async () => {
  const f = await file(
    'aws-node.json',
    awsNodeObject({ MINIMUM_IP_TARGET: undefined, WARM_ENI_TARGET: '1' }),
  );
  const { code, res } = await check([
    '-f',
    f,
    ...(await stateFlags({ MINIMUM_IP_TARGET: undefined, WARM_ENI_TARGET: '2' })),
  ]);
  assert.equal(code, 0);
  assert.equal(res.verdict, 'allow');
  assert.match(
    res.messages.join('\n'),
    /nothing is given back: under WARM_ENI_TARGET ipamd never returns single addresses/,
  );
});

test('prefix delegation on: each node adds a /28 beside the addresses its pods keep', async () => {
  const f = await file(
    'aws-node.json',
    awsNodeObject({ ENABLE_PREFIX_DELEGATION: 'true', MINIMUM_IP_TARGET: undefined }),
  );
  const { code, res } = await check([
    '-f',
    f,
    ...(await stateFlags({ MINIMUM_IP_TARGET: undefined })),
  ]);
  assert.equal(res.change, 'settings');
  assert.equal(code, 1);
  const text = res.messages.join('\n');
  // The manifest's WARM_PREFIX_TARGET=1: one /28 (16) per node; the ENIs are full of secondary IPs, so a new
  // ENI carries it: +17.
  assert.match(text, /: 30 -> 47 addresses each \(\+17\)/);
  assert.match(text, /existing pods keep their secondary IPs until they are replaced/);
});

test('an image bump of aws-node changes no setting: change none, allowed', async () => {
  const ds = awsNodeObject();
  ds.spec.template.spec.containers[0]!.image = 'aws-node:v1.21.0';
  const f = await file('aws-node.json', ds);
  const { code, res } = await check(['-f', f, '--snapshot', EXAMPLE]);
  assert.equal(code, 0);
  assert.deepEqual([res.kind, res.change, res.verdict], ['DaemonSet', 'none', 'allow']);
});

test('an AdmissionReview for aws-node is judged from its old and new objects', async () => {
  const f = await file(
    'review.json',
    settingsReview({ MINIMUM_IP_TARGET: '8' }, { MINIMUM_IP_TARGET: '13' }),
  );
  // The snapshot's aws-node says 13 already; the review's old object (8) is the state before this change.
  const { code, res } = await check(['-f', f, '--snapshot', EXAMPLE]);
  assert.equal(code, 1);
  assert.deepEqual([res.change, res.ipsRequired, res.shortfall], ['settings', 68, 1]);
});

test('an exception annotation on aws-node turns the deny into an allow that says why', async () => {
  const f = await file(
    'aws-node.json',
    awsNodeObject({ MINIMUM_IP_TARGET: '13' }, { 'ipguard.io/exception': 'INC-42 capacity added' }),
  );
  const { code, res } = await check(['-f', f, ...(await stateFlags({ MINIMUM_IP_TARGET: '8' }))]);
  assert.equal(code, 0);
  assert.equal(res.verdict, 'warn');
  assert.ok(res.messages.some(m => m.includes('"INC-42 capacity added"')));
});

test('a CNI setting from a ConfigMap cannot be read: exit 2 naming the field', async () => {
  const ds = awsNodeObject({ MINIMUM_IP_TARGET: undefined });
  ds.spec.template.spec.containers[0]!.env.push({
    name: 'MINIMUM_IP_TARGET',
    valueFrom: { configMapKeyRef: { name: 'cni', key: 'min' } },
  });
  const f = await file('aws-node.json', ds);
  const r = await cli(['check', '-f', f, '--snapshot', EXAMPLE]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /aws-node\.json: .*spec\.template\.spec\.containers\[0\]\.env\[\d+\]\.valueFrom \(MINIMUM_IP_TARGET\)/,
  );
});

test('text output: verdict first, the numbers, the remedies', async () => {
  const f = await file('aws-node.json', awsNodeObject({ MINIMUM_IP_TARGET: '13' }));
  const r = await cli(['check', '-f', f, ...(await stateFlags({ MINIMUM_IP_TARGET: '8' }))]);
  assert.equal(r.code, 1);
  assert.match(r.out.split('\n')[0] ?? '', /^DENY +DaemonSet kube-system\/aws-node \(settings\)/);
  assert.match(r.out, /would fit with:\n +- set MINIMUM_IP_TARGET=12/);
});

test('dropping WARM_IP_TARGET freezes the pools at MINIMUM_IP_TARGET: a warning, though nothing grows', async () => {
  const f = await file('aws-node.json', awsNodeObject({ WARM_IP_TARGET: undefined }));
  const { code, res } = await check([
    '-f',
    f,
    ...(await stateFlags({ WARM_IP_TARGET: '2', MINIMUM_IP_TARGET: '13' })),
  ]);
  assert.equal(code, 0);
  assert.equal(res.verdict, 'warn');
  assert.equal(res.ipsRequired, 0);
  const text = res.messages.join('\n');
  assert.match(
    text,
    /MINIMUM_IP_TARGET=13 without WARM_IP_TARGET freezes the pools of 13 nodes at 13/,
  );
  // 4 ENIs x 14 secondary IPs served 56 of the 58 max pods; now 13.
  assert.match(text, /each m5\.2xlarge node serves 13 pods with addresses, was 56/);
});

test('a MINIMUM_IP_TARGET below the pods a frozen pool serves strands pods: denied, with the count', async () => {
  const f = await file('aws-node.json', awsNodeObject({ MINIMUM_IP_TARGET: '5' }));
  const { code, res } = await check(['-f', f, '--snapshot', EXAMPLE]);
  assert.equal(code, 1);
  // 10 apps nodes run 6 pods with addresses, 3 system nodes 7: 1 and 2 past a pool frozen at 5.
  assert.equal(res.unservedPods, 16);
  assert.equal(res.shortfall, 0);
  assert.match(
    res.messages.join('\n'),
    /16 pods on 13 nodes hold addresses the new pools would not serve/,
  );
  assert.ok(
    res.remedies.some(r => r.startsWith('also set WARM_IP_TARGET=1')),
    res.remedies.join('\n'),
  );
});
