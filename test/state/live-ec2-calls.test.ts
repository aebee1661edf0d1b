import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../fakes/kube-api.js';
import { waitFor } from '../helpers/async.js';
import { bluegreenInstanceTypes, bluegreenObjects, clone } from '../helpers/examples.js';
import { liveSetup } from '../helpers/live.js';

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
  const types = bluegreenInstanceTypes();
  const { kube, ec2, source, advance } = await liveSetup(t, {
    instanceTypes: [{ ...types.InstanceTypes[0], InstanceType: 'c6i.large' }],
    // An hour between full refreshes (3.6 s here): none happens during the test.
    config: { subnetRefreshSeconds: 3_600, describeNetworkInterfaces: true },
    // ENIConfigs are not installed in the example: looked for again every 20 ms here.
    kube: { absentRetryMs: 20_000, random: () => 0.5 },
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
    advance(1_001);
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
