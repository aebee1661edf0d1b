import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ec2CallCounter } from '../../src/ec2/calls.js';
import { createEc2Api } from '../../src/ec2/client.js';
import { EC2_NODE_CLASSES, NODE_POOLS } from '../../src/kube/resources.js';
import { createKubeTransport } from '../../src/kube/transport.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import { simulate } from '../../src/simulate/simulate.js';
import { writeSnapshot } from '../../src/state/snapshot-writer.js';
import { loadStateFiles, snapshotFiles } from '../../src/state/files.js';
import { FakeEc2 } from '../fakes/ec2.js';
import { FakeKubeApi, type KubeObject } from '../fakes/kube-api.js';
import { captureLog, waitFor } from '../helpers/async.js';
import { GiB, aPodShape, aWorkload } from '../helpers/builders.js';
import { bluegreenInstanceTypes, bluegreenObjects, bluegreenSubnets } from '../helpers/examples.js';
import { eniMaxPodsTable } from '../helpers/fixtures.js';
import { describeInstanceTypesEntry } from '../helpers/instance-types.js';
import { ec2NodeClass, nodePool } from '../helpers/karpenter.js';
import { liveSetup } from '../helpers/live.js';
import { tempDir } from '../helpers/temp.js';

/**
 * A NodePool picks from every type the region offers, and a type the bundled table cannot size (no memory
 * figure: trn2.3xlarge) must be sized from EC2's own answer, read live, as Karpenter reads it.
 */

const PRIVATE = [
  { id: 'subnet-0a1f2e3d4c5b6a701', zone: 'us-east-1a' },
  { id: 'subnet-0b2f3e4d5c6b7a802', zone: 'us-east-1b' },
  { id: 'subnet-0c3f4e5d6c7b8a903', zone: 'us-east-1c' },
];

/** trn2.3xlarge as the region describes it: ENIs as in the reference table, its vCPUs and memory. */
function trn2(): Record<string, unknown> {
  const row = eniMaxPodsTable().find(r => r.instanceType === 'trn2.3xlarge');
  assert.ok(row);
  return {
    ...describeInstanceTypesEntry(row),
    VCpuInfo: { DefaultVCpus: 12 },
    MemoryInfo: { SizeInMiB: 131072 },
  };
}

/** 200 more types, so the region's listing takes three pages of 100. */
function filler(): Record<string, unknown>[] {
  const taken = new Set(['m5.large', 'm5.2xlarge', 'trn2.3xlarge']);
  return eniMaxPodsTable()
    .filter(r => !taken.has(r.instanceType))
    .slice(0, 200)
    .map(describeInstanceTypesEntry);
}

const neuronPool = nodePool({
  name: 'neuron',
  requirements: [
    { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['trn2.3xlarge'] },
  ],
});
const neuronClass = ec2NodeClass('default', PRIVATE);

function trainer() {
  return aWorkload({
    kind: 'Deployment',
    name: 'trainer',
    replicas: 2,
    pod: aPodShape({
      requests: { cpuMilli: 4000, memoryBytes: 32 * GiB },
      nodeSelector: { 'karpenter.sh/nodepool': 'neuron' },
    }),
  });
}

test('serve: with NodePools, EC2 lists the region page by page and sizes the types the table cannot', async t => {
  const { kube, ec2, source, advance } = await liveSetup(t, {
    instanceTypes: [trn2(), ...filler()],
  });
  kube.load([neuronPool, neuronClass] as KubeObject[]);
  await source.start();
  const pages = ec2.requests.filter(
    r => r.action === 'DescribeInstanceTypes' && r.params['InstanceType.1'] === undefined,
  );
  assert.equal(pages.length, 3, '203 types, 100 a page');
  assert.ok(pages.every(p => p.params.MaxResults === '100'));
  // The nodes' own types were in the listing: nothing asked for by name.
  assert.equal(
    ec2.requests.filter(r => r.params['InstanceType.1'] !== undefined).length,
    0,
    'node types come from the listing',
  );
  advance(1_001);
  const model = source.current()?.model;
  assert.ok(model);
  assert.equal(model.instanceTypes.get('trn2.3xlarge')?.memoryMiB, 131072);
  const sim = simulate({
    model,
    change: { desired: trainer(), replicaSets: [], nowMs: 0 },
    book: new AddressBook(),
  });
  assert.equal(sim.unplaced, 0);
  assert.equal(sim.typicalNode?.instanceType, 'trn2.3xlarge');
  assert.equal(sim.newNodes, 1, '12 vCPUs take both 4-CPU pods');

  // A full refresh inside the types' TTL (a minute, 60 ms here) describes subnets again, not the types.
  const before = ec2.requests.length;
  await waitFor(
    () => ec2.requests.slice(before).some(r => r.action === 'DescribeSubnets'),
    'a full refresh',
  );
  assert.ok(
    ec2.requests.slice(before).every(r => r.action !== 'DescribeInstanceTypes'),
    ec2.requests
      .slice(before)
      .map(r => r.action)
      .join(','),
  );
});

test('serve: the first NodePool created makes EC2 list the region, once', async t => {
  const { kube, ec2, source, advance } = await liveSetup(t, { instanceTypes: [trn2()] });
  // Karpenter installed, no NodePool yet.
  kube.setInstalled(NODE_POOLS, true);
  kube.setInstalled(EC2_NODE_CLASSES, true);
  await source.start();
  const listings = () =>
    ec2.requests.filter(
      r => r.action === 'DescribeInstanceTypes' && r.params['InstanceType.1'] === undefined,
    ).length;
  assert.equal(listings(), 0, 'no NodePool: only the nodes types, by name');
  kube.add(neuronClass as KubeObject);
  kube.add(neuronPool as KubeObject);
  await waitFor(() => listings() === 1, 'the region listed');
  await waitFor(() => {
    advance(1_001);
    return source.current()?.model.instanceTypes.get('trn2.3xlarge')?.memoryMiB === 131072;
  }, 'trn2.3xlarge sized from EC2');
  kube.add(nodePool({ name: 'second' }) as KubeObject);
  await new Promise(resolve => setTimeout(resolve, 100));
  assert.equal(listings(), 1, 'within the TTL a second NodePool lists nothing again');
});

test('snapshot: keeps the types the nodes run and those a NodePool allows, sized from EC2', async t => {
  const kube = await FakeKubeApi.start();
  kube.load([...bluegreenObjects(), neuronPool, neuronClass] as KubeObject[]);
  const ec2 = await FakeEc2.start();
  ec2.load(bluegreenSubnets());
  ec2.load({ InstanceTypes: [...bluegreenInstanceTypes().InstanceTypes, trn2(), ...filler()] });
  const client = ec2.client();
  t.after(async () => {
    client.destroy();
    await kube.close();
    await ec2.close();
  });
  const dir = tempDir(t, 'nodepool-types');
  const { log } = captureLog();
  await writeSnapshot(dir, {
    transport: createKubeTransport(kube.kubeConfig()),
    ec2: createEc2Api(client, new Ec2CallCounter()),
    networkInterfaces: false,
    log,
  });
  const written = JSON.parse(readFileSync(join(dir, 'instance-types.json'), 'utf8')) as {
    InstanceTypes: { InstanceType: string }[];
  };
  assert.deepStrictEqual(written.InstanceTypes.map(t => t.InstanceType).sort(), [
    'm5.2xlarge',
    'm5.large',
    'trn2.3xlarge',
  ]);
  const offline = await loadStateFiles(await snapshotFiles(dir));
  assert.equal(offline.instanceTypes.get('trn2.3xlarge')?.memoryMiB, 131072);
  const sim = simulate({
    model: offline,
    change: { desired: trainer(), replicaSets: [], nowMs: 0 },
    book: new AddressBook(),
  });
  assert.equal(sim.typicalNode?.instanceType, 'trn2.3xlarge');
});
