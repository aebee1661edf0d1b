import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { parseInstanceTypes } from '../../src/cluster/aws/instance-types.js';
import { parseNetworkInterfaces } from '../../src/cluster/aws/network-interfaces.js';
import { parseSubnets } from '../../src/cluster/aws/subnets.js';
import { Ec2CallCounter } from '../../src/ec2/calls.js';
import { createEc2Api } from '../../src/ec2/client.js';
import { classifyAwsError } from '../../src/ec2/errors.js';
import { FakeEc2 } from '../fakes/ec2.js';
import { bluegreenInstanceTypes, bluegreenSubnets } from '../helpers/examples.js';

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const fake = await FakeEc2.start();
  const client = fake.client();
  const calls = new Ec2CallCounter();
  t.after(async () => {
    client.destroy();
    await fake.close();
  });
  fake.load(bluegreenSubnets());
  fake.load(bluegreenInstanceTypes());
  return { fake, calls, api: createEc2Api(client, calls) };
}

const signal = new AbortController().signal;

test('the fake speaks EC2 XML: the real SDK reads back exactly the aws CLI JSON it was given', async t => {
  const { api } = await setup(t);
  const subnets = await api.describeSubnets({}, signal);
  assert.deepStrictEqual(subnets, bluegreenSubnets().Subnets);
  const types = await api.describeInstanceTypes(['m5.large', 'm5.2xlarge'], signal);
  assert.deepStrictEqual(
    parseInstanceTypes({ InstanceTypes: types }, 'sdk'),
    parseInstanceTypes(bluegreenInstanceTypes(), 'sdk'),
  );
});

test('every page is fetched with NextToken and counted as a call', async t => {
  const { api, fake, calls } = await setup(t);
  fake.maxPageSize = 1;
  const subnets = await api.describeSubnets(
    { filters: [{ Name: 'vpc-id', Values: ['vpc-0a1b2c3d4e5f60718'] }] },
    signal,
  );
  assert.equal(subnets.length, bluegreenSubnets().Subnets.length);
  const tokens = fake.requests.map(r => r.params.NextToken);
  assert.deepStrictEqual(tokens, [undefined, ...subnets.slice(1).map((_, i) => String(i + 1))]);
  assert.ok(fake.requests.every(r => r.params['Filter.1.Name'] === 'vpc-id'));
  assert.equal(calls.stats().byOperation.DescribeSubnets, subnets.length);
  assert.equal(calls.total, subnets.length);
});

test('network interfaces come back with their attachment, addresses and prefixes', async t => {
  const { api, fake } = await setup(t);
  const doc = {
    NetworkInterfaces: [
      {
        NetworkInterfaceId: 'eni-1',
        SubnetId: 'subnet-0a1f2e3d4c5b6a701',
        InterfaceType: 'interface',
        Attachment: { InstanceId: 'i-0a43bc6bafdc64205', DeviceIndex: 0 },
        PrivateIpAddresses: [
          { PrivateIpAddress: '10.20.1.20', Primary: true },
          { PrivateIpAddress: '10.20.1.21', Primary: false },
        ],
        Ipv4Prefixes: [{ Ipv4Prefix: '10.20.1.32/28' }],
        TagSet: [{ Key: 'node.k8s.amazonaws.com/instance_id', Value: 'i-0a43bc6bafdc64205' }],
      },
      { NetworkInterfaceId: 'eni-2', SubnetId: 'subnet-x', Attachment: { InstanceId: 'i-other' } },
    ],
  };
  fake.load(doc);
  const got = await api.describeNetworkInterfaces(
    [{ Name: 'attachment.instance-id', Values: ['i-0a43bc6bafdc64205'] }],
    signal,
  );
  assert.deepStrictEqual(parseNetworkInterfaces({ NetworkInterfaces: got }, 'sdk'), [
    {
      id: 'eni-1',
      subnetId: 'subnet-0a1f2e3d4c5b6a701',
      type: 'interface',
      instanceId: 'i-0a43bc6bafdc64205',
      branch: false,
      secondaryIps: 1,
      prefixes: 1,
    },
  ]);
  assert.equal(fake.requests[0]?.params.MaxResults, '1000');
});

test('EC2 errors arrive as named SDK errors, classified and counted', async t => {
  const { api, fake, calls } = await setup(t);
  fake.failNext({ status: 503, code: 'RequestLimitExceeded' });
  await assert.rejects(api.describeSubnets({}, signal), (err: unknown) => {
    assert.equal((err as Error).name, 'RequestLimitExceeded');
    assert.equal(classifyAwsError(err), 'throttled');
    return true;
  });
  fake.failNext({ status: 400, code: 'InvalidInstanceType' });
  await assert.rejects(api.describeInstanceTypes(['m9.huge'], signal), (err: unknown) => {
    assert.equal(classifyAwsError(err), 'invalid');
    return true;
  });
  fake.failNext({ status: 403, code: 'UnauthorizedOperation' });
  await assert.rejects(api.describeSubnets({}, signal), (err: unknown) => {
    assert.equal(classifyAwsError(err), 'denied');
    return true;
  });
  assert.deepStrictEqual(calls.stats(), {
    total: 3,
    byOperation: { DescribeSubnets: 2, DescribeInstanceTypes: 1 },
    attempts: 3,
    failed: 3,
    throttled: 1,
  });
  assert.deepStrictEqual(
    parseSubnets({ Subnets: await api.describeSubnets({}, signal) }, 'sdk'),
    parseSubnets(bluegreenSubnets(), 'sdk'),
  );
});

test('a slow EC2 answer is cut off by the call timeout', async t => {
  const fake = await FakeEc2.start();
  const client = fake.client();
  t.after(async () => {
    client.destroy();
    await fake.close();
  });
  fake.delayMs = 2_000;
  const api = createEc2Api(client, new Ec2CallCounter(), 100);
  const t0 = Date.now();
  await assert.rejects(api.describeSubnets({}, signal), (err: unknown) => {
    assert.equal(classifyAwsError(err), 'aborted');
    return true;
  });
  assert.ok(Date.now() - t0 < 1_500);
});

/**
 * What a long-lived signal holds on behalf of calls made with it: its abort listeners, and the
 * dependent signals Node keeps for AbortSignal.any (found by symbol; Node 20 never removes them).
 */
function heldBy(s: AbortSignal): number {
  const dependants = Object.getOwnPropertySymbols(s).find(
    k => k.description === 'kDependantSignals',
  );
  const set =
    dependants === undefined ? undefined : (s as unknown as Record<symbol, unknown>)[dependants];
  // Node's own SafeSet, which is not instanceof Set.
  const size = (set as { size?: unknown } | undefined)?.size;
  return getEventListeners(s, 'abort').length + (typeof size === 'number' ? size : 0);
}

test('calls leave nothing behind on the long-lived signal they are made with', async t => {
  const { api } = await setup(t);
  const closed = new AbortController();
  for (let i = 0; i < 20; i++) await api.describeSubnets({}, closed.signal);

  assert.equal(heldBy(closed.signal), 0);
  // And the signal still cuts a call short.
  const pending = api.describeInstanceTypes(['m5.large'], closed.signal);
  closed.abort();
  await assert.rejects(pending);
});
