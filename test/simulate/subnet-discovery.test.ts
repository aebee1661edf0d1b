import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, type Simulation } from '../../src/simulate/simulate.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import type { Subnet, Workload } from '../../src/cluster/model.js';
import {
  GiB,
  aCluster,
  aDaemonSet,
  aNode,
  aPod,
  aPodShape,
  aSubnet,
  aWorkload,
} from '../helpers/builders.js';

// ENABLE_SUBNET_DISCOVERY (VPC CNI v1.18+, on by default): a new secondary ENI is created in the subnet
// with the most free addresses among the node's subnet and the same-zone subnets tagged
// kubernetes.io/role/cni; the primary ENI (the node's own address and its pool) stays in the node's
// subnet. The usual fix for exhausted node subnets is exactly such a tagged secondary-CIDR subnet.

const NOW = Date.parse('2026-11-27T12:00:00Z');
const nodeSubnet = (o: Partial<Subnet> = {}): Subnet =>
  aSubnet({
    id: 'subnet-node',
    zone: 'zone-a',
    cidr: '10.0.1.0/24',
    vpcId: 'vpc-1',
    availableIps: 20,
    ...o,
  });
const cniSubnet = (id: string, cidr: string, free: number, tag = '1'): Subnet =>
  aSubnet({
    id,
    zone: 'zone-a',
    cidr,
    vpcId: 'vpc-1',
    availableIps: free,
    tags: { 'kubernetes.io/role/cni': tag },
  });

const web = (replicas: number): Workload =>
  aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas,
    pod: aPodShape({ requests: { cpuMilli: 4000, memoryBytes: 8 * GiB } }),
  });

function run(subnets: Subnet[], replicas: number, cniEnv: Record<string, string> = {}): Simulation {
  const node = aNode({ ip: '10.0.1.10', zone: 'zone-a' });
  const model = aCluster({
    nodes: [node],
    pods: [aPod(node.name, { requests: { cpuMilli: 7900, memoryBytes: GiB } })],
    subnets,
    daemonSets: [aDaemonSet('log-agent')],
    cniEnv,
  });
  return simulate({
    model,
    change: { current: web(0), desired: web(replicas), replicaSets: [], nowMs: NOW },
    book: new AddressBook(),
  });
}

const required = (sim: Simulation): Record<string, number> =>
  Object.fromEntries(sim.subnets.map(s => [s.id, s.required]));

test('a new secondary ENI goes to the tagged subnet with the most free addresses', () => {
  // A new m5.2xlarge runs the agent and one web pod: WARM_ENI_TARGET=1 gives a primary ENI (1 + 14) and a
  // secondary ENI (1 + 14).
  const sim = run([nodeSubnet(), cniSubnet('subnet-pods', '100.64.0.0/16', 5000)], 1);
  assert.deepEqual(required(sim), { 'subnet-node': 15, 'subnet-pods': 15 });
  assert.ok(
    sim.subnets.every(s => s.required <= s.available),
    'fits thanks to the tagged subnet',
  );
});

test('with ENABLE_SUBNET_DISCOVERY=false every ENI stays in the node subnet', () => {
  const sim = run([nodeSubnet(), cniSubnet('subnet-pods', '100.64.0.0/16', 5000)], 1, {
    ENABLE_SUBNET_DISCOVERY: 'false',
  });
  assert.deepEqual(required(sim), { 'subnet-node': 30 });
});

test('the node subnet competes on free addresses; tagged cni=0 withholds a subnet', () => {
  // The node subnet has the most free: the secondary ENI stays there.
  assert.deepEqual(
    required(
      run([nodeSubnet({ availableIps: 900 }), cniSubnet('subnet-pods', '100.64.0.0/16', 500)], 1),
    ),
    { 'subnet-node': 30 },
  );
  // A subnet tagged kubernetes.io/role/cni=0 is never chosen.
  assert.deepEqual(
    required(run([nodeSubnet(), cniSubnet('subnet-off', '100.64.0.0/16', 5000, '0')], 1)),
    { 'subnet-node': 30 },
  );
});

test('each placed ENI counts against its subnet for the next', () => {
  // Three new nodes, one secondary ENI of 15 each, the node subnet short: 40 free takes the first
  // (25 left), 35 the second (20 left), and 25 > 20 takes the third.
  const sim = run(
    [
      nodeSubnet({ availableIps: 20 }),
      cniSubnet('subnet-x', '100.64.0.0/20', 40),
      cniSubnet('subnet-y', '100.64.16.0/20', 35),
    ],
    3,
  );
  assert.deepEqual(required(sim), { 'subnet-node': 45, 'subnet-x': 30, 'subnet-y': 15 });
});

test("a new node's primary ENI uses up its own subnet before its secondary ENIs are placed", () => {
  // 28 free in the node subnet would beat 20 in the tagged one, but the node's primary ENI takes 15 of
  // them first: the secondary ENI sees 13 there and goes to the tagged subnet.
  const sim = run(
    [nodeSubnet({ availableIps: 28 }), cniSubnet('subnet-pods', '100.64.0.0/20', 20)],
    1,
  );
  assert.deepEqual(required(sim), { 'subnet-node': 15, 'subnet-pods': 15 });
});

test('a node subnet tagged kubernetes.io/role/cni=0 keeps only the node address: pods draw from the tagged subnet', () => {
  // The primary ENI carries no pod pool (vpc-cni notes §2): a new node's two pool pods need
  // ceil(2/14) + WARM_ENI_TARGET 1 = 2 secondary ENIs of 1 + 14, both in the tagged subnet.
  const sim = run(
    [
      nodeSubnet({ tags: { 'kubernetes.io/role/cni': '0' } }),
      cniSubnet('subnet-pods', '100.64.0.0/16', 5000),
    ],
    1,
  );
  assert.deepEqual(required(sim), { 'subnet-node': 1, 'subnet-pods': 30 });
});
