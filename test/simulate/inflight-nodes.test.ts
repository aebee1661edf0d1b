import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, type Simulation } from '../../src/simulate/simulate.js';
import { placePods } from '../../src/simulate/placement.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import { collectObjects, emptyClusterObjects } from '../../src/cluster/collect.js';
import type { ClusterModel, Workload } from '../../src/cluster/model.js';
import { GiB, aPodShape, aSubnet, aWorkload } from '../helpers/builders.js';
import {
  awsNodeDaemonSet,
  ec2NodeClass,
  karpenterCluster,
  nodePool,
} from '../helpers/karpenter.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const subnets = [
  aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: 100 }),
  aSubnet({ id: 'subnet-a2', zone: 'zone-a', cidr: '10.0.3.0/24', availableIps: 150 }),
  aSubnet({ id: 'subnet-b', zone: 'zone-b', cidr: '10.0.2.0/24', availableIps: 80 }),
];
const nodeClass = ec2NodeClass(
  'default',
  subnets.map(s => ({ id: s.id, zone: s.zone })),
);
const pool = nodePool({
  name: 'apps',
  requirements: [{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5'] }],
});

/** A NodeClaim Karpenter launched: m5.large in zone-a, with the allocatable it estimates. */
function claim(o: { nodeName?: string; initialized?: boolean; allocatable?: boolean } = {}) {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodeClaim',
    metadata: {
      name: 'apps-x1',
      labels: {
        'karpenter.sh/nodepool': 'apps',
        'node.kubernetes.io/instance-type': 'm5.large',
        'topology.kubernetes.io/zone': 'zone-a',
      },
    },
    spec: { taints: [] },
    status: {
      capacity: { cpu: '2', memory: '7577Mi', pods: '29' },
      ...(o.allocatable !== false && {
        allocatable: { cpu: '1930m', memory: '6500Mi', pods: '29' },
      }),
      ...(o.nodeName !== undefined && { nodeName: o.nodeName }),
      conditions: [
        { type: 'Launched', status: 'True' },
        { type: 'Registered', status: o.nodeName !== undefined ? 'True' : 'Unknown' },
        { type: 'Initialized', status: o.initialized ? 'True' : 'Unknown' },
      ],
    },
  };
}

/** The Node of a NodeClaim that registered but is not ready yet: NotReady, with Karpenter's startup taint. */
const launchingNode = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: 'ip-10-0-3-20',
    labels: {
      'karpenter.sh/nodepool': 'apps',
      'node.kubernetes.io/instance-type': 'm5.large',
      'topology.kubernetes.io/zone': 'zone-a',
    },
  },
  spec: {
    providerID: 'aws:///zone-a/i-0abc',
    taints: [{ key: 'karpenter.sh/unregistered', effect: 'NoExecute' }],
  },
  status: {
    allocatable: { cpu: '1930m', memory: '6500Mi', pods: '29' },
    capacity: { cpu: '2', memory: '7577Mi', pods: '29' },
    addresses: [{ type: 'InternalIP', address: '10.0.3.20' }],
    conditions: [{ type: 'Ready', status: 'False' }],
  },
};

const web = (replicas: number): Workload =>
  aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas,
    pod: aPodShape({ requests: { cpuMilli: 1000, memoryBytes: 2 * GiB }, onePerNode: true }),
  });

function run(model: ClusterModel, replicas: number): Simulation {
  return simulate({
    model,
    change: { desired: web(replicas), replicaSets: [], nowMs: NOW },
    book: new AddressBook(),
  });
}

test('a NodeClaim in flight takes pods before Karpenter launches more', () => {
  const without = run(karpenterCluster([awsNodeDaemonSet(), pool, nodeClass], subnets), 3);
  assert.equal(without.newNodes, 3);
  const sim = run(karpenterCluster([awsNodeDaemonSet(), pool, nodeClass, claim()], subnets), 3);
  assert.equal(sim.podsOnExisting, 1);
  assert.equal(sim.newNodes, 2);
  assert.match(sim.notes.join('\n'), /1 pods go to NodeClaims in flight \(apps-x1\)/);
  // Its pod's address comes from the subnet Karpenter launched it into: zone-a's with the most free.
  const model = karpenterCluster([awsNodeDaemonSet(), pool, nodeClass, claim()], subnets);
  const p = placePods({
    model,
    pod: web(1).pod ?? aPodShape(),
    pods: 1,
    cni: model.cni,
    book: new AddressBook(),
    workload: 'Deployment/shop/web',
  });
  assert.deepEqual(
    p.existing.map(e => [e.node.name, e.node.subnetId, e.pods]),
    [['apps-x1', 'subnet-a2', 1]],
  );
});

test('a NodeClaim in flight with no allocatable yet cannot be sized: left out, as before', () => {
  const model = karpenterCluster(
    [awsNodeDaemonSet(), pool, nodeClass, claim({ allocatable: false })],
    subnets,
  );
  const sim = run(model, 3);
  assert.equal(sim.podsOnExisting, 0);
  assert.equal(sim.newNodes, 3);
});

test('a registered node whose NodeClaim is not Initialized counts as the node it is about to be', () => {
  const registered = claim({ nodeName: 'ip-10-0-3-20' });
  const sim = run(
    karpenterCluster([awsNodeDaemonSet(), pool, nodeClass, registered, launchingNode], subnets),
    3,
  );
  assert.equal(sim.podsOnExisting, 1, 'NotReady and tainted karpenter.sh/unregistered, yet coming');
  assert.equal(sim.newNodes, 2);
  // Once Initialized, a node still NotReady is just that: filtered as kube-scheduler filters it.
  const done = claim({ nodeName: 'ip-10-0-3-20', initialized: true });
  const stuck = run(
    karpenterCluster([awsNodeDaemonSet(), pool, nodeClass, done, launchingNode], subnets),
    3,
  );
  assert.equal(stuck.podsOnExisting, 0);
});

test('NodeClaim projection: allocatable, labels, taints, Initialized', () => {
  const into = emptyClusterObjects();
  collectObjects([{ kind: 'List', items: [claim({ initialized: true })] }], 'c.json', into);
  assert.deepEqual(into.nodeClaims?.[0], {
    name: 'apps-x1',
    nodePool: 'apps',
    instanceType: 'm5.large',
    zone: 'zone-a',
    capacity: { cpuMilli: 2000, memoryBytes: 7577 * 1024 ** 2 },
    allocatable: { cpuMilli: 1930, memoryBytes: 6500 * 1024 ** 2, pods: 29 },
    labels: {
      'karpenter.sh/nodepool': 'apps',
      'node.kubernetes.io/instance-type': 'm5.large',
      'topology.kubernetes.io/zone': 'zone-a',
    },
    initialized: true,
  });
});
