import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide, type Decision } from '../../src/policy/decide.js';
import { DEFAULT_POLICY } from '../../src/policy/config.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import type { ClusterModel, Subnet, Workload } from '../../src/cluster/model.js';
import {
  GiB,
  M5_2XLARGE,
  M5_LARGE,
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
// Types the built-in table does not know, so that leaving one out of the inputs leaves it unknown.
const X_SMALL = { ...M5_LARGE, instanceType: 'x1.small' };
const X_BIG = { ...M5_2XLARGE, instanceType: 'x1.big' };
const TYPES = [X_SMALL, X_BIG];

const web = (cpuMilli: number, replicas: number, group?: string): Workload =>
  aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas,
    pod: aPodShape({
      requests: { cpuMilli, memoryBytes: GiB },
      ...(group !== undefined && { nodeSelector: { 'eks.amazonaws.com/nodegroup': group } }),
    }),
  });

function judgeChange(model: ClusterModel, cpu: number, from: number, to: number): Decision {
  return decide({
    model,
    change: { current: web(cpu, from), desired: web(cpu, to), replicaSets: [], nowMs: NOW },
    config: DEFAULT_POLICY,
    book: new AddressBook(),
  });
}

test('the issue: a type missing from the file is no "needs 0 addresses: fits"', () => {
  const subnets = ZONES.map((zone, i) =>
    aSubnet({ id: `subnet-${i}`, zone, cidr: `10.0.${i}.0/24`, availableIps: 30 }),
  );
  const nodes = ZONES.map((zone, i) => aNode({ ip: `10.0.${i}.10`, zone, instanceType: 'x1.big' }));
  const pods = nodes.map(n => aPod(n.name, { requests: { cpuMilli: 7900, memoryBytes: GiB } }));
  const spec = { nodes, pods, subnets, cniEnv: { MINIMUM_IP_TARGET: '13' }, instanceTypes: TYPES };
  const complete = judgeChange(aCluster(spec), 4000, 0, 40);
  assert.equal(complete.verdict, 'deny');
  assert.equal(complete.incomplete, undefined);

  const missing = judgeChange(aCluster({ ...spec, instanceTypes: [X_SMALL] }), 4000, 0, 40);
  assert.equal(missing.verdict, 'warn', 'never an allow');
  assert.match(missing.incomplete ?? '', /node group apps: instance type x1\.big in neither/);
  assert.doesNotMatch(missing.messages.join('\n'), /fits/);
  assert.match(missing.messages.join('\n'), /^not counted: node group apps/m);
  assert.deepEqual(missing.remedies, []);
});

test('nodes in no listed subnet: one message with a count, never "allowed, 0 of 0"', () => {
  const nodes = Array.from({ length: 43 }, (_, i) =>
    aNode({ ip: `10.9.${Math.floor(i / 200)}.${10 + (i % 200)}`, zone: 'zone-a' }),
  );
  const model = aCluster({
    nodes,
    subnets: [aSubnet({ id: 'subnet-0', zone: 'zone-a', cidr: '10.0.0.0/24' })],
  });
  const d = judgeChange(model, 100, 0, 430);
  assert.notEqual(d.incomplete, undefined);
  assert.match(d.incomplete ?? '', /43 nodes: InternalIP in no listed subnet: .* and 40 more/);
  const said = d.messages.filter(m => m.includes('InternalIP in no listed subnet'));
  assert.equal(said.length, 1, d.messages.join('\n'));
  assert.ok(d.warnings.length <= 5);
});

test('a deny on the addresses it could count stands: the missing ones only add to it', () => {
  const subnets = [
    aSubnet({ id: 'subnet-0', zone: 'zone-a', cidr: '10.0.0.0/24', availableIps: 5 }),
  ];
  const full = aNode({ ip: '10.0.0.10', zone: 'zone-a' });
  // Its group's nodes in zone-b lie in no listed subnet: new nodes there cannot be counted.
  const lost = aNode({ ip: '10.9.0.10', zone: 'zone-b' });
  const model = aCluster({
    subnets,
    nodes: [full, lost],
    pods: [
      aPod(full.name, { requests: { cpuMilli: 7900, memoryBytes: GiB } }),
      aPod(lost.name, { requests: { cpuMilli: 7900, memoryBytes: GiB } }),
    ],
  });
  const d = judgeChange(model, 4000, 0, 10);
  assert.equal(d.verdict, 'deny');
  assert.equal(d.incomplete, undefined);
  assert.match(d.messages.join('\n'), /not counted: node group apps: no listed subnet .* zone-b/);
});

const clusterArb = fc.record({
  nodes: fc.array(
    fc.record({
      zone: fc.integer({ min: 0, max: 2 }),
      type: fc.integer({ min: 0, max: 1 }),
      usedCpu: fc.integer({ min: 0, max: 7900 }),
      group: fc.constantFrom('apps', 'batch'),
      lost: fc.boolean(),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  free: fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 3, maxLength: 3 }),
  cni: fc.constantFrom<Record<string, string>>(
    {},
    { MINIMUM_IP_TARGET: '13' },
    { WARM_IP_TARGET: '2' },
  ),
  cpu: fc.integer({ min: 100, max: 6000 }),
  to: fc.integer({ min: 1, max: 30 }),
  pinned: fc.boolean(),
  daemonSet: fc.boolean(),
});

type ClusterArb = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function subnetsOf(c: ClusterArb): Subnet[] {
  return ZONES.map((zone, i) =>
    aSubnet({ id: `subnet-${i}`, zone, cidr: `10.0.${i}.0/24`, availableIps: c.free[i] ?? 0 }),
  );
}

function build(c: ClusterArb, extra: { subnets?: Subnet[]; drop?: string } = {}): ClusterModel {
  const nodes = c.nodes.map((n, i) =>
    aNode({
      name: `n-${i}`,
      // A "lost" node's InternalIP lies in no listed subnet.
      ip: `10.${n.lost ? 9 : 0}.${n.zone}.${10 + i}`,
      zone: ZONES[n.zone] ?? 'zone-a',
      nodeGroup: n.group,
      instanceType: TYPES[n.type]?.instanceType ?? 'x1.small',
    }),
  );
  const pods = c.nodes.map((n, i) =>
    aPod(`n-${i}`, { name: `p-${i}`, requests: { cpuMilli: n.usedCpu, memoryBytes: GiB } }),
  );
  return aCluster({
    nodes,
    pods,
    subnets: [...subnetsOf(c), ...(extra.subnets ?? [])],
    instanceTypes: TYPES.filter(t => t.instanceType !== extra.drop),
    cniEnv: c.cni,
    daemonSets: c.daemonSet ? [aDaemonSet('agent')] : [],
  });
}

function decideOn(model: ClusterModel, c: ClusterArb): Decision {
  const w = (n: number): Workload => web(c.cpu, n, c.pinned ? 'apps' : undefined);
  return decide({
    model,
    change: { current: w(0), desired: w(c.to), replicaSets: [], nowMs: NOW },
    config: DEFAULT_POLICY,
    book: new AddressBook(),
  });
}

/** What a user sees: the verdict, or that the inputs could not answer. */
const outcome = (d: Decision): string => (d.incomplete !== undefined ? 'incomplete' : d.verdict);

test('adding a subnet the change does not use never changes the verdict', () => {
  const unused = fc.record({
    zone: fc.integer({ min: 0, max: 3 }),
    octet: fc.integer({ min: 100, max: 250 }),
    free: fc.integer({ min: 0, max: 10_000 }),
  });
  fc.assert(
    fc.property(clusterArb, unused, (c, u) => {
      // Untagged and holding no node: no node, ENIConfig or subnet discovery sends addresses there.
      const extra = aSubnet({
        id: `subnet-extra-${u.octet}`,
        zone: ZONES[u.zone] ?? 'zone-elsewhere',
        cidr: `10.${u.octet}.0.0/24`,
        availableIps: u.free,
      });
      const before = decideOn(build(c), c);
      const after = decideOn(build(c, { subnets: [extra] }), c);
      assert.equal(outcome(after), outcome(before));
      assert.equal(after.sim.ipsRequired, before.sim.ipsRequired);
      assert.equal(after.sim.ipsAvailable, before.sim.ipsAvailable);
    }),
    { numRuns: 200 },
  );
});

test('removing an instance type the change needs never turns a deny into an allow', () => {
  fc.assert(
    fc.property(clusterArb, fc.integer({ min: 0, max: 1 }), (c, drop) => {
      const before = decideOn(build(c), c);
      const after = decideOn(build(c, { drop: TYPES[drop]?.instanceType ?? '' }), c);
      if (outcome(before) === 'deny') assert.ok(['deny', 'incomplete'].includes(outcome(after)));
      // Nor does a missing type ever read as a clean allow where the change needed it.
      if (after.sim.unresolved.length > 0) assert.notEqual(outcome(after), 'allow');
    }),
    { numRuns: 200 },
  );
});
