import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Ec2CallCounter } from '../../src/ec2/calls.js';
import { createEc2Api } from '../../src/ec2/client.js';
import { createKubeTransport } from '../../src/kube/transport.js';
import { LiveSource } from '../../src/state/live-source.js';
import { FakeEc2 } from '../fakes/ec2.js';
import { FakeKubeApi, type KubeObject } from '../fakes/kube-api.js';
import { captureLog, scaledDelay, waitFor } from '../helpers/async.js';
import {
  bluegreenInstanceTypes,
  bluegreenObjects,
  bluegreenSubnets,
  clone,
} from '../helpers/examples.js';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/** A node like the example's, of `type`, at 10.20.{zone}.{host}. */
function node(name: string, zone: number, host: number, type = 'm5.large'): KubeObject {
  const n = clone(bluegreenObjects().find(o => o.kind === 'Node'));
  assert.ok(n);
  const z = ZONES[zone] ?? 'us-east-1a';
  n.metadata.name = name;
  delete n.metadata.uid;
  n.metadata.labels = {
    'node.kubernetes.io/instance-type': type,
    'topology.kubernetes.io/zone': z,
  };
  n.spec = { providerID: `aws:///${z}/i-0${name}` };
  (n.status as { addresses: unknown }).addresses = [
    { type: 'InternalIP', address: `10.20.${zone + 1}.${host}` },
  ];
  return n;
}

test('with ENIs described, node churn, aws-node changes and absent-CRD retries call EC2 no more', async t => {
  const kube = await FakeKubeApi.start();
  kube.load(bluegreenObjects());
  const ec2 = await FakeEc2.start();
  ec2.load(bluegreenSubnets());
  const types = bluegreenInstanceTypes();
  ec2.load({
    InstanceTypes: [
      ...types.InstanceTypes,
      { ...types.InstanceTypes[0], InstanceType: 'c6i.large' },
    ],
  });
  const client = ec2.client();
  const calls = new Ec2CallCounter();
  const { delay } = scaledDelay();
  const { log } = captureLog();
  let nowMs = 5_000_000;
  const source = new LiveSource({
    transport: createKubeTransport(kube.kubeConfig()),
    ec2: createEc2Api(client, calls),
    ec2Calls: calls,
    // An hour between full refreshes (3.6 s here): none happens during the test.
    config: {
      subnetRefreshSeconds: 3_600,
      instanceTypeRefreshSeconds: 6 * 3600,
      describeNetworkInterfaces: true,
    },
    log,
    now: () => nowMs,
    delay,
    // ENIConfigs are not installed in the example: looked for again every 20 ms here.
    kube: { absentRetryMs: 20_000, random: () => 0.5 },
    ec2Options: { random: () => 0.5 },
    onClose: () => {
      client.destroy();
    },
  });
  t.after(async () => {
    await source.close();
    await kube.close();
    await ec2.close();
  });
  await source.start();
  assert.deepStrictEqual(ec2.actions(), [
    'DescribeSubnets',
    'DescribeInstanceTypes',
    'DescribeNetworkInterfaces',
    'DescribeNetworkInterfaces',
  ]);
  const before = ec2.requests.length;
  // The model is rebuilt at most once a second of the source's clock.
  const model = () => {
    nowMs += 1_001;
    return source.current()?.model;
  };

  const added = Array.from({ length: 40 }, (_, i) => node(`churn-${i}`, i % 3, 100 + i));
  for (const n of added) kube.add(n);
  for (const n of added.slice(0, 10)) kube.update(node(n.metadata.name, 1, 200, 'm5.2xlarge'));
  for (const n of added.slice(30)) kube.remove(n);
  const awsNode = clone(
    bluegreenObjects().find(o => o.kind === 'DaemonSet' && o.metadata.name === 'aws-node'),
  );
  assert.ok(awsNode);
  const env = (
    awsNode.spec as { template: { spec: { containers: { env: { name: string }[] }[] } } }
  ).template.spec.containers[0]!.env;
  env.push({ name: 'WARM_IP_TARGET', value: '2' } as { name: string });
  kube.update(awsNode);
  await waitFor(() => model()?.nodes.size === 13 + 30, 'the nodes that came and stayed');
  await waitFor(() => model()?.cniEnv.WARM_IP_TARGET === '2', 'the aws-node change');
  // Long enough for wake-ups (2 s, 10 s here 2 and 10 ms) and a dozen looks for the ENIConfig CRD.
  await sleep(300);
  assert.deepStrictEqual(ec2.actions().slice(before), [], 'nothing new to ask EC2');

  kube.add(node('new-type', 0, 250, 'c6i.large'));
  await waitFor(() => model()?.instanceTypes.has('c6i.large') === true, 'the new instance type');
  await sleep(100);
  assert.deepStrictEqual(ec2.actions().slice(before), ['DescribeInstanceTypes']);
});
