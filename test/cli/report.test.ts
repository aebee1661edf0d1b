import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ipguard } from '../helpers/cli.js';
import { BLUEGREEN_DIR } from '../helpers/examples.js';
import { tempDir } from '../helpers/temp.js';

test('ipguard report on the example says where the addresses are and what would free them', async () => {
  const { code, out, err } = await ipguard(['report', '--snapshot', BLUEGREEN_DIR]);
  assert.equal(code, 0, err);
  assert.equal(err, '');
  for (const line of [
    '13 nodes, 133 pods (81 with a pod address); VPC CNI MINIMUM_IP_TARGET=13',
    'nodes hold 185 addresses: 81 used by pods, 88 idle in warm pools; 85 free in the subnets below',
    'subnet-0b2f3e4d5c6b7a802  us-east-1b  10.20.2.0/24    20  251      4    57    25    27    174',
    'apps: 10 × m5.2xlarge in us-east-1a, us-east-1b, us-east-1c',
    'pool size: MINIMUM_IP_TARGET=13 holds at least 13 addresses',
    'runway: 3 more pods of 7 CPU / 26 GiB (the average of 10 workload pods here): 3 on 3 new nodes taking 14 addresses each (9 DaemonSet pods, 5 with an address, + up to 1 of these pods)',
    'one more and subnet-0b2f3e4d5c6b7a802 (us-east-1b) runs out: it would need 28, 20 free',
    'with WARM_IP_TARGET=1 MINIMUM_IP_TARGET=6: 15 pods',
    'kubectl -n kube-system set env daemonset/aws-node WARM_IP_TARGET=1 MINIMUM_IP_TARGET=6',
    'ip-10-20-1-20.ec2.internal  apps    m5.2xlarge  us-east-1a    10        6    14    13     6     7',
  ]) {
    assert.ok(out.includes(line), `missing: ${line}\n---\n${out}`);
  }
});

test('ipguard report --output json is the report, JSON alone on stdout', async () => {
  const { code, out } = await ipguard([
    'report',
    '--snapshot',
    BLUEGREEN_DIR,
    '--output',
    'json',
    '--pod-cpu',
    '500m',
    '--pod-memory',
    '1Gi',
  ]);
  assert.equal(code, 0);
  const r = JSON.parse(out) as {
    source: string;
    totals: { idle: number };
    nodeGroups: {
      name: string;
      typicalPod: { cpuMilli: number; memoryBytes: number; basis: string };
    }[];
    subnets: unknown[];
    nodes: unknown[];
    idleSettings: { options: { freed: number }[] };
  };
  assert.equal(r.source, `snapshot ${BLUEGREEN_DIR}`);
  assert.equal(r.totals.idle, 88);
  assert.equal(r.subnets.length, 3);
  assert.equal(r.nodes.length, 13);
  assert.deepStrictEqual(r.nodeGroups[0]?.typicalPod, {
    cpuMilli: 500,
    memoryBytes: 2 ** 30,
    basis: 'given',
    samplePods: 0,
  });
  assert.equal(r.idleSettings.options[0]?.freed, 75);
});

test('bad flags are bad usage: exit 2 with the reason', async () => {
  const r = await ipguard(['report', '--snapshot', BLUEGREEN_DIR, '--pod-cpu', 'lots']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--pod-cpu: expected a quantity/);
  const none = await ipguard(['report'], { HOME: '/nonexistent' });
  assert.equal(none.code, 2);
  assert.match(
    none.err,
    /^ipguard report: no cluster configured: set KUBECONFIG .*, or give --snapshot DIR\n$/,
  );
});

test('ipguard report --cluster-name and IPGUARD_CLUSTER_NAME choose the cluster-tagged subnets shown', async t => {
  // The example's subnets, plus one in the VPC tagged only for a cluster named blue.
  const dir = tempDir(t, 'report');
  const subnets = JSON.parse(readFileSync(join(BLUEGREEN_DIR, 'subnets.json'), 'utf8')) as {
    Subnets: Record<string, unknown>[];
  };
  subnets.Subnets.push({
    ...subnets.Subnets[0],
    SubnetId: 'subnet-0ffffffffffffff01',
    CidrBlock: '10.20.50.0/24',
    AvailableIpAddressCount: 240,
    Tags: [{ Key: 'kubernetes.io/cluster/blue', Value: 'owned' }],
  });
  writeFileSync(join(dir, 'subnets.json'), JSON.stringify(subnets));
  const files = [
    '--cluster',
    join(BLUEGREEN_DIR, 'cluster.json'),
    '--instance-types',
    join(BLUEGREEN_DIR, 'instance-types.json'),
    '--subnets',
    join(dir, 'subnets.json'),
    '--output',
    'json',
  ];
  const shown = (out: string): string[] =>
    (JSON.parse(out) as { subnets: { id: string }[] }).subnets.map(s => s.id);
  const plain = await ipguard(['report', ...files]);
  assert.equal(plain.code, 0, plain.err);
  assert.ok(!shown(plain.out).includes('subnet-0ffffffffffffff01'));
  const flag = await ipguard(['report', ...files, '--cluster-name', 'blue']);
  assert.ok(shown(flag.out).includes('subnet-0ffffffffffffff01'));
  const env = await ipguard(['report', ...files], { IPGUARD_CLUSTER_NAME: 'blue' });
  assert.ok(shown(env.out).includes('subnet-0ffffffffffffff01'));
});
