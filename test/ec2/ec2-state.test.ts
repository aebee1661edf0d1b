import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Ec2CallCounter } from '../../src/ec2/calls.js';
import { createEc2Api } from '../../src/ec2/client.js';
import { Ec2State, type Ec2StateOptions } from '../../src/ec2/ec2-state.js';
import { demandOf, type Ec2Demand } from '../../src/cluster/aws/subnet-selection.js';
import { loadStateFiles, snapshotFiles } from '../../src/state/files.js';
import { FakeEc2 } from '../fakes/ec2.js';
import { captureLog, scaledDelay, waitFor } from '../helpers/async.js';
import { BLUEGREEN_DIR, bluegreenInstanceTypes, bluegreenSubnets } from '../helpers/examples.js';

const PRIVATE_SUBNETS = [
  'subnet-0a1f2e3d4c5b6a701',
  'subnet-0b2f3e4d5c6b7a802',
  'subnet-0c3f4e5d6c7b8a903',
];

async function exampleDemand(): Promise<Ec2Demand> {
  const m = await loadStateFiles(await snapshotFiles(BLUEGREEN_DIR));
  return demandOf(m.nodes.values(), m.eniConfigs.values(), m.daemonSets);
}

async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  over: Partial<Ec2StateOptions> = {},
) {
  const fake = await FakeEc2.start();
  fake.load(bluegreenSubnets());
  fake.load(bluegreenInstanceTypes());
  const client = fake.client();
  const calls = new Ec2CallCounter();
  const { delay, waits } = scaledDelay();
  const { log, lines } = captureLog();
  let nowMs = 1_000_000;
  const state = new Ec2State({
    api: createEc2Api(client, calls),
    log,
    now: () => nowMs,
    delay,
    subnetRefreshMs: 60_000,
    instanceTypeRefreshSeconds: 6 * 3600,
    describeNetworkInterfaces: false,
    random: () => 0.5,
    ...over,
  });
  t.after(async () => {
    await state.close();
    client.destroy();
    await fake.close();
  });
  state.setDemand(await exampleDemand());
  return {
    fake,
    calls,
    state,
    waits,
    lines,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

test('the first load asks for the VPC aws-node names and the instance types in use, once', async t => {
  const h = await setup(t);
  await h.state.start();
  const view = h.state.view();
  assert.ok(view);
  assert.deepStrictEqual(
    [...view.subnets.keys()],
    PRIVATE_SUBNETS,
    'public ELB subnets are left out',
  );
  assert.deepStrictEqual([...view.instanceTypes.keys()].sort(), ['m5.2xlarge', 'm5.large']);
  assert.deepStrictEqual(h.fake.actions(), ['DescribeSubnets', 'DescribeInstanceTypes']);
  const [subnets, types] = h.fake.requests;
  assert.ok(subnets && types);
  assert.equal(subnets.params['Filter.1.Name'], 'vpc-id');
  assert.equal(subnets.params['Filter.1.Value.1'], 'vpc-0a1b2c3d4e5f60718');
  assert.equal(types.params['InstanceType.1'], 'm5.2xlarge');
  assert.equal(types.params['InstanceType.2'], 'm5.large');
  assert.equal(h.state.health().subnetsRefreshedAtMs, 1_000_000);
});

test('reading the view never calls EC2', async t => {
  const h = await setup(t, { subnetRefreshMs: 3_600_000 });
  await h.state.start();
  const calls = h.calls.total;
  for (let i = 0; i < 10_000; i++) h.state.view();
  assert.equal(h.calls.total, calls);
});

test('throttling backs off (5 s, 10 s …) and then loads', async t => {
  const h = await setup(t);
  h.fake.failNext({ status: 503, code: 'RequestLimitExceeded', times: 2 });
  await h.state.start();
  assert.deepStrictEqual(h.waits.slice(0, 2), [5_000, 10_000]);
  assert.equal(h.calls.stats().throttled, 2);
  assert.equal(h.state.health().failingSinceMs, undefined);
  assert.ok(h.state.view());
});

test('during an EC2 outage the last good state is served, with its age and the error', async t => {
  const h = await setup(t);
  await h.state.start();
  const before = h.state.view();
  h.fake.down(503, 'Unavailable');
  h.advance(120_000);
  const requests = h.fake.requests.length;
  await waitFor(() => h.state.health().consecutiveFailures >= 2, 'two failed refreshes');
  assert.ok(h.fake.requests.length > requests);
  assert.equal(h.state.view(), before, 'the same state, untouched');
  const health = h.state.health();
  assert.equal(health.subnetsRefreshedAtMs, 1_000_000);
  assert.equal(health.failingSinceMs, 1_120_000);
  assert.equal(health.lastErrorKind, 'unavailable');
  assert.match(health.lastError ?? '', /^Unavailable/);
  h.fake.up();
  await waitFor(() => h.state.health().failingSinceMs === undefined, 'recovery');
  assert.equal(h.state.health().subnetsRefreshedAtMs, 1_120_000);
});

test('changed free addresses make a new view; unchanged answers keep the old one', async t => {
  const h = await setup(t);
  await h.state.start();
  const first = h.state.view();
  const n = h.fake.requests.length;
  await waitFor(() => h.fake.requests.length > n, 'a refresh');
  assert.equal(h.state.view(), first);
  const s = bluegreenSubnets();
  s.Subnets[0]!.AvailableIpAddressCount = 3;
  h.fake.load(s);
  await waitFor(() => h.state.view() !== first, 'a new view');
  assert.equal(h.state.view()?.subnets.get(PRIVATE_SUBNETS[0] ?? '')?.availableIps, 3);
});

test('a new instance type in the cluster is fetched soon, alone; an unknown one is remembered', async t => {
  const h = await setup(t, { subnetRefreshMs: 3_600_000 });
  await h.state.start();
  const types = bluegreenInstanceTypes();
  h.fake.load({
    InstanceTypes: [
      ...types.InstanceTypes,
      { ...types.InstanceTypes[0], InstanceType: 'c6i.large' },
    ],
  });
  const demand = await exampleDemand();
  h.state.setDemand({
    ...demand,
    instanceTypes: [...demand.instanceTypes, 'c6i.large', 'x9.nope'],
  });
  await waitFor(() => h.state.view()?.instanceTypes.has('c6i.large') === true, 'the new type');
  const asked = h.fake.requests.filter(r => r.action === 'DescribeInstanceTypes').slice(1);
  assert.deepStrictEqual(
    asked.map(r => [r.params['InstanceType.1'], r.params['InstanceType.2']]),
    [
      ['c6i.large', 'x9.nope'],
      ['c6i.large', undefined],
      ['x9.nope', undefined],
    ],
  );
  assert.deepStrictEqual(h.state.health().instanceTypesUnknown, ['x9.nope']);
});

test('with describeNetworkInterfaces, holdings are counted per instance from its ENIs', async t => {
  const h = await setup(t, { describeNetworkInterfaces: true });
  h.fake.load({
    NetworkInterfaces: [
      {
        NetworkInterfaceId: 'eni-1',
        SubnetId: PRIVATE_SUBNETS[0],
        InterfaceType: 'interface',
        Attachment: { InstanceId: 'i-0a43bc6bafdc64205' },
        PrivateIpAddresses: [
          { PrivateIpAddress: '10.20.1.20', Primary: true },
          { PrivateIpAddress: '10.20.1.21', Primary: false },
          { PrivateIpAddress: '10.20.1.22', Primary: false },
        ],
      },
    ],
  });
  await h.state.start();
  assert.deepStrictEqual(h.state.view()?.holdings?.get('i-0a43bc6bafdc64205'), {
    enis: 1,
    poolIps: 2,
    prefixes: 0,
    branchEnis: 0,
    ips: 3,
    bySubnet: { [PRIVATE_SUBNETS[0] ?? '']: 3 },
  });
  const eniCalls = h.fake.requests.filter(r => r.action === 'DescribeNetworkInterfaces');
  assert.deepStrictEqual(
    eniCalls.map(r => r.params['Filter.1.Name']),
    ['attachment.instance-id', 'tag:node.k8s.amazonaws.com/instance_id'],
  );
});

test('close() ends the refresher and a start() still waiting', async t => {
  const h = await setup(t);
  h.fake.down(503, 'RequestLimitExceeded');
  const started = h.state.start();
  await waitFor(() => h.calls.total > 0, 'a first call');
  await h.state.close();
  await assert.rejects(started, /closed before EC2 state was loaded/);
  assert.ok(h.lines.some(l => l.msg === 'EC2 refresh failed: keeping the last good state'));
});

test('fresh subnet counts are served even when a later call of the same refresh fails', async t => {
  const h = await setup(t);
  await h.state.start();
  const s = bluegreenSubnets();
  s.Subnets[1]!.AvailableIpAddressCount = 7;
  h.fake.load(s);
  h.fake.failNext({
    status: 503,
    code: 'RequestLimitExceeded',
    action: 'DescribeInstanceTypes',
    times: 100,
  });
  const demand = await exampleDemand();
  h.state.setDemand({ ...demand, instanceTypes: [...demand.instanceTypes, 'c6i.large'] });
  // The wake-up asks for the new type alone; the retry after it failed is a full refresh.
  await waitFor(() => h.state.health().consecutiveFailures > 1, 'a full refresh that failed');
  assert.equal(h.state.view()?.subnets.get(PRIVATE_SUBNETS[1] ?? '')?.availableIps, 7);
  assert.equal(h.state.health().lastErrorKind, 'throttled');
});

test('a node in no subnet of the VPC (EKS Hybrid Nodes) never makes EC2 look region-wide again', async t => {
  const base = await exampleDemand();
  const withoutVpc: Ec2Demand = { ...base };
  delete (withoutVpc as { vpcId?: string }).vpcId;
  const hybrid = { ip: '192.168.5.10', zone: 'onprem' };
  const h = await setup(t, { subnetRefreshMs: 600_000 });
  h.state.setDemand({ ...withoutVpc, nodes: [...base.nodes, hybrid] });
  await h.state.start();
  const subnetCalls = () => h.fake.requests.filter(r => r.action === 'DescribeSubnets');
  // No VPC_ID from aws-node: the first refresh finds the VPC from the other nodes' addresses.
  assert.deepStrictEqual(
    subnetCalls().map(r => r.params['Filter.1.Name']),
    [undefined],
  );
  assert.deepStrictEqual([...(h.state.view()?.subnets.keys() ?? [])], PRIVATE_SUBNETS);

  // Nodes come and go; the hybrid node's address stays unknown. Nothing to ask EC2.
  const requests = h.fake.requests.length;
  for (let i = 0; i < 50; i++) {
    const extra = { ip: `10.20.${1 + (i % 3)}.${100 + i}`, zone: 'us-east-1a' };
    h.state.setDemand({ ...withoutVpc, nodes: [...base.nodes, hybrid, extra] });
    await sleep(1);
  }
  await sleep(50);
  assert.equal(h.fake.requests.length, requests, 'no wake-up for an address already looked for');

  // The next full refresh asks for the cluster's VPC only, and leaves the hybrid node uncovered.
  await waitFor(() => subnetCalls().length === 2, 'the next full refresh');
  assert.deepStrictEqual(subnetCalls()[1]?.params, {
    Action: 'DescribeSubnets',
    Version: '2016-11-15',
    'Filter.1.Name': 'vpc-id',
    'Filter.1.Value.1': 'vpc-0a1b2c3d4e5f60718',
    MaxResults: '1000',
  });
  assert.ok(
    h.lines.some(l => (l.unresolved as string[] | undefined)?.includes('192.168.5.10')),
    'said once that the address is in no known subnet',
  );

  // A new address in no known subnet is looked for once, in the VPC, at the next wake-up.
  h.state.setDemand({ ...withoutVpc, nodes: [...base.nodes, hybrid, { ip: '192.168.5.11' }] });
  await waitFor(() => subnetCalls().length === 3, 'the wake-up for the new address');
  assert.equal(subnetCalls()[2]?.params['Filter.1.Name'], 'vpc-id');
  await sleep(50);
  assert.equal(subnetCalls().length, 3);
});

test('with describeNetworkInterfaces, node churn wakes no ENI sweep; a new instance type asks for it alone', async t => {
  const h = await setup(t, { describeNetworkInterfaces: true, subnetRefreshMs: 3_600_000 });
  await h.state.start();
  const base = await exampleDemand();
  const requests = h.fake.requests.length;
  assert.deepStrictEqual(h.fake.actions(), [
    'DescribeSubnets',
    'DescribeInstanceTypes',
    'DescribeNetworkInterfaces',
    'DescribeNetworkInterfaces',
  ]);
  for (let i = 0; i < 100; i++) {
    const extra = Array.from({ length: i % 7 }, (_, j) => ({
      ip: `10.20.${1 + (j % 3)}.${100 + i + j}`,
    }));
    h.state.setDemand({
      ...base,
      nodes: [...base.nodes, ...extra],
      instanceIds: [...base.instanceIds, ...extra.map((_, j) => `i-churn${i}-${j}`)],
    });
    if (i % 10 === 0) await sleep(2);
  }
  await sleep(100);
  assert.equal(h.fake.requests.length, requests, 'node churn alone asks EC2 nothing');

  const types = bluegreenInstanceTypes();
  h.fake.load({
    InstanceTypes: [
      ...types.InstanceTypes,
      { ...types.InstanceTypes[0], InstanceType: 'c6i.large' },
    ],
  });
  h.state.setDemand({ ...base, instanceTypes: [...base.instanceTypes, 'c6i.large'] });
  await waitFor(() => h.state.view()?.instanceTypes.has('c6i.large') === true, 'the new type');
  await sleep(50);
  assert.deepStrictEqual(h.fake.actions().slice(requests), ['DescribeInstanceTypes']);
});
