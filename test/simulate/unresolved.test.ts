import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, type Simulation } from '../../src/simulate/simulate.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import {
  describeUnresolved,
  unresolvedLine,
  type Unresolved,
} from '../../src/simulate/unresolved.js';
import type { Node, Workload } from '../../src/cluster/model.js';
import {
  GiB,
  aCluster,
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

const web = (replicas: number, cpuMilli = 4000): Workload =>
  aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas,
    pod: aPodShape({ requests: { cpuMilli, memoryBytes: GiB } }),
  });

function sim(spec: ClusterSpec, from: number, to: number, cpuMilli = 4000): Simulation {
  const model = aCluster({ subnets: [subnetA, subnetB], ...spec });
  return simulate({
    model,
    change: {
      current: web(from, cpuMilli),
      desired: web(to, cpuMilli),
      replicaSets: [],
      nowMs: NOW,
    },
    book: new AddressBook(),
  });
}

/** A node with `cpu` millicores already taken, so it has room for (7910 - cpu) / 4000 more web pods. */
function busy(node: Node, cpu: number): ReturnType<typeof aPod> {
  return aPod(node.name, { requests: { cpuMilli: cpu, memoryBytes: GiB } });
}

const causes = (s: Simulation): string[] => s.unresolved.map(u => u.cause).sort();

test('what the change needs and the inputs do not describe is recorded, never counted as zero', async t => {
  const rows: {
    name: string;
    build: () => { spec: ClusterSpec; to: number };
    causes: string[];
  }[] = [
    {
      name: 'pods land on a node whose InternalIP is in no listed subnet',
      build: () => {
        const lost = aNode({ ip: '10.9.0.10', zone: 'zone-a' });
        return { spec: { nodes: [lost], pods: [busy(lost, 0)] }, to: 1 };
      },
      causes: ['node-subnet'],
    },
    {
      name: 'pods land on a node of a type the instance types do not list',
      build: () => {
        const odd = aNode({ ip: '10.0.1.10', zone: 'zone-a', instanceType: 'x9.mega' });
        return { spec: { nodes: [odd], pods: [busy(odd, 0)] }, to: 1 };
      },
      causes: ['node-type'],
    },
    {
      name: 'new nodes come from a group whose type is not listed',
      build: () => {
        const full = aNode({ ip: '10.0.1.10', zone: 'zone-a', instanceType: 'x9.mega' });
        return { spec: { nodes: [full], pods: [busy(full, 7900)] }, to: 2 };
      },
      // The existing node takes no pod (it is full); the new ones are of a type nobody describes.
      causes: ['group-type'],
    },
    {
      name: 'new nodes go to a zone where no listed subnet holds the group',
      build: () => {
        const full = aNode({ ip: '10.7.0.10', zone: 'zone-c' });
        return { spec: { nodes: [full], pods: [busy(full, 7900)] }, to: 2 };
      },
      causes: ['group-subnet'],
    },
    {
      name: 'everything described: nothing unresolved',
      build: () => {
        const a = aNode({ ip: '10.0.1.10', zone: 'zone-a' });
        return { spec: { nodes: [a], pods: [busy(a, 7900)] }, to: 2 };
      },
      causes: [],
    },
  ];
  for (const row of rows) {
    await t.test(row.name, () => {
      const { spec, to } = row.build();
      const s = sim(spec, 0, to);
      assert.deepEqual(causes(s), row.causes);
      assert.deepEqual(s.notes, [], 'said once, as unresolved, not as a note per node');
    });
  }
});

test('parts of the cluster the change does not touch may be incomplete', () => {
  const lost = aNode({ ip: '10.9.0.10', zone: 'zone-a', nodeGroup: 'batch' });
  const odd = aNode({
    ip: '10.0.2.10',
    zone: 'zone-b',
    nodeGroup: 'batch',
    instanceType: 'x9.mega',
  });
  const a = aNode({ ip: '10.0.1.10', zone: 'zone-a' });
  // web is pinned to the apps group: the batch nodes' gaps are none of its business.
  const pinned = (replicas: number): Workload =>
    aWorkload({
      kind: 'Deployment',
      name: 'web',
      replicas,
      pod: aPodShape({
        requests: { cpuMilli: 1000, memoryBytes: GiB },
        nodeSelector: { 'eks.amazonaws.com/nodegroup': 'apps' },
      }),
    });
  const model = aCluster({ subnets: [subnetA, subnetB], nodes: [lost, odd, a] });
  const s = simulate({
    model,
    change: { current: pinned(0), desired: pinned(3), replicaSets: [], nowMs: NOW },
    book: new AddressBook(),
  });
  assert.equal(s.podsOnExisting, 3);
  assert.deepEqual(s.unresolved, []);
});

test('a what-if that makes nodes take more cannot count a node of an unknown type', () => {
  const odd = aNode({ ip: '10.0.1.11', zone: 'zone-a', instanceType: 'x9.mega' });
  const a = aNode({ ip: '10.0.1.10', zone: 'zone-a' });
  const model = aCluster({ subnets: [subnetA], nodes: [a, odd], cniEnv: { WARM_IP_TARGET: '1' } });
  const change = { current: web(0), desired: web(0), replicaSets: [], nowMs: NOW };
  const raise = simulate({
    model,
    change,
    book: new AddressBook(),
    cni: { ...model.cni, warmIpTarget: 5 },
  });
  assert.deepEqual(raise.unresolved, [
    { cause: 'node-type', node: odd.name, instanceType: 'x9.mega' },
  ]);
  // Giving back: leaving the unknown node out only understates what comes back.
  const lower = simulate({
    model: aCluster({ subnets: [subnetA], nodes: [a, odd], cniEnv: { WARM_IP_TARGET: '5' } }),
    change,
    book: new AddressBook(),
    cni: { ...model.cni, warmIpTarget: 1 },
  });
  assert.deepEqual(lower.unresolved, []);
});

test('a workloadRef whose template is nowhere is unresolved, not "0 addresses"', () => {
  const a = aNode({ ip: '10.0.1.10', zone: 'zone-a' });
  const model = aCluster({ subnets: [subnetA], nodes: [a] });
  const noTemplate = (replicas: number): Workload => {
    const w: Workload = { ...web(replicas), kind: 'Rollout', templateKey: '' };
    delete (w as { pod?: unknown }).pod;
    return w;
  };
  const s = simulate({
    model,
    change: { current: noTemplate(1), desired: noTemplate(5), replicaSets: [], nowMs: NOW },
    book: new AddressBook(),
  });
  assert.deepEqual(s.unresolved, [{ cause: 'pod-template', workload: 'Rollout shop/web' }]);
});

test('messages about one cause appear once, with a count', async t => {
  const nodes = (n: number): Unresolved[] =>
    Array.from({ length: n }, (_, i) => ({
      cause: 'node-subnet' as const,
      node: `ip-10-9-0-${i}`,
      internalIp: `10.9.0.${i}`,
    }));
  const rows: { name: string; items: Unresolved[]; lines: string[] }[] = [
    {
      name: '43 nodes in no listed subnet are one line',
      items: nodes(43),
      lines: [
        '43 nodes: InternalIP in no listed subnet: ip-10-9-0-0 (10.9.0.0), ip-10-9-0-1 (10.9.0.1), ip-10-9-0-2 (10.9.0.2) and 40 more',
      ],
    },
    {
      name: 'the same node found twice counts once',
      items: [...nodes(1), ...nodes(1)],
      lines: ['node ip-10-9-0-0: InternalIP 10.9.0.0, in no listed subnet'],
    },
    {
      name: 'one line per unknown type',
      items: [
        { cause: 'node-type', node: 'a', instanceType: 'x9.mega' },
        { cause: 'node-type', node: 'b', instanceType: 'x9.mega' },
        { cause: 'node-type', node: 'c' },
      ],
      lines: [
        '2 nodes: instance type x9.mega in neither the instance types nor the built-in table: a, b',
        'node c: no instance type label',
      ],
    },
    {
      name: "a group's zones without a subnet are one line, zones in order",
      items: [
        { cause: 'group-subnet', group: 'apps', zone: 'us-east-1b', newNodes: 130 },
        { cause: 'group-subnet', group: 'apps', zone: 'us-east-1a', newNodes: 130 },
      ],
      lines: [
        'node group apps: no listed subnet holds its nodes in us-east-1a, us-east-1b (needed for 260 new nodes)',
      ],
    },
    {
      name: "a group's type",
      items: [{ cause: 'group-type', group: 'apps', instanceType: 'x9.mega', newNodes: 390 }],
      lines: [
        'node group apps: instance type x9.mega in neither the instance types nor the built-in table (needed for 390 new nodes)',
      ],
    },
    {
      name: 'an ENIConfig subnet not listed',
      items: [{ cause: 'subnet', subnetId: 'subnet-pods', via: 'ENIConfig us-east-1a' }],
      lines: ['1 subnet not in the subnets given: subnet-pods (ENIConfig us-east-1a)'],
    },
  ];
  for (const row of rows) {
    await t.test(row.name, () => {
      assert.deepEqual(describeUnresolved(row.items), row.lines);
      const line = unresolvedLine(row.items);
      assert.doesNotMatch(line, /\n/);
      for (const l of row.lines) assert.ok(line.includes(l), line);
    });
  }
});

test('a NodePool whose node class is missing or lists no subnets is unresolved, not Pending', async t => {
  const { karpenterCluster, awsNodeDaemonSet, ec2NodeClass, nodePool } =
    await import('../helpers/karpenter.js');
  const pool = nodePool({
    name: 'apps',
    requirements: [{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5'] }],
  });
  const rows = [
    {
      name: 'EC2NodeClass not in the inputs',
      objects: [awsNodeDaemonSet(), pool],
      problem: /EC2NodeClass default is not in the inputs/,
    },
    {
      name: 'EC2NodeClass with no subnets',
      objects: [awsNodeDaemonSet(), pool, ec2NodeClass('default', [])],
      problem: /EC2NodeClass default lists no subnets/,
    },
  ];
  for (const row of rows) {
    await t.test(row.name, () => {
      const model = karpenterCluster(row.objects, [subnetA]);
      const s = simulate({
        model,
        change: { desired: web(2, 1000), replicaSets: [], nowMs: NOW },
        book: new AddressBook(),
      });
      assert.deepEqual(causes(s), ['pool-class']);
      assert.match(describeUnresolved(s.unresolved).join('\n'), row.problem);
    });
  }
});
