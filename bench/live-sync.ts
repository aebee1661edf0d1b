/**
 * Live state at scale: a LiveSource syncs a generated cluster (5,000 nodes, 150,000 pods by default)
 * from the loopback Kubernetes fake and EC2 fake, then reads its model the way admission does.
 * Prints sync time, heap after sync, the cost of current() and of one pod event, and EC2 calls.
 *
 *   node --expose-gc --import tsx bench/live-sync.ts [nodes] [podsPerNode]
 */
import { pino } from 'pino';
import { Ec2CallCounter } from '../src/ec2/calls.js';
import { createEc2Api } from '../src/ec2/client.js';
import {
  DAEMON_SETS,
  NAMESPACES,
  NODES,
  PODS,
  REPLICA_SETS,
  DEPLOYMENTS,
} from '../src/kube/resources.js';
import { createKubeTransport } from '../src/kube/transport.js';
import { LiveSource } from '../src/state/live-source.js';
import { FakeEc2 } from '../test/fakes/ec2.js';
import { FakeKubeApi, type KubeObject } from '../test/fakes/kube-api.js';
import { bluegreenInstanceTypes } from '../test/helpers/examples.js';

const nodes = Number(process.argv[2] ?? 5000);
const podsPerNode = Number(process.argv[3] ?? 30);
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const DEPLOYMENT_COUNT = 500;

function nodeName(i: number): string {
  return `ip-10-${16 + (i % 3)}-${Math.floor(i / 3 / 250)}-${(Math.floor(i / 3) % 250) + 1}.ec2.internal`;
}

function nodeIp(i: number): string {
  return `10.${16 + (i % 3)}.${Math.floor(i / 3 / 250)}.${(Math.floor(i / 3) % 250) + 1}`;
}

function node(i: number): KubeObject {
  const zone = ZONES[i % 3] ?? 'us-east-1a';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: nodeName(i),
      uid: `node-${i}`,
      labels: {
        'node.kubernetes.io/instance-type': 'm5.2xlarge',
        'topology.kubernetes.io/zone': zone,
        'eks.amazonaws.com/nodegroup': `group-${i % 4}`,
        'kubernetes.io/hostname': nodeName(i),
      },
    },
    spec: { providerID: `aws:///${zone}/i-${(0x1000000 + i).toString(16)}` },
    status: {
      addresses: [{ type: 'InternalIP', address: nodeIp(i) }],
      allocatable: { cpu: '7910m', memory: '31000000Ki', pods: '58' },
      capacity: { cpu: '8', memory: '32000000Ki', pods: '58' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function pod(i: number): KubeObject {
  const d = i % DEPLOYMENT_COUNT;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `app-${d}-${i}`,
      namespace: `ns-${d % 20}`,
      uid: `pod-${i}`,
      labels: { app: `app-${d}`, 'pod-template-hash': 'abc123' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `app-${d}-abc123`,
          uid: `rs-${d}`,
          controller: true,
        },
      ],
    },
    spec: {
      nodeName: nodeName(i % nodes),
      containers: [
        {
          name: 'app',
          image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/app:v1',
          resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '256Mi' } },
          env: [{ name: 'LOG_LEVEL', value: 'info' }],
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
        },
      ],
      serviceAccountName: 'default',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      ],
    },
    status: { phase: 'Running', podIP: '10.16.0.1', hostIP: nodeIp(i % nodes) },
  };
}

function deployment(d: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `app-${d}`, namespace: `ns-${d % 20}`, uid: `dep-${d}` },
    spec: {
      replicas: Math.ceil((nodes * podsPerNode) / DEPLOYMENT_COUNT),
      selector: { matchLabels: { app: `app-${d}` } },
      template: {
        metadata: { labels: { app: `app-${d}` } },
        spec: {
          containers: [{ name: 'app', resources: { requests: { cpu: '100m', memory: '256Mi' } } }],
        },
      },
    },
    status: { replicas: Math.ceil((nodes * podsPerNode) / DEPLOYMENT_COUNT) },
  };
}

function replicaSet(d: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `app-${d}-abc123`,
      namespace: `ns-${d % 20}`,
      labels: { 'pod-template-hash': 'abc123' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: `app-${d}`,
          uid: `dep-${d}`,
          controller: true,
        },
      ],
    },
    spec: { replicas: 300 },
    status: { replicas: 300 },
  };
}

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
}

async function main(): Promise<void> {
  const kube = await FakeKubeApi.start();
  kube.generate(NODES, nodes, node);
  kube.generate(PODS, nodes * podsPerNode, pod);
  kube.generate(DEPLOYMENTS, DEPLOYMENT_COUNT, deployment);
  kube.generate(REPLICA_SETS, DEPLOYMENT_COUNT, replicaSet);
  kube.generate(NAMESPACES, 20, i => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: `ns-${i}` },
  }));
  kube.generate(DAEMON_SETS, 1, () => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'aws-node', namespace: 'kube-system' },
    spec: {
      template: {
        spec: {
          hostNetwork: true,
          containers: [
            {
              name: 'aws-node',
              env: [
                { name: 'WARM_IP_TARGET', value: '5' },
                { name: 'VPC_ID', value: 'vpc-1' },
              ],
            },
          ],
        },
      },
    },
  }));
  const ec2 = await FakeEc2.start();
  ec2.load(bluegreenInstanceTypes());
  ec2.load({
    Subnets: ZONES.map((zone, z) => ({
      SubnetId: `subnet-${z}`,
      VpcId: 'vpc-1',
      CidrBlock: `10.${16 + z}.0.0/16`,
      AvailabilityZone: zone,
      AvailableIpAddressCount: 20_000,
      Tags: [],
    })),
  });
  const client = ec2.client();
  const calls = new Ec2CallCounter();
  const source = new LiveSource({
    transport: createKubeTransport(kube.kubeConfig()),
    ec2: createEc2Api(client, calls),
    ec2Calls: calls,
    config: {
      subnetRefreshSeconds: 60,
      instanceTypeRefreshSeconds: 21_600,
      describeNetworkInterfaces: false,
    },
    log: pino({ level: 'warn' }),
  });
  const heapBefore = heapMiB();
  const t0 = performance.now();
  await source.start();
  const syncMs = performance.now() - t0;
  const heapAfter = heapMiB();

  const c0 = performance.now();
  const first = source.current();
  const firstMs = performance.now() - c0;
  const N = 10_000;
  const h0 = performance.now();
  for (let i = 0; i < N; i++) source.current();
  const hotUs = ((performance.now() - h0) / N) * 1000;

  // One pod event, then the first current() after it: what a request pays after a change.
  const extra = pod(nodes * podsPerNode);
  extra.metadata.name = 'extra';
  const version = first?.model;
  kube.add(extra);
  while (source.current()?.model === version) await new Promise(r => setTimeout(r, 1));
  const samples: number[] = [];
  for (let i = 0; i < 50; i++) {
    const p = pod(i);
    p.metadata.name = `churn-${i}`;
    kube.add(p);
    const before = source.current()?.model;
    while (source.current()?.model === before) await new Promise(r => setImmediate(r));
    // The rebuild happened inside the current() that saw the change; time a fresh one.
    kube.remove(p);
    await new Promise(r => setTimeout(r, 2));
    const t = performance.now();
    source.current();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);

  console.log(
    JSON.stringify(
      {
        nodes,
        pods: nodes * podsPerNode,
        syncMs: Math.round(syncMs),
        heapMiB: { before: heapBefore, afterSync: heapAfter, delta: heapAfter - heapBefore },
        firstCurrentMs: Math.round(firstMs * 100) / 100,
        currentUnchangedMicroseconds: Math.round(hotUs * 100) / 100,
        currentAfterOnePodEventMs: {
          p50: Math.round((samples[25] ?? 0) * 100) / 100,
          p95: Math.round((samples[47] ?? 0) * 100) / 100,
        },
        kubeRequests: kube.counts,
        ec2Calls: calls.stats(),
      },
      null,
      2,
    ),
  );
  await source.close();
  await kube.close();
  await ec2.close();
}

await main();
