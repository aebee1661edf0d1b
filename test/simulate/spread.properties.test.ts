import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { placeOnExisting, placePods } from '../../src/simulate/placement.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import type { ClusterModel, Node, PodShape, SpreadConstraint } from '../../src/cluster/model.js';
import { GiB, aCluster, aNode, aPod, aPodShape, aSubnet } from '../helpers/builders.js';

const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const ZONE = 'topology.kubernetes.io/zone' as const;
const HOST = 'kubernetes.io/hostname' as const;

const clusterArb = fc.record({
  nodes: fc.array(
    fc.record({
      zone: fc.integer({ min: 0, max: 2 }),
      cpu: fc.constantFrom(1930, 3920, 7910),
      usedCpu: fc.integer({ min: 0, max: 1900 }),
      cordoned: fc.boolean(),
      tainted: fc.boolean(),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  cpu: fc.integer({ min: 100, max: 1500 }),
  pods: fc.integer({ min: 1, max: 40 }),
  maxSkew: fc.integer({ min: 1, max: 3 }),
  key: fc.constantFrom(ZONE, HOST),
  taintsPolicy: fc.constantFrom<'Honor' | 'Ignore'>('Honor', 'Ignore'),
});
type ClusterArb = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: ClusterArb): ClusterModel {
  const nodes: Node[] = c.nodes.map((n, i) =>
    aNode({
      name: `n-${i}`,
      ip: `10.0.${n.zone}.${10 + i}`,
      zone: ZONES[n.zone] ?? 'zone-a',
      labels: {
        'eks.amazonaws.com/nodegroup': 'apps',
        [ZONE]: ZONES[n.zone] ?? 'zone-a',
        [HOST]: `n-${i}`,
      },
      allocatable: { cpuMilli: n.cpu, memoryBytes: 30 * GiB, pods: 58 },
      unschedulable: n.cordoned,
      taints: n.tainted ? [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] : [],
    }),
  );
  const pods = c.nodes.map((n, i) =>
    aPod(`n-${i}`, { name: `busy-${i}`, requests: { cpuMilli: n.usedCpu, memoryBytes: GiB } }),
  );
  return aCluster({
    nodes,
    pods,
    subnets: ZONES.map((zone, i) =>
      aSubnet({ id: `subnet-${i}`, zone, cidr: `10.0.${i}.0/24`, availableIps: 250 }),
    ),
  });
}

function shape(c: ClusterArb, maxSkew = c.maxSkew): PodShape {
  const constraint: SpreadConstraint = {
    maxSkew,
    topologyKey: c.key,
    labelSelector: { matchLabels: { app: 'web' }, matchExpressions: [] },
    matchLabelKeys: [],
    minDomains: 1,
    nodeAffinityPolicy: 'Honor',
    nodeTaintsPolicy: c.taintsPolicy,
  };
  return aPodShape({
    requests: { cpuMilli: c.cpu, memoryBytes: GiB },
    labels: { app: 'web' },
    spread: [constraint],
  });
}

const req = (model: ClusterModel, pod: PodShape, pods: number) => ({
  model,
  pod,
  pods,
  cni: model.cni,
  book: new AddressBook(),
  workload: 'Deployment/shop/web',
});

test('a spread that never binds (maxSkew above the pods) places on existing nodes as no spread does', () => {
  fc.assert(
    fc.property(clusterArb, c => {
      const model = build(c);
      const plain: PodShape = { ...shape(c), spread: undefined };
      const free = placeOnExisting(req(model, plain, c.pods));
      const loose = placeOnExisting(req(model, shape(c, c.pods + 1), c.pods));
      const byNode = (r: typeof free) => r.existing.map(e => [e.node.name, e.pods]);
      assert.deepEqual(byNode(loose), byNode(free));
    }),
    { numRuns: 150 },
  );
});

test('zone spread from no pods: every zone ends within maxSkew of the least, new nodes included; every pod counted once', () => {
  fc.assert(
    fc.property(
      // Under Ignore every node is a domain, so every zone a node group launches in is one from the start.
      clusterArb.map(c => ({ ...c, key: ZONE, taintsPolicy: 'Ignore' as const })),
      c => {
        const model = build(c);
        const p = placePods(req(model, shape(c), c.pods));
        const perZone = new Map<string, number>();
        // Domains: zones of the nodes the taint policy counts, and zones new nodes were launched in.
        for (const n of c.nodes) perZone.set(ZONES[n.zone] ?? '', 0);
        for (const e of p.existing)
          perZone.set(e.node.zone ?? '', (perZone.get(e.node.zone ?? '') ?? 0) + e.pods);
        for (const n of p.provision?.nodes ?? [])
          perZone.set(n.zone, (perZone.get(n.zone) ?? 0) + n.workloadPods);
        const counts = [...perZone.values()];
        assert.ok(
          Math.max(...counts) - Math.min(...counts) <= c.maxSkew,
          JSON.stringify([...perZone]),
        );
        const onNew = (p.provision?.nodes ?? []).reduce((n, x) => n + x.workloadPods, 0);
        const onExisting = p.existing.reduce((n, e) => n + e.pods, 0);
        assert.equal(onExisting + onNew + p.unplaced, c.pods);
      },
    ),
    { numRuns: 150 },
  );
});

test('hostname spread from no pods: on existing nodes none ends more than maxSkew above the least', () => {
  fc.assert(
    fc.property(
      clusterArb.map(c => ({ ...c, key: HOST })),
      c => {
        const model = build(c);
        const r = placeOnExisting(req(model, shape(c), c.pods));
        const placed = new Map(r.existing.map(e => [e.node.name, e.pods]));
        // Every node the taint policy counts is a domain, full and cordoned ones too.
        const all = c.nodes.flatMap((n, i) =>
          c.taintsPolicy === 'Ignore' || !n.tainted ? [placed.get(`n-${i}`) ?? 0] : [],
        );
        if (all.length > 0)
          assert.ok(Math.max(...all) - Math.min(...all) <= c.maxSkew, JSON.stringify(all));
        assert.equal(r.placed + r.unschedulable, c.pods);
      },
    ),
    { numRuns: 150 },
  );
});
