import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, type Simulation } from '../../src/simulate/simulate.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import type { ClusterModel, EniConfig, Node, Workload } from '../../src/cluster/model.js';
import { parseCniSettings } from '../../src/cni/settings.js';
import {
  GiB,
  aCluster,
  aDaemonSet,
  aNode,
  aPod,
  aPodShape,
  aSubnet,
  aWorkload,
  type ClusterSpec,
} from '../helpers/builders.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const subnetA = aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: 50 });
const subnetB = aSubnet({ id: 'subnet-b', zone: 'zone-b', cidr: '10.0.2.0/24', availableIps: 50 });

/** Two m5.2xlarge (S = 14 per ENI) app nodes, one per zone, each with `usedCpu` millicores taken. */
function twoNodes(
  usedCpu: number,
  extra: Partial<Node> = {},
): { nodes: Node[]; pods: ReturnType<typeof aPod>[] } {
  const a = aNode({ ip: '10.0.1.10', zone: 'zone-a', ...extra });
  const b = aNode({ ip: '10.0.2.10', zone: 'zone-b', ...extra });
  const pods = [a, b].flatMap(n => [
    aPod(n.name, { requests: { cpuMilli: usedCpu, memoryBytes: GiB } }),
    aPod(n.name, {
      name: `log-${n.name}`,
      requests: { cpuMilli: 100, memoryBytes: 128 * 1024 ** 2 },
    }),
  ]);
  return { nodes: [a, b], pods };
}

const web = (o: Partial<Workload> = {}): Workload =>
  aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas: 2,
    pod: aPodShape({ requests: { cpuMilli: 4000, memoryBytes: 8 * GiB } }),
    ...o,
  });

function run(
  spec: ClusterSpec,
  current: Workload | undefined,
  desired: Workload,
  cniOverride?: Record<string, string>,
): { sim: Simulation; model: ClusterModel } {
  const model = aCluster({
    subnets: [subnetA, subnetB],
    daemonSets: [aDaemonSet('log-agent')],
    ...spec,
  });
  const cni = cniOverride
    ? parseCniSettings({ ...model.cniEnv, ...cniOverride }).settings
    : undefined;
  const sim = simulate({
    model,
    change: { ...(current && { current }), desired, replicaSets: [], nowMs: NOW },
    book: new AddressBook(),
    ...(cni && { cni }),
  });
  return { sim, model };
}

const perSubnet = (sim: Simulation): Record<string, number> =>
  Object.fromEntries(sim.subnets.map(s => [s.id, s.required]));

test('full nodes: the added pods need new nodes, one per zone in turn', () => {
  const { sim } = run(twoNodes(7000), web({ replicas: 0 }), web({ replicas: 2 }));
  assert.equal(sim.newNodes, 2);
  assert.equal(sim.typicalNode?.workloadPods, 1, '7810m free on a new node holds one 4-CPU pod');
  // A new node runs the log agent and one web pod: 2 pool pods. WARM_ENI_TARGET=1 keeps a spare
  // ENI: ceil(2/14) + 1 = 2 ENIs of 14 addresses, plus their 2 primaries = 30.
  assert.equal(sim.typicalNode?.addresses.ips, 30);
  assert.deepEqual(perSubnet(sim), { 'subnet-a': 30, 'subnet-b': 30 });
  assert.equal(sim.ipsRequired, 60);
});

test('MINIMUM_IP_TARGET=13 without WARM_IP_TARGET: 13 pool addresses and one ENI per new node', () => {
  const { sim } = run(
    { ...twoNodes(7000), cniEnv: { MINIMUM_IP_TARGET: '13' } },
    web({ replicas: 0 }),
    web({ replicas: 2 }),
  );
  assert.equal(sim.typicalNode?.addresses.ips, 14);
  assert.deepEqual(perSubnet(sim), { 'subnet-a': 14, 'subnet-b': 14 });
});

test('room on an existing node: no new node, and no new address while the warm ENI has room', () => {
  const { sim } = run(twoNodes(1000), web({ replicas: 0 }), web({ replicas: 1 }));
  assert.equal(sim.newNodes, 0);
  assert.equal(sim.podsOnExisting, 1);
  // 2 pool pods -> 3: still ceil(3/14) + 1 = 2 ENIs, the pool does not grow.
  assert.equal(sim.ipsRequired, 0);
  assert.equal(
    sim.subnets.length,
    1,
    'the subnet of the node that takes the pod is still reported',
  );
});

test('growth on an existing node is counted when its pods outgrow the warm ENI', () => {
  const { nodes, pods } = twoNodes(0);
  const small = aPodShape({ requests: { cpuMilli: 10, memoryBytes: 1024 ** 2 } });
  // 12 + 1 pool pods on each node: 13 of the 14 addresses on 1 ENI... plus 1 warm ENI = 28 held.
  const many = nodes.flatMap(n =>
    Array.from({ length: 11 }, (_, i) => aPod(n.name, { name: `x-${n.name}-${i}` })),
  );
  const { sim } = run(
    { nodes, pods: [...pods, ...many] },
    web({ replicas: 0, pod: small }),
    web({ replicas: 8, pod: small }),
  );
  assert.equal(sim.newNodes, 0);
  // The scheduler spreads: 4 pods per node, 13 -> 17 pool pods: ENIs ceil(17/14) + 1 = 3, +15 addresses each.
  assert.deepEqual(perSubnet(sim), { 'subnet-a': 15, 'subnet-b': 15 });
});

test('holdings counted from ENIs replace the model for existing nodes', () => {
  const { nodes, pods } = twoNodes(0);
  const small = aPodShape({ requests: { cpuMilli: 10, memoryBytes: 1024 ** 2 } });
  const model0 = aCluster({
    subnets: [subnetA, subnetB],
    daemonSets: [aDaemonSet('log-agent')],
    nodes,
    pods,
  });
  // The node in zone-a already holds 3 ENIs (45 addresses) from an earlier burst: growth is measured from there.
  const holdings = new Map([
    [
      nodes[0]!.name,
      { enis: 3, poolIps: 42, prefixes: 0, branchEnis: 0, ips: 45, bySubnet: { 'subnet-a': 45 } },
    ],
  ]);
  const model: ClusterModel = { ...model0, holdings };
  const desired = web({ replicas: 30, pod: small });
  const sim = simulate({
    model,
    change: { current: web({ replicas: 0, pod: small }), desired, replicaSets: [], nowMs: NOW },
    book: new AddressBook(),
  });
  // 15 pods per node: 2 -> 17 pool pods -> 3 ENIs = 45 addresses. Zone a holds that already; zone b grows 30 -> 45.
  assert.deepEqual(perSubnet(sim), { 'subnet-a': 0, 'subnet-b': 15 });
});

test('a subnet that cannot take its share is short even when the total fits', () => {
  const tight = aSubnet({ ...subnetA, availableIps: 10 });
  const roomy = aSubnet({ ...subnetB, availableIps: 500 });
  const { sim } = run(
    { ...twoNodes(7000), subnets: [tight, roomy] },
    web({ replicas: 0 }),
    web({ replicas: 2 }),
  );
  const a = sim.subnets.find(s => s.id === 'subnet-a');
  assert.equal(a?.required, 30);
  assert.equal(a?.available, 10);
  assert.ok(sim.ipsAvailable > sim.ipsRequired, 'the total would fit');
});

test('taints keep pods off a group whose nodes they do not tolerate', () => {
  const tainted = twoNodes(7000, {
    taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
  });
  const { sim } = run(tainted, web({ replicas: 0 }), web({ replicas: 2 }));
  assert.equal(sim.newNodes, 0);
  assert.equal(sim.unplaced, 2);
  assert.match(sim.notes.join(' '), /stay Pending/);
  const tolerating = web({
    pod: aPodShape({
      requests: { cpuMilli: 4000, memoryBytes: 8 * GiB },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
    }),
  });
  const ok = run(tainted, { ...tolerating, replicas: 0 }, { ...tolerating, replicas: 2 }).sim;
  assert.equal(ok.newNodes, 2);
});

test('nodeSelector picks the node group', () => {
  const apps = twoNodes(7000);
  const batch = aNode({
    ip: '10.0.2.50',
    zone: 'zone-b',
    nodeGroup: 'batch',
    instanceType: 'm5.large',
    allocatable: { cpuMilli: 1930, memoryBytes: 7 * GiB, pods: 29 },
    maxPods: 29,
    labels: { 'eks.amazonaws.com/nodegroup': 'batch', 'topology.kubernetes.io/zone': 'zone-b' },
  });
  const shape = aPodShape({
    requests: { cpuMilli: 1500, memoryBytes: GiB },
    nodeSelector: { 'eks.amazonaws.com/nodegroup': 'batch' },
  });
  const batchFull = aPod(batch.name, { requests: { cpuMilli: 1800, memoryBytes: GiB } });
  const { sim } = run(
    { nodes: [...apps.nodes, batch], pods: [...apps.pods, batchFull] },
    web({ replicas: 0, pod: shape }),
    web({ replicas: 3, pod: shape }),
  );
  assert.equal(sim.newNodes, 3);
  assert.equal(sim.typicalNode?.instanceType, 'm5.large');
  assert.deepEqual(
    sim.batches.map(b => b.zone),
    ['zone-b'],
    'the batch group only has nodes in zone-b',
  );
});

test('MINIMUM_IP_TARGET without WARM_IP_TARGET: the scheduler still fills the nodes, the pods beyond the pool get no address', () => {
  const tiny = aPodShape({ requests: { cpuMilli: 10, memoryBytes: 1024 ** 2 } });
  const { nodes } = twoNodes(0);
  // Each node runs the log agent; with MINIMUM_IP_TARGET=4 the pool stops at 4: 3 more pods per node get
  // an address. The scheduler does not see addresses: all 10 go to the two nodes, 5 each (they have the
  // room), so 2 per node wait in ContainerCreating, and no autoscaler adds a node for a scheduled pod.
  const agents = nodes.map(n => aPod(n.name, { name: `agent-${n.name}` }));
  const { sim } = run(
    { nodes, pods: agents, cniEnv: { MINIMUM_IP_TARGET: '4' } },
    web({ replicas: 0, pod: tiny }),
    web({ replicas: 10, pod: tiny }),
  );
  assert.equal(sim.podsOnExisting, 10);
  assert.equal(sim.newNodes, 0);
  assert.equal(sim.unservedPods, 4);
  assert.deepEqual(
    sim.unserved.map(b => [
      b.group,
      b.newNodes,
      b.cause.reason,
      b.cause.podsServed,
      b.nodes,
      b.pods,
    ]),
    [['apps', false, 'frozen-pool', 4, 2, 4]],
  );
});

test('required anti-affinity on the hostname: one pod per node, never beside its own', () => {
  const spread = aPodShape({ requests: { cpuMilli: 100, memoryBytes: GiB }, onePerNode: true });
  const { nodes } = twoNodes(0);
  const w = web({ pod: spread, replicas: 2 });
  const running = [
    aPod(nodes[0]!.name, {
      name: 'web-1',
      ownerKind: 'ReplicaSet',
      ownerName: 'web-abc',
      namespace: 'shop',
    }),
    aPod(nodes[1]!.name, {
      name: 'web-2',
      ownerKind: 'ReplicaSet',
      ownerName: 'web-abc',
      namespace: 'shop',
    }),
  ];
  const rs = {
    namespace: 'shop',
    name: 'web-abc',
    ownerKind: 'Deployment',
    ownerName: 'web',
    specReplicas: 2,
    statusReplicas: 2,
  };
  const { sim } = run({ nodes, pods: running, replicaSets: [rs], workloads: [w] }, w, {
    ...w,
    replicas: 5,
  });
  assert.equal(sim.podsOnExisting, 0, 'both nodes already run a web pod');
  assert.equal(sim.newNodes, 3);
});

test('custom networking: a new node takes its own address from the node subnet, the rest from its ENIConfig subnet', () => {
  const podSubnetA = aSubnet({
    id: 'subnet-pods-a',
    zone: 'zone-a',
    cidr: '100.64.1.0/24',
    availableIps: 200,
  });
  const podSubnetB = aSubnet({
    id: 'subnet-pods-b',
    zone: 'zone-b',
    cidr: '100.64.2.0/24',
    availableIps: 200,
  });
  const base = aCluster({
    ...twoNodes(7000),
    subnets: [subnetA, subnetB, podSubnetA, podSubnetB],
    daemonSets: [aDaemonSet('log-agent')],
    // The EKS guide's setup: ENIConfigs named after zones, picked by the zone label.
    cniEnv: {
      AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true',
      ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone',
    },
  });
  const eniConfigs = new Map<string, EniConfig>([
    ['zone-a', { name: 'zone-a', subnetId: 'subnet-pods-a' }],
    ['zone-b', { name: 'zone-b', subnetId: 'subnet-pods-b' }],
  ]);
  const model: ClusterModel = { ...base, eniConfigs };
  const sim = simulate({
    model,
    change: {
      current: web({ replicas: 0 }),
      desired: web({ replicas: 2 }),
      replicaSets: [],
      nowMs: NOW,
    },
    book: new AddressBook(),
  });
  // Primary ENI: the node address only. Pods: ceil(2/14) + 1 = 2 secondary ENIs of 1 + 14 addresses.
  assert.deepEqual(perSubnet(sim), {
    'subnet-a': 1,
    'subnet-b': 1,
    'subnet-pods-a': 30,
    'subnet-pods-b': 30,
  });
});

test('custom networking without a matching ENIConfig: the node falls to "default", and a missing one is named', () => {
  const podSubnet = aSubnet({
    id: 'subnet-pods',
    zone: 'zone-a',
    cidr: '100.64.1.0/24',
    availableIps: 200,
  });
  const base = aCluster({
    ...twoNodes(7000),
    subnets: [subnetA, subnetB, podSubnet],
    daemonSets: [aDaemonSet('log-agent')],
    cniEnv: { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' },
  });
  const change = {
    current: web({ replicas: 0 }),
    desired: web({ replicas: 2 }),
    replicaSets: [],
    nowMs: NOW,
  };
  // Nodes carry no ENIConfig annotation or label: ipamd asks for the ENIConfig called "default".
  const withDefault = simulate({
    model: {
      ...base,
      eniConfigs: new Map([['default', { name: 'default', subnetId: 'subnet-pods' }]]),
    },
    change,
    book: new AddressBook(),
  });
  assert.deepEqual(perSubnet(withDefault), { 'subnet-a': 1, 'subnet-b': 1, 'subnet-pods': 60 });
  assert.ok(!withDefault.notes.some(n => n.includes('does not exist')));

  // Zone-named ENIConfigs are not found by name alone: the zone is not a fallback in the CNI.
  const zoneNamed = simulate({
    model: {
      ...base,
      eniConfigs: new Map([['zone-a', { name: 'zone-a', subnetId: 'subnet-pods' }]]),
    },
    change,
    book: new AddressBook(),
  });
  assert.ok(
    zoneNamed.notes.some(n =>
      /2 nodes taking pods name ENIConfig "default", which does not exist: with custom networking the CNI attaches no pod ENIs/.test(
        n,
      ),
    ),
    zoneNamed.notes.join('\n'),
  );
});

test('a what-if credits what existing nodes give back under WARM_IP_TARGET / MINIMUM_IP_TARGET', () => {
  const spec = { ...twoNodes(7000), cniEnv: { MINIMUM_IP_TARGET: '13' } };
  const { sim } = run(spec, web({ replicas: 0 }), web({ replicas: 2 }), { MINIMUM_IP_TARGET: '8' });
  // Each existing node has 2 pool pods and holds 13; at MINIMUM_IP_TARGET=8 it keeps 8: 5 back per node.
  assert.deepEqual(
    sim.subnets.map(s => [s.id, s.credit, s.required]),
    [
      ['subnet-a', 5, 9],
      ['subnet-b', 5, 9],
    ],
  );
  assert.equal(sim.ipsAvailable, 110);
});

test('no credit where ipamd does not release: back to WARM_ENI_TARGET keeps what nodes hold', () => {
  const spec = { ...twoNodes(7000), cniEnv: { MINIMUM_IP_TARGET: '30' } };
  // Under MINIMUM_IP_TARGET=30 a node holds 30 on 3 ENIs; WARM_ENI_TARGET=1 would want 2 ENIs, but single
  // addresses are never unassigned and ENIs with pods are not freed.
  const { sim } = run(spec, web({ replicas: 0 }), web({ replicas: 2 }), { MINIMUM_IP_TARGET: '0' });
  assert.deepEqual(
    sim.subnets.map(s => s.credit),
    [0, 0],
  );
});

test('raising a target in a what-if charges the growth of existing nodes', () => {
  const spec = { ...twoNodes(7000), cniEnv: { MINIMUM_IP_TARGET: '8' } };
  const { sim } = run(spec, web({ replicas: 0 }), web({ replicas: 2 }), {
    MINIMUM_IP_TARGET: '13',
  });
  assert.deepEqual(
    sim.subnets.map(s => s.credit),
    [-5, -5],
  );
});

test('pods placed on a node whose subnet is unknown are not counted silently', () => {
  const a = aNode({ ip: '10.9.9.9', zone: 'zone-a' });
  const { sim } = run(
    { nodes: [a], pods: [] },
    web({ replicas: 0, pod: aPodShape() }),
    web({ replicas: 3, pod: aPodShape() }),
  );
  assert.equal(sim.podsOnExisting, 3);
  assert.deepEqual(sim.unresolved, [
    { cause: 'node-subnet', node: a.name, internalIp: '10.9.9.9' },
  ]);
});
