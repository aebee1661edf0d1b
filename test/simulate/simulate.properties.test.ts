import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { simulate } from '../../src/simulate/simulate.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import { judge } from '../../src/policy/verdict.js';
import { DEFAULT_POLICY } from '../../src/policy/config.js';
import type { ClusterModel, Subnet, Workload } from '../../src/cluster/model.js';
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
const ZONES = ['zone-a', 'zone-b', 'zone-c'];

const cniArb = fc.oneof(
  fc.constant({}),
  fc.record({ WARM_ENI_TARGET: fc.constantFrom('0', '1', '2') }),
  fc.record({ MINIMUM_IP_TARGET: fc.integer({ min: 1, max: 30 }).map(String) }),
  fc.record({
    WARM_IP_TARGET: fc.integer({ min: 1, max: 10 }).map(String),
    MINIMUM_IP_TARGET: fc.integer({ min: 0, max: 20 }).map(String),
  }),
  fc.record({
    ENABLE_PREFIX_DELEGATION: fc.constant('true'),
    WARM_PREFIX_TARGET: fc.constantFrom('0', '1', '2'),
  }),
);

const clusterArb = fc.record({
  nodes: fc.array(
    fc.record({
      zone: fc.integer({ min: 0, max: 2 }),
      usedCpu: fc.integer({ min: 0, max: 7900 }),
      pods: fc.integer({ min: 0, max: 20 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  cni: cniArb,
  free: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 3, maxLength: 3 }),
  cpu: fc.integer({ min: 50, max: 6000 }),
  oneDaemonSet: fc.boolean(),
});

type ClusterArb = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: ClusterArb): ClusterModel {
  const subnets: Subnet[] = ZONES.map((zone, i) =>
    aSubnet({ id: `subnet-${i}`, zone, cidr: `10.0.${i}.0/24`, availableIps: c.free[i] ?? 0 }),
  );
  const nodes = c.nodes.map((n, i) =>
    aNode({ ip: `10.0.${n.zone}.${10 + i}`, zone: ZONES[n.zone] ?? 'zone-a' }),
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
    subnets,
    cniEnv: c.cni,
    daemonSets: c.oneDaemonSet ? [aDaemonSet('agent')] : [],
  });
}

const web = (cpu: number, replicas: number): Workload =>
  aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas,
    pod: aPodShape({ requests: { cpuMilli: cpu, memoryBytes: GiB } }),
  });

function required(model: ClusterModel, cpu: number, from: number, to: number): Map<string, number> {
  const sim = simulate({
    model,
    change: { current: web(cpu, from), desired: web(cpu, to), replicaSets: [], nowMs: NOW },
    book: new AddressBook(),
  });
  return new Map(sim.subnets.map(s => [s.id, s.required]));
}

test('more replicas never need fewer addresses, in any subnet', () => {
  fc.assert(
    fc.property(
      clusterArb,
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 1, max: 20 }),
      (c, n, more) => {
        const model = build(c);
        const fewer = required(model, c.cpu, 0, n);
        const moreReq = required(model, c.cpu, 0, n + more);
        for (const [id, r] of fewer)
          assert.ok((moreReq.get(id) ?? 0) >= r, `${id}: ${r} -> ${moreReq.get(id) ?? 0}`);
      },
    ),
    { numRuns: 300 },
  );
});

const RANK = { allow: 0, warn: 1, deny: 2 } as const;

test('a change that fits still fits with more free addresses', () => {
  fc.assert(
    fc.property(
      clusterArb,
      fc.integer({ min: 1, max: 30 }),
      fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 3, maxLength: 3 }),
      (c, n, extra) => {
        const before = build(c);
        const after = build({ ...c, free: c.free.map((f, i) => f + (extra[i] ?? 0)) });
        const verdict = (model: ClusterModel): number => {
          const sim = simulate({
            model,
            change: { current: web(c.cpu, 0), desired: web(c.cpu, n), replicaSets: [], nowMs: NOW },
            book: new AddressBook(),
          });
          return RANK[judge(sim, model, DEFAULT_POLICY).verdict];
        };
        assert.ok(verdict(after) <= verdict(before));
      },
    ),
    { numRuns: 300 },
  );
});

test('every pod is placed once, and addresses stay within what the nodes can hold', () => {
  fc.assert(
    fc.property(clusterArb, fc.integer({ min: 1, max: 40 }), (c, n) => {
      const model = build(c);
      const sim = simulate({
        model,
        change: { current: web(c.cpu, 0), desired: web(c.cpu, n), replicaSets: [], nowMs: NOW },
        book: new AddressBook(),
      });
      // An m5.2xlarge holds at most 4 ENIs x 15 addresses; with prefix delegation each of an ENI's 14
      // secondary slots is a /28 of 16 (WARM_PREFIX_TARGET can fill them all with no pod asking).
      const perNode = 'ENABLE_PREFIX_DELEGATION' in c.cni ? 4 * (1 + 14 * 16) : 4 * 15;
      assert.ok(sim.ipsRequired <= (sim.newNodes + sim.existingNodesUsed) * perNode);
      // Every added pod lands exactly once: on an existing node, on a new node, or nowhere (Pending).
      const onNew = sim.batches.reduce((x, b) => x + b.workloadPods, 0);
      assert.equal(sim.podsOnExisting + onNew + sim.unplaced, sim.deltaPods);
    }),
    { numRuns: 300 },
  );
});
