import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { simulate } from '../../src/simulate/simulate.js';
import { placeOnExisting, schedulerRoom } from '../../src/simulate/placement.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import type { ClusterModel, Node, Workload } from '../../src/cluster/model.js';
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

const NOW = Date.parse('2026-11-27T12:00:00Z');
const ZONES = ['zone-a', 'zone-b'];

const clusterArb = fc.record({
  nodes: fc.array(
    fc.record({
      zone: fc.integer({ min: 0, max: 1 }),
      large: fc.boolean(),
      maxPods: fc.constantFrom(29, 58, 110),
      usedCpu: fc.integer({ min: 0, max: 1900 }),
      pods: fc.integer({ min: 0, max: 25 }),
      cordoned: fc.boolean(),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  cni: fc.oneof(
    fc.constant({}),
    fc.record({ MINIMUM_IP_TARGET: fc.integer({ min: 1, max: 20 }).map(String) }),
    fc.record({
      MINIMUM_IP_TARGET: fc.integer({ min: 1, max: 20 }).map(String),
      WARM_IP_TARGET: fc.integer({ min: 1, max: 5 }).map(String),
    }),
    fc.record({ MAX_ENI: fc.constantFrom('1', '2') }),
    fc.record({ ENABLE_POD_ENI: fc.constant('true') }),
  ),
  cpu: fc.integer({ min: 0, max: 1500 }),
  withRequests: fc.boolean(),
});
type ClusterArb = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: ClusterArb, extraCpu = 0): ClusterModel {
  const nodes: Node[] = c.nodes.map((n, i) =>
    aNode({
      ip: `10.0.${n.zone}.${10 + i}`,
      zone: ZONES[n.zone] ?? 'zone-a',
      instanceType: n.large ? 'm5.2xlarge' : 'm5.large',
      nodeGroup: n.large ? 'apps' : 'small',
      allocatable: {
        cpuMilli: (n.large ? 7910 : 1930) + extraCpu,
        memoryBytes: (n.large ? 30 : 7) * GiB,
        pods: n.maxPods,
      },
      maxPods: n.maxPods,
      unschedulable: n.cordoned,
    }),
  );
  const pods = c.nodes.flatMap((n, i) => {
    const node = nodes[i]!;
    return [
      aPod(node.name, { name: `big-${i}`, requests: { cpuMilli: n.usedCpu, memoryBytes: GiB } }),
      ...Array.from({ length: n.pods }, (_, j) =>
        aPod(node.name, { name: `p-${i}-${j}`, requests: { cpuMilli: 0, memoryBytes: 0 } }),
      ),
    ];
  });
  return aCluster({
    nodes,
    pods,
    subnets: ZONES.map((zone, i) =>
      aSubnet({ id: `subnet-${i}`, zone, cidr: `10.0.${i}.0/24`, availableIps: 250 }),
    ),
    cniEnv: c.cni,
    daemonSets: [aDaemonSet('kube-proxy', { network: 'host' })],
  });
}

const shape = (c: ClusterArb) =>
  aPodShape(
    c.withRequests
      ? { requests: { cpuMilli: c.cpu, memoryBytes: 256 * 1024 ** 2 } }
      : {
          requests: { cpuMilli: 0, memoryBytes: 0 },
          scoreRequests: { cpuMilli: 100, memoryBytes: 200 * 1024 ** 2 },
        },
  );

const web = (c: ClusterArb, replicas: number): Workload =>
  aWorkload({ kind: 'Deployment', name: 'web', replicas, pod: shape(c) });

function run(model: ClusterModel, c: ClusterArb, replicas: number) {
  return simulate({
    model,
    change: { desired: web(c, replicas), replicaSets: [], nowMs: NOW },
    book: new AddressBook(),
  });
}

test('placement on existing nodes: placed + unschedulable = the pods asked, no node past its scheduler room', () => {
  fc.assert(
    fc.property(clusterArb, fc.integer({ min: 0, max: 400 }), (c, pods) => {
      const model = build(c);
      const pod = shape(c);
      const r = placeOnExisting({
        model,
        pod,
        pods,
        cni: model.cni,
        book: new AddressBook(),
        workload: 'Deployment/shop/web',
      });
      assert.equal(r.placed + r.unschedulable, pods);
      assert.equal(
        r.existing.reduce((n, e) => n + e.pods, 0),
        r.placed,
      );
      for (const e of r.existing) {
        assert.ok(!e.node.unschedulable, 'a cordoned node takes nothing');
        assert.ok(e.pods <= schedulerRoom(e.node, e.node.usage, pod));
      }
    }),
    { numRuns: 300 },
  );
});

test('unservedPods is never negative and never more than the added pods', () => {
  fc.assert(
    fc.property(clusterArb, fc.integer({ min: 1, max: 300 }), (c, replicas) => {
      const sim = run(build(c), c, replicas);
      assert.ok(sim.unservedPods >= 0);
      assert.ok(sim.unservedPods <= sim.deltaPods);
      assert.equal(
        sim.unservedPods,
        sim.unserved.reduce((n, b) => n + b.pods, 0),
      );
      for (const b of sim.unserved) assert.ok(b.pods > 0 && b.nodes > 0);
    }),
    { numRuns: 300 },
  );
});

test('more allocatable cpu on every node never needs more new nodes', () => {
  fc.assert(
    fc.property(
      clusterArb,
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 4000 }),
      (c, replicas, extra) => {
        const before = run(build(c), c, replicas);
        const after = run(build(c, extra), c, replicas);
        assert.ok(after.newNodes <= before.newNodes, `${before.newNodes} -> ${after.newNodes}`);
      },
    ),
    { numRuns: 200 },
  );
});
