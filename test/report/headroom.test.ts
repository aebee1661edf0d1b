import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeAddresses } from '../../src/cni/node-addresses.js';
import { buildClusterModel } from '../../src/cluster/build.js';
import type { ClusterModel } from '../../src/cluster/model.js';
import { buildReport, type HeadroomReport } from '../../src/report/headroom.js';
import { idleSettings } from '../../src/report/idle-settings.js';
import { parseCniSettings } from '../../src/cni/settings.js';
import { loadStateFiles, snapshotFiles } from '../../src/state/files.js';
import { collectObjects, emptyClusterObjects } from '../../src/cluster/collect.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import { simulate } from '../../src/simulate/simulate.js';
import { BLUEGREEN_DIR, bluegreenObjects } from '../helpers/examples.js';

const NOW = Date.parse('2026-09-20T12:00:00Z');

async function example(): Promise<{ model: ClusterModel; report: HeadroomReport }> {
  const model = await loadStateFiles(await snapshotFiles(BLUEGREEN_DIR));
  return { model, report: buildReport(model, { nowMs: NOW }) };
}

test('per subnet: the free addresses EC2 reports, what the nodes hold, used and idle', async () => {
  const { report } = await example();
  assert.deepStrictEqual(
    report.subnets.map(s => [
      s.id,
      s.zone,
      s.free,
      s.usable,
      s.nodes,
      s.held,
      s.used,
      s.idle,
      s.other,
    ]),
    [
      ['subnet-0a1f2e3d4c5b6a701', 'us-east-1a', 30, 251, 5, 71, 31, 34, 150],
      ['subnet-0b2f3e4d5c6b7a802', 'us-east-1b', 20, 251, 4, 57, 25, 27, 174],
      ['subnet-0c3f4e5d6c7b8a903', 'us-east-1c', 35, 251, 4, 57, 25, 27, 159],
    ],
  );
  assert.equal(report.otherSubnets.length, 3, 'the public load-balancer subnets are set aside');
  assert.deepStrictEqual(report.totals, {
    nodes: 13,
    pods: 133,
    poolPods: 81,
    free: 85,
    held: 185,
    used: 81,
    idle: 88,
  });
});

test('per node, held is the CNI model of its pods: one ENI plus a pool of MINIMUM_IP_TARGET=13', async () => {
  const { model, report } = await example();
  for (const n of report.nodes) {
    const node = model.nodes.get(n.node);
    assert.ok(node?.instanceType !== undefined);
    const limits = model.instanceTypes.get(node.instanceType);
    assert.ok(limits);
    const a = nodeAddresses({
      limits,
      settings: model.cni,
      maxPods: node.maxPods,
      pods: node.usage.poolPods,
    });
    assert.deepStrictEqual(
      [n.held, n.pool, n.used, n.idle],
      [a.ips, a.poolIps, a.podsWithIp, a.idleIps],
    );
    assert.equal(n.pool, 13);
    assert.equal(n.used + n.idle, n.pool);
  }
  const sums = new Map<string, number>();
  for (const n of report.nodes)
    for (const [id, k] of Object.entries(n.shares)) sums.set(id, (sums.get(id) ?? 0) + k);
  for (const s of report.subnets) assert.equal(s.held, sums.get(s.id) ?? 0);
});

test('runway: the most typical pods that fit, and the subnet one more would exhaust', async () => {
  const { model, report } = await example();
  const apps = report.nodeGroups.find(g => g.name === 'apps');
  assert.ok(apps?.runway);
  assert.deepStrictEqual(apps.typicalPod, {
    cpuMilli: 7000,
    memoryBytes: 26 * 2 ** 30,
    basis: 'node-group',
    samplePods: 10,
  });
  assert.equal(apps.runway.pods, 3);
  assert.equal(apps.runway.newNodes, 3);
  assert.deepStrictEqual(apps.runway.newNode, {
    ips: 14,
    workloadPods: 1,
    daemonSetPods: 9,
    daemonSetPodsWithIp: 5,
  });
  assert.deepStrictEqual(apps.runway.limitedBy, {
    subnetId: 'subnet-0b2f3e4d5c6b7a802',
    zone: 'us-east-1b',
    available: 20,
    required: 28,
  });
  assert.equal(apps.runwayWithIdleSetting, 15);

  // The same answer straight from the simulation: 3 such pods fit, 4 do not.
  const rollout = [...model.workloads.values()].find(w => w.kind === 'Rollout');
  assert.ok(rollout?.pod);
  const probe = (n: number) =>
    simulate({
      model,
      book: new AddressBook(),
      change: {
        desired: { ...rollout, name: 'probe', replicas: n, status: {} },
        replicaSets: [],
        nowMs: NOW,
      },
    }).subnets.every(s => s.required <= s.available);
  assert.equal(probe(3), true);
  assert.equal(probe(4), false);
});

test('idle settings: what each frees per subnet, the biggest first, with the command to apply it', async () => {
  const { report } = await example();
  const s = report.idleSettings;
  assert.equal(s.current, 'MINIMUM_IP_TARGET=13');
  const first = s.options[0];
  assert.ok(first);
  assert.deepStrictEqual(first.env, { WARM_IP_TARGET: '1', MINIMUM_IP_TARGET: '6' });
  assert.equal(first.freed, 75);
  assert.deepStrictEqual(first.bySubnet, {
    'subnet-0a1f2e3d4c5b6a701': 29,
    'subnet-0b2f3e4d5c6b7a802': 23,
    'subnet-0c3f4e5d6c7b8a903': 23,
  });
  assert.equal(
    first.command,
    'kubectl -n kube-system set env daemonset/aws-node WARM_IP_TARGET=1 MINIMUM_IP_TARGET=6',
  );
  assert.deepStrictEqual(first.medianNode, { pods: 6, ipsNow: 14, ips: 8 });
  // Freed equals what the nodes hold now less what they would hold: 13 nodes, 7-or-6 idle → 1 spare.
  assert.equal(first.freed, report.totals.idle - report.nodes.length);
  const freed = s.options.map(o => o.freed);
  assert.deepStrictEqual(
    freed,
    [...freed].sort((a, b) => b - a),
  );
});

test('with network interfaces, holdings are counted, not modelled', async () => {
  const objects = emptyClusterObjects();
  collectObjects([{ kind: 'List', items: bluegreenObjects() }], 'cluster.json', objects);
  const files = await loadStateFiles(await snapshotFiles(BLUEGREEN_DIR));
  const model = buildClusterModel({
    objects,
    subnets: files.subnets,
    instanceTypes: files.instanceTypes,
    networkInterfaces: [
      {
        id: 'eni-1',
        subnetId: 'subnet-0a1f2e3d4c5b6a701',
        type: 'interface',
        instanceId: 'i-0a43bc6bafdc64205',
        branch: false,
        secondaryIps: 29,
        prefixes: 0,
      },
    ],
  });
  const report = buildReport(model, { nowMs: NOW });
  assert.equal(report.holdingsFrom, 'network-interfaces');
  const n = report.nodes.find(x => x.node === 'ip-10-20-1-20.ec2.internal');
  assert.deepStrictEqual(n && [n.source, n.held, n.pool, n.used, n.idle], [
    'network-interfaces',
    30,
    29,
    6,
    23,
  ]);
});

test('a pod size given replaces the average', async () => {
  const model = await loadStateFiles(await snapshotFiles(BLUEGREEN_DIR));
  const report = buildReport(model, { nowMs: NOW, pod: { cpuMilli: 250, memoryBytes: 2 ** 29 } });
  const apps = report.nodeGroups.find(g => g.name === 'apps');
  assert.equal(apps?.typicalPod.basis, 'given');
  assert.ok((apps.runway?.pods ?? 0) > 3, 'small pods fit on the existing nodes first');
  assert.ok((apps.runway?.onExistingNodes ?? 0) > 0);
});

test('idle settings under WARM_ENI_TARGET and under prefix delegation', async () => {
  const files = await loadStateFiles(await snapshotFiles(BLUEGREEN_DIR));
  const withEnv = (env: Record<string, string>): ClusterModel => ({
    ...files,
    cniEnv: env,
    cni: parseCniSettings(env).settings,
  });
  const eni = idleSettings(withEnv({ WARM_ENI_TARGET: '1' }), new AddressBook());
  assert.equal(eni.current, 'WARM_ENI_TARGET=1');
  assert.ok(eni.options.length > 0);
  assert.ok(eni.options.every(o => o.unset.length === 0 && o.freed > 0));
  assert.ok(eni.notes.some(n => n.includes('WARM_ENI_TARGET=1 keeps a whole spare ENI')));

  const pd = idleSettings(
    withEnv({ ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' }),
    new AddressBook(),
  );
  assert.deepStrictEqual(pd.options, []);
  assert.match(
    pd.notes[0] ?? '',
    /gives a \/28 back only when no pod uses any of its 16 addresses/,
  );
});

test('the subnet table takes the cluster name given, as the live state selects subnets', async () => {
  const { model } = await example();
  // In the nodes' VPC, tagged for a cluster named blue only: no node, ENIConfig or CNI tag uses it.
  const tagged = {
    id: 'subnet-0ffffffffffffff01',
    zone: 'us-east-1a',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    cidr: '10.20.50.0/24',
    availableIps: 240,
    tags: { 'kubernetes.io/cluster/blue': 'owned' },
  };
  const withTagged: ClusterModel = {
    ...model,
    subnets: new Map([...model.subnets, [tagged.id, tagged]]),
  };
  const unnamed = buildReport(withTagged, { nowMs: NOW });
  assert.ok(!unnamed.subnets.some(s => s.id === tagged.id), "aws-node's CLUSTER_NAME is shop-prod");
  assert.ok(unnamed.otherSubnets.includes(tagged.id));
  const named = buildReport(withTagged, { nowMs: NOW, clusterName: 'blue' });
  assert.deepStrictEqual(
    named.subnets.find(s => s.id === tagged.id),
    {
      id: tagged.id,
      zone: 'us-east-1a',
      cidr: '10.20.50.0/24',
      usable: 251,
      free: 240,
      nodes: 0,
      held: 0,
      used: 0,
      idle: 0,
      other: 11,
    },
  );
  assert.ok(!named.otherSubnets.includes(tagged.id));
  assert.equal(named.totals.free, unnamed.totals.free + 240);
});
