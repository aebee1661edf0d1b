import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, type Simulation } from '../../../src/simulate/simulate.js';
import { AddressBook } from '../../../src/simulate/address-book.js';
import { decide } from '../../../src/policy/decide.js';
import { DEFAULT_POLICY } from '../../../src/policy/config.js';
import type { ClusterModel, Workload } from '../../../src/cluster/model.js';
import { GiB, aPodShape, aSubnet, aWorkload } from '../../helpers/builders.js';
import {
  autoModeNodeClass,
  awsNodeDaemonSet,
  ec2NodeClass,
  karpenterCluster,
  karpenterController,
  nodePool,
} from '../../helpers/karpenter.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const subnetA = aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: 100 });
const subnetB = aSubnet({ id: 'subnet-b', zone: 'zone-b', cidr: '10.0.2.0/24', availableIps: 80 });
const bothSubnets = [
  { id: 'subnet-a', zone: 'zone-a' },
  { id: 'subnet-b', zone: 'zone-b' },
];

function web(replicas: number, o: Partial<Workload['pod'] & object> = {}): Workload {
  return aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas,
    pod: aPodShape({ requests: { cpuMilli: 1000, memoryBytes: 2 * GiB }, ...o }),
  });
}

function run(model: ClusterModel, desired: Workload): Simulation {
  return simulate({
    model,
    change: { desired, replicaSets: [], nowMs: NOW },
    book: new AddressBook(),
  });
}

const m5Pool = nodePool({
  name: 'apps',
  requirements: [{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5'] }],
});

test('scale from zero: a NodePool with no nodes launches NodeClaims; bounds over the m5 sizes', () => {
  const model = karpenterCluster(
    [awsNodeDaemonSet(), m5Pool, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  // One pod per node (hostname anti-affinity): every m5 size fits one 1-CPU pod; m5.large is likely.
  const sim = run(model, web(3, { onePerNode: true }));
  assert.equal(sim.newNodes, 3);
  assert.equal(sim.unplaced, 0);
  assert.equal(sim.typicalNode?.instanceType, 'm5.large');
  // WARM_ENI_TARGET=1, one pool pod: 2 ENIs of S addresses plus their primaries. m5.large (S = 9): 20;
  // m5.16xlarge, m5.24xlarge and m5.metal (S = 49): 100, the bundled table sizing the ones the
  // instance-types file does not list; the cheapest of those is named.
  assert.equal(sim.typicalNode?.addresses.ips, 20);
  assert.equal(sim.ipsRequired, 60);
  assert.equal(sim.bounds?.ipsRequiredBest, 60);
  assert.equal(sim.bounds?.ipsRequiredWorst, 300);
  assert.equal(sim.bounds?.worstType, 'm5.16xlarge');
  assert.deepEqual(sim.bounds?.nodePools, ['apps']);
  // Each NodeClaim goes where there is most room (EC2 picks the zone): a (100), a (80, tie), b (80).
  assert.deepEqual(Object.fromEntries(sim.subnets.map(s => [s.id, s.required])), {
    'subnet-a': 40,
    'subnet-b': 20,
  });
  assert.deepEqual(
    sim.bounds?.zones.map(z => [z.zone, z.available, z.likelyRequired, z.worstRequired]),
    [
      ['zone-a', 100, 60, 300],
      ['zone-b', 80, 60, 300],
    ],
  );
});

test('a NodePool whose EC2NodeClass lists only some subnets launches only there', () => {
  const model = karpenterCluster(
    [awsNodeDaemonSet(), m5Pool, ec2NodeClass('default', [{ id: 'subnet-b', zone: 'zone-b' }])],
    [subnetA, subnetB],
  );
  const sim = run(model, web(3, { onePerNode: true }));
  assert.deepEqual(
    sim.subnets.map(s => [s.id, s.required]),
    [['subnet-b', 60]],
    'subnet-a has more room, but the node class does not list it',
  );
  assert.deepEqual(sim.bounds?.zones, [], 'one zone: nothing for EC2 to choose');
  // The worst type in the only zone: 3 x 100 > 80.
  assert.deepEqual(sim.bounds?.worstShort, [{ id: 'subnet-b', required: 300, available: 80 }]);
});

test('per zone, the subnet with the most free addresses; more launches spread as Karpenter deducts in-flight pods', () => {
  const a2 = aSubnet({ id: 'subnet-a2', zone: 'zone-a', cidr: '10.0.3.0/24', availableIps: 95 });
  const model = karpenterCluster(
    [
      awsNodeDaemonSet(),
      m5Pool,
      ec2NodeClass('default', [
        { id: 'subnet-a2', zone: 'zone-a' },
        { id: 'subnet-a', zone: 'zone-a' },
      ]),
    ],
    [subnetA, a2],
  );
  // Karpenter deducts the smallest candidate's pods capacity (m5.large: 29) per launch from the subnet it
  // chose: subnet-a (100) first, then subnet-a2 (95 > 71), then subnet-a (71 > 66).
  const sim = run(model, web(3, { onePerNode: true }));
  assert.deepEqual(
    sim.batches.map(b => [b.subnetId, b.nodes]),
    [
      ['subnet-a', 2],
      ['subnet-a2', 1],
    ],
  );
});

test("the pod's zone requirement fixes the zone", () => {
  const model = karpenterCluster(
    [awsNodeDaemonSet(), m5Pool, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  const sim = run(
    model,
    web(2, { onePerNode: true, nodeSelector: { 'topology.kubernetes.io/zone': 'zone-b' } }),
  );
  assert.deepEqual(
    sim.subnets.map(s => [s.id, s.required]),
    [['subnet-b', 40]],
  );
  assert.deepEqual(sim.bounds?.zones, []);
});

test('a NodePool zone requirement and a pod zone outside it: no launch, said why', () => {
  const pool = nodePool({
    name: 'apps',
    requirements: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-a'] }],
  });
  const model = karpenterCluster(
    [awsNodeDaemonSet(), pool, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  const sim = run(model, web(1, { nodeSelector: { 'topology.kubernetes.io/zone': 'zone-b' } }));
  assert.equal(sim.newNodes, 0);
  assert.equal(sim.unplaced, 1);
  assert.match(sim.notes.join('\n'), /would stay Pending/);
});

test('a burst packs onto one NodeClaim: the cheapest type that takes all its pods is likely', () => {
  const model = karpenterCluster(
    [awsNodeDaemonSet(), m5Pool, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  // 30 pods of 1 CPU: m5.4xlarge takes 15 (15865m allocatable), m5.8xlarge 31, m5.24xlarge 95: one
  // NodeClaim, whose candidates are the types that take all 30, m5.8xlarge the cheapest.
  const sim = run(model, web(30));
  assert.equal(sim.newNodes, 1);
  assert.equal(sim.typicalNode?.instanceType, 'm5.8xlarge');
  assert.equal(sim.typicalNode?.workloadPods, 30);
  // m5.8xlarge (S = 29): ceil(30/29) + 1 warm = 3 ENIs of 30. m5.16xlarge (S = 49): 2 ENIs of 50.
  assert.equal(sim.ipsRequired, 90);
  assert.equal(sim.bounds?.ipsRequiredBest, 90);
  assert.equal(sim.bounds?.ipsRequiredWorst, 100);
  // 95 pods: only the 96-vCPU types take them all.
  const big = run(model, web(95));
  assert.equal(big.newNodes, 1);
  assert.equal(big.typicalNode?.instanceType, 'm5.24xlarge');
});

test('NodePool limits stop launches: the rest stay Pending, said so', () => {
  const pool = nodePool({
    name: 'apps',
    limits: { cpu: '4' },
    requirements: [{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5'] }],
  });
  const model = karpenterCluster(
    [awsNodeDaemonSet(), pool, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  // Only m5.large (2 vCPU) and m5.xlarge (4) stay within 4 CPUs; the NodeClaim counts at its largest
  // candidate (subtractMax), so the first uses all 4.
  const sim = run(model, web(3, { onePerNode: true }));
  assert.equal(sim.newNodes, 1);
  assert.equal(sim.unplaced, 2);
  assert.match(
    sim.notes.join('\n'),
    /2 pods stay Pending: NodePool limits reached \(apps: cpu 4\)/,
  );
});

test('existing nodes and in-flight NodeClaims of the pool count against its limits', () => {
  const pool = nodePool({ name: 'apps', limits: { nodes: 2 } });
  const claim = {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodeClaim',
    metadata: {
      name: 'apps-x1',
      labels: { 'karpenter.sh/nodepool': 'apps', 'node.kubernetes.io/instance-type': 'm5.large' },
    },
    status: { capacity: { cpu: '2', memory: '7577Mi' } },
  };
  const model = karpenterCluster(
    [awsNodeDaemonSet(), pool, claim, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  const sim = run(model, web(3, { onePerNode: true }));
  assert.equal(sim.newNodes, 1, 'one node left under nodes: 2 with one NodeClaim in flight');
  assert.equal(sim.unplaced, 2);
});

test('NodePools in weight order; a pool whose taints the pod does not tolerate is passed over', () => {
  const big = nodePool({
    name: 'gpu',
    weight: 50,
    taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }],
  });
  const general = nodePool({
    name: 'general',
    weight: 10,
    requirements: [
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['c5.large'] },
    ],
  });
  const model = karpenterCluster(
    [awsNodeDaemonSet(), big, general, m5Pool, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  const sim = run(model, web(1));
  assert.deepEqual(sim.bounds?.nodePools, ['general'], 'weight 10 before apps (weight 0)');
  assert.equal(sim.typicalNode?.instanceType, 'c5.large');
});

test('a pod selecting a custom label only matches the pool that sets it', () => {
  const team = nodePool({ name: 'team-a', labels: { team: 'a' } });
  const model = karpenterCluster(
    [awsNodeDaemonSet(), m5Pool, team, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  const sim = run(model, web(1, { nodeSelector: { team: 'a' } }));
  assert.deepEqual(sim.bounds?.nodePools, ['team-a']);
  // Equal weights go by name descending: team-a before apps for a pod that fits both.
  assert.deepEqual(run(model, web(1)).bounds?.nodePools, ['team-a']);
});

test('arm64 types are candidates only where the pool and pod allow arm64', () => {
  const pool = nodePool({
    name: 'apps',
    requirements: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }],
  });
  const model = karpenterCluster(
    [awsNodeDaemonSet(), pool, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  // The bundled table sizes a1.large (2 vCPUs, 4 GiB), the cheapest by the proxy; m6g.large has 8 GiB.
  assert.equal(run(model, web(1)).typicalNode?.instanceType, 'a1.large');
  assert.equal(
    run(model, web(1, { nodeSelector: { 'karpenter.k8s.aws/instance-family': 'm6g' } })).typicalNode
      ?.instanceType,
    'm6g.large',
  );
});

test('a NodePool whose EC2NodeClass is missing: cannot be modelled, said so, never a fit', () => {
  const model = karpenterCluster([awsNodeDaemonSet(), m5Pool], [subnetA, subnetB]);
  const sim = run(model, web(1));
  assert.equal(sim.unplaced, 1);
  assert.match(sim.notes.join('\n'), /EC2NodeClass default is not in the inputs/);
});

test('allowed types with no memory figure are left out and named', () => {
  const into = karpenterCluster(
    [awsNodeDaemonSet(), m5Pool, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  const types = new Map(into.instanceTypes);
  const noMemory = { ...types.get('m5.large')! };
  delete noMemory.memoryMiB;
  types.set('m5.large', noMemory);
  const sim = run({ ...into, instanceTypes: types }, web(1, { onePerNode: true }));
  assert.equal(sim.typicalNode?.instanceType, 'm5.xlarge');
  assert.match(
    sim.notes.join('\n'),
    /\d+ allowed instance types have no vCPU or memory figure .*m5\.large/,
  );
});

test('EKS Auto Mode: no aws-node; prefixes per 16 pods, max pods 110, assumptions said', () => {
  const pool = nodePool({
    name: 'general-purpose',
    autoMode: true,
    // Auto Mode's own label names, as its built-in general-purpose pool writes them.
    requirements: [
      { key: 'eks.amazonaws.com/instance-category', operator: 'In', values: ['m'] },
      { key: 'eks.amazonaws.com/instance-generation', operator: 'Gt', values: ['4'] },
    ],
  });
  const model = karpenterCluster(
    [pool, autoModeNodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  const sim = run(model, web(3, { onePerNode: true }));
  assert.equal(sim.bounds?.provisioner, 'auto-mode');
  assert.equal(sim.newNodes, 3);
  // One pod: one /28 prefix on the primary ENI (16) plus its primary address: 17 on any m type.
  assert.equal(sim.typicalNode?.addresses.ips, 17);
  assert.equal(sim.typicalNode?.maxPods, 110);
  assert.equal(sim.bounds?.ipsRequiredWorst, 51);
  assert.match(sim.notes.join('\n'), /EKS Auto Mode NodeClass default: addresses modelled/);
  // ipv4PrefixSize "32": one address per pod and one spare, plus the primary.
  const secondary = karpenterCluster(
    [
      pool,
      autoModeNodeClass('default', bothSubnets, { advancedNetworking: { ipv4PrefixSize: '32' } }),
    ],
    [subnetA, subnetB],
  );
  assert.equal(run(secondary, web(3, { onePerNode: true })).typicalNode?.addresses.ips, 3);
});

function judgeIt(model: ClusterModel, desired: Workload) {
  return decide({
    model,
    change: { desired, replicaSets: [], nowMs: NOW },
    config: DEFAULT_POLICY,
    book: new AddressBook(),
  });
}

test('verdict: warn when only worse cases fail, naming the type and zone', () => {
  const model = karpenterCluster(
    [awsNodeDaemonSet(), m5Pool, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  const d = judgeIt(model, web(3, { onePerNode: true }));
  assert.equal(d.verdict, 'warn');
  assert.equal(d.simulated, 'warn');
  const text = d.messages.join('\n');
  assert.match(
    text,
    /fits unless Karpenter picks m5\.16xlarge in zone-a: subnet-a would need 200, has 100/,
  );
  assert.match(
    text,
    /Karpenter may launch any type NodePool apps allows that fits: 60 addresses with m5\.large/,
  );
  assert.match(text, /300 at worst \(m5\.16xlarge\)/);
  assert.match(text, /need 3 new m5\.large nodes of NodePool apps/);
  assert.ok(d.warnings.some(w => w.includes('fits unless Karpenter picks m5.16xlarge')));
});

test('verdict: deny when the likely case does not fit where it can land', () => {
  const small = [
    aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: 30 }),
    aSubnet({ id: 'subnet-b', zone: 'zone-b', cidr: '10.0.2.0/24', availableIps: 25 }),
  ];
  const model = karpenterCluster(
    [awsNodeDaemonSet(), m5Pool, ec2NodeClass('default', bothSubnets)],
    small,
  );
  // m5.large nodes of 20 addresses: a (30), b (25), then a again (10 left vs 5): 40 > 30.
  const d = judgeIt(model, web(3, { onePerNode: true }));
  assert.equal(d.verdict, 'deny');
  assert.match(d.denial ?? '', /subnet-a \(zone-a\) needs 40, has 30/);
});

test('remedy when only worse cases fail: restrict the NodePool to the types whose worst case fits', () => {
  const model = karpenterCluster(
    [awsNodeDaemonSet(), m5Pool, ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  const d = judgeIt(model, web(3, { onePerNode: true }));
  assert.equal(d.verdict, 'warn');
  // Dropping the worst type in turn: the 100-address m5.16xlarge, m5.24xlarge and m5.metal, the 60-address
  // m5.4xlarge, m5.8xlarge and m5.12xlarge, then the 30-address m5.xlarge and m5.2xlarge, since three of
  // them in zone-b would need 90 of its 80.
  assert.equal(
    d.remedies[0]?.text,
    'restrict NodePool apps to types whose worst case fits (node.kubernetes.io/instance-type NotIn [m5.16xlarge, m5.24xlarge, m5.metal, m5.4xlarge, m5.8xlarge, m5.12xlarge, m5.xlarge, m5.2xlarge], leaving m5.large): fits whatever type Karpenter picks',
  );
});

test('remedy when a NodePool pinned to one zone runs it dry: let it use every zone', () => {
  const pool = nodePool({
    name: 'apps',
    requirements: [
      { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5'] },
      { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-a'] },
    ],
  });
  const small = [
    aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: 30 }),
    aSubnet({ id: 'subnet-b', zone: 'zone-b', cidr: '10.0.2.0/24', availableIps: 25 }),
  ];
  const model = karpenterCluster(
    [awsNodeDaemonSet(), pool, ec2NodeClass('default', bothSubnets)],
    small,
  );
  const d = judgeIt(model, web(2, { onePerNode: true }));
  assert.equal(d.verdict, 'deny');
  assert.ok(
    d.remedies.some(
      r =>
        r.kind === 'nodepool' &&
        r.text.startsWith('let NodePool apps launch in every zone its node class has subnets in'),
    ),
    d.remedies.map(r => r.text).join('\n'),
  );
});

test('ipPrefixCount: the prefixes the launch template assigns are held besides the secondary-IP pool', () => {
  const model = karpenterCluster(
    [awsNodeDaemonSet(), m5Pool, ec2NodeClass('default', bothSubnets, { ipPrefixCount: 1 })],
    [subnetA, subnetB],
  );
  const sim = run(model, web(1, { onePerNode: true }));
  // m5.large: 20 as before, plus one /28 on the primary ENI.
  assert.equal(sim.ipsRequired, 36);
  assert.equal(sim.bounds?.ipsRequiredWorst, 116);
  assert.match(sim.notes.join('\n'), /assigns 1 \/28 prefixes at launch \(ipPrefixCount\)/);
  // Under prefix delegation ipamd adopts it: one prefix either way.
  const pd = karpenterCluster(
    [
      awsNodeDaemonSet({ ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' }),
      m5Pool,
      ec2NodeClass('default', bothSubnets, { ipPrefixCount: 1 }),
    ],
    [subnetA, subnetB],
  );
  const withPd = run(pd, web(1, { onePerNode: true }));
  const plain = run(
    karpenterCluster(
      [
        awsNodeDaemonSet({ ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' }),
        m5Pool,
        ec2NodeClass('default', bothSubnets),
      ],
      [subnetA, subnetB],
    ),
    web(1, { onePerNode: true }),
  );
  assert.equal(withPd.ipsRequired, plain.ipsRequired);
});

// kubernetes-sigs/karpenter pkg/controllers/provisioning/scheduling/instance_selection_test.go @22664681,
// "should schedule respecting the minValues from instance-type requirements": two types, one taking one
// pod and one taking two; minValues 2 on the instance type puts the two pods on two NodeClaims, each
// keeping both types.
test('minValues: each NodeClaim keeps enough distinct types, so it holds fewer pods', () => {
  const pool = (minValues?: number) =>
    nodePool({
      name: 'apps',
      requirements: [
        {
          key: 'node.kubernetes.io/instance-type',
          operator: 'In',
          values: ['m5.large', 'm5.xlarge'],
          ...(minValues !== undefined && { minValues }),
        },
      ],
    });
  // 1.5 CPU: m5.large (1930m allocatable, 25m aws-node) takes one, m5.xlarge (3920m) two.
  const pods = web(2, { requests: { cpuMilli: 1500, memoryBytes: GiB } });
  const without = run(
    karpenterCluster(
      [awsNodeDaemonSet(), pool(), ec2NodeClass('default', bothSubnets)],
      [subnetA, subnetB],
    ),
    pods,
  );
  assert.equal(without.newNodes, 1);
  assert.equal(without.typicalNode?.instanceType, 'm5.xlarge');
  const model = karpenterCluster(
    [awsNodeDaemonSet(), pool(2), ec2NodeClass('default', bothSubnets)],
    [subnetA, subnetB],
  );
  const sim = run(model, pods);
  assert.equal(sim.newNodes, 2);
  assert.equal(sim.typicalNode?.instanceType, 'm5.large');
  assert.equal(sim.bounds?.worstType, 'm5.xlarge', 'both types stay candidates');
  assert.match(
    sim.notes.join('\n'),
    /minValues \(2 node\.kubernetes\.io\/instance-type\) hold each NodeClaim to 1 pods/,
  );
});

// Same file, "schedule should fail if minimum number of InstanceTypes is not met as per the minValues in
// the requirement"; and pkg/controllers/provisioning/suite_test.go "should schedule even when minValues
// requirement is not met" (MIN_VALUES_POLICY BestEffort).
test('minValues the fitting types cannot meet: nothing launches under Strict, BestEffort relaxes it', () => {
  const pool = nodePool({
    name: 'apps',
    requirements: [
      {
        key: 'karpenter.k8s.aws/instance-family',
        operator: 'In',
        values: ['m5', 'c5'],
        minValues: 3,
      },
    ],
  });
  const objects = [awsNodeDaemonSet(), pool, ec2NodeClass('default', bothSubnets)];
  const strict = run(karpenterCluster(objects, [subnetA, subnetB]), web(1));
  assert.equal(strict.newNodes, 0);
  assert.equal(strict.unplaced, 1);
  assert.match(
    strict.notes.join('\n'),
    /minValues 3 on karpenter\.k8s\.aws\/instance-family, only 2 among the types that fit: Karpenter launches nothing/,
  );
  const relaxed = run(
    karpenterCluster(
      [...objects, karpenterController({ MIN_VALUES_POLICY: 'BestEffort' })],
      [subnetA, subnetB],
    ),
    web(1),
  );
  assert.equal(relaxed.newNodes, 1);
});
