import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCniSettings } from '../../src/cni/settings.js';
import type { EniConfig } from '../../src/cluster/model.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import { settingsImpact } from '../../src/simulate/settings-change.js';
import { settingsCredit } from '../../src/simulate/settings-credit.js';
import { UnresolvableChange } from '../../src/simulate/resolve.js';
import { aCluster, aNode, aPod, aSubnet } from '../helpers/builders.js';

const subnetA = aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: 200 });
const pods = (node: string, n: number) => Array.from({ length: n }, () => aPod(node));

/**
 * One node's holding under the old and the new settings, worked from ipamd's own functions
 * (aws/amazon-vpc-cni-k8s pkg/ipamd/ipamd.go; research notes in the repo's vpc-cni notes, sections 3 to 5).
 * m5.large: 3 ENIs x 10 addresses, S = 9 secondary IPs per ENI, max pods 29.
 * m5.2xlarge: 4 ENIs x 15 addresses, S = 14, max pods 58.
 */
const CASES: {
  name: string;
  type: 'm5.large' | 'm5.2xlarge';
  pods: number;
  from: Record<string, string>;
  to: Record<string, string>;
  before: number;
  after: number;
  unserved?: number;
}[] = [
  {
    // datastoreTargetState: short = MIT - total = 5; increaseDatastorePool tops up the primary ENI by its
    // one free slot, then attaches an ENI with the other 4 (its own primary address comes with it).
    name: 'MINIMUM_IP_TARGET 8 -> 13 with 6 pods: 1 on the primary ENI, a new ENI with 4',
    type: 'm5.large',
    pods: 6,
    from: { MINIMUM_IP_TARGET: '8' },
    to: { MINIMUM_IP_TARGET: '13' },
    before: 9,
    after: 15,
  },
  {
    // over = max(min(available - WIT, total - MIT), 0) = min(7, 5): 5 unused addresses unassigned.
    name: 'MINIMUM_IP_TARGET 13 -> 8 with 6 pods: 5 unused addresses go back',
    type: 'm5.2xlarge',
    pods: 6,
    from: { MINIMUM_IP_TARGET: '13' },
    to: { MINIMUM_IP_TARGET: '8' },
    before: 14,
    after: 9,
  },
  {
    // over = min(available 3, total - MIT 5) = 3: never an address a pod holds. Without WARM_IP_TARGET the
    // pool never grows past 8 again, so 2 of the 10 pods get no address once they are replaced.
    name: 'MINIMUM_IP_TARGET 13 -> 8 with 10 pods: only the 3 unused go back, 2 pods stranded',
    type: 'm5.2xlarge',
    pods: 10,
    from: { MINIMUM_IP_TARGET: '13' },
    to: { MINIMUM_IP_TARGET: '8' },
    before: 14,
    after: 11,
    unserved: 2,
  },
  {
    // WARM_ENI_TARGET mode: ceil(N/S) + WET ENIs, each created full (increaseDatastorePool asks for S).
    name: 'WARM_ENI_TARGET 1 -> 2 with 5 pods: a whole ENI more, 9 addresses and its primary',
    type: 'm5.large',
    pods: 5,
    from: { WARM_ENI_TARGET: '1' },
    to: { WARM_ENI_TARGET: '2' },
    before: 20,
    after: 30,
  },
  {
    // isDatastorePoolTooHigh is false in secondary-IP mode without IP targets: nothing is unassigned, and
    // an ENI goes only once no pod sits on it (pods land on ENIs at random).
    name: 'WARM_ENI_TARGET 2 -> 1: nothing comes back',
    type: 'm5.large',
    pods: 5,
    from: { WARM_ENI_TARGET: '2' },
    to: { WARM_ENI_TARGET: '1' },
    before: 30,
    after: 30,
  },
  {
    // With an IP target the pool shrinks to pods + WIT; the two ENIs stay (both carry pods).
    name: 'WARM_ENI_TARGET=1 -> WARM_IP_TARGET=2 with 5 pods: the pool shrinks to 7 on the ENIs it has',
    type: 'm5.large',
    pods: 5,
    from: { WARM_ENI_TARGET: '1' },
    to: { WARM_ENI_TARGET: '1', WARM_IP_TARGET: '2' },
    before: 20,
    after: 9,
  },
  {
    name: 'WARM_IP_TARGET 2 -> 5 with 6 pods: pods + 5 on the primary ENI',
    type: 'm5.2xlarge',
    pods: 6,
    from: { WARM_IP_TARGET: '2' },
    to: { WARM_IP_TARGET: '5' },
    before: 9,
    after: 12,
  },
  {
    // Dropping WARM_IP_TARGET leaves MINIMUM_IP_TARGET alone: the pool stops at 13 (datastoreTargetState
    // short = max(0 - available, 13 - total)). 20 pods hold 20; only the 2 unused go back; 7 are stranded.
    name: 'MINIMUM_IP_TARGET=13 loses WARM_IP_TARGET=2 with 20 pods: the pool freezes, 7 pods stranded',
    type: 'm5.2xlarge',
    pods: 20,
    from: { MINIMUM_IP_TARGET: '13', WARM_IP_TARGET: '2' },
    to: { MINIMUM_IP_TARGET: '13' },
    before: 24,
    after: 22,
    unserved: 7,
  },
  {
    // Into prefix delegation: pods keep their secondary IPs; the datastore counts /28s only, none used, so
    // WARM_PREFIX_TARGET=1 wants one prefix. Both ENIs are full of secondary IPs: a third ENI carries it.
    name: 'ENABLE_PREFIX_DELEGATION on with 5 pods: a /28 beside the secondary IPs, on a new ENI',
    type: 'm5.large',
    pods: 5,
    from: { WARM_ENI_TARGET: '1' },
    to: { WARM_ENI_TARGET: '1', ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' },
    before: 20,
    after: 37,
  },
  {
    name: 'ENABLE_PREFIX_DELEGATION on under MINIMUM_IP_TARGET=8: the /28 fits in the primary ENI',
    type: 'm5.large',
    pods: 5,
    from: { MINIMUM_IP_TARGET: '8' },
    to: { MINIMUM_IP_TARGET: '8', ENABLE_PREFIX_DELEGATION: 'true' },
    before: 9,
    after: 25,
  },
];

for (const c of CASES) {
  test(`holding: ${c.name}`, () => {
    const node = aNode({
      ip: '10.0.1.10',
      zone: 'zone-a',
      instanceType: c.type,
      maxPods: c.type === 'm5.large' ? 29 : 58,
    });
    const model = aCluster({
      nodes: [node],
      pods: pods(node.name, c.pods),
      subnets: [subnetA],
      cniEnv: c.from,
    });
    const impact = settingsImpact({
      model,
      from: model.cni,
      to: parseCniSettings(c.to).settings,
      book: new AddressBook(),
    });
    const [only] = impact.classes;
    assert.ok(only);
    assert.deepEqual(
      { before: only.ipsBefore, after: only.ipsAfter, unserved: impact.unservedPods },
      { before: c.before, after: c.after, unserved: c.unserved ?? 0 },
    );
    const [s] = impact.subnets;
    assert.deepEqual(
      { growth: s?.growth, release: s?.release },
      { growth: Math.max(0, c.after - c.before), release: Math.max(0, c.before - c.after) },
    );
    // The what-if credit of `check --cni` counts the same nodes the same way.
    const credit = settingsCredit(
      model,
      model.cni,
      parseCniSettings(c.to).settings,
      new AddressBook(),
    );
    assert.equal(credit.get('subnet-a') ?? 0, c.before - c.after);
  });
}

test('nodes alike are judged once: 3,000 nodes of two kinds make two classes, their sums per subnet', () => {
  const nodes = [];
  const allPods = [];
  for (let i = 0; i < 3000; i++) {
    const n = aNode({
      ip: `10.0.${1 + (i % 2)}.${10 + (Math.floor(i / 2) % 200)}`,
      zone: i % 2 === 0 ? 'zone-a' : 'zone-b',
    });
    nodes.push(n);
    allPods.push(...pods(n.name, 6));
  }
  const model = aCluster({
    nodes,
    pods: allPods,
    subnets: [
      aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: 10_000 }),
      aSubnet({ id: 'subnet-b', zone: 'zone-b', cidr: '10.0.2.0/24', availableIps: 5_000 }),
    ],
    cniEnv: { MINIMUM_IP_TARGET: '8' },
  });
  const impact = settingsImpact({
    model,
    from: model.cni,
    to: parseCniSettings({ MINIMUM_IP_TARGET: '13' }).settings,
    book: new AddressBook(),
  });
  assert.equal(impact.classes.length, 2);
  assert.equal(impact.nodes, 3000);
  // m5.2xlarge with 6 pods: 9 -> 14 each.
  assert.deepEqual(
    impact.subnets.map(s => [s.id, s.growth, s.growingNodes, s.available]),
    [
      ['subnet-a', 7500, 1500, 10_000],
      ['subnet-b', 7500, 1500, 5_000],
    ],
  );
});

test('custom networking: growth lands in the ENIConfig subnet, the node subnet keeps only its node IP', () => {
  const node = aNode({ ip: '10.0.1.10', zone: 'zone-a' });
  const base = aCluster({
    nodes: [node],
    pods: pods(node.name, 6),
    subnets: [
      subnetA,
      aSubnet({ id: 'subnet-pods', zone: 'zone-a', cidr: '100.64.0.0/16', availableIps: 5000 }),
    ],
    cniEnv: { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true', MINIMUM_IP_TARGET: '8' },
  });
  const eni: EniConfig = { name: 'default', subnetId: 'subnet-pods' };
  const model = { ...base, eniConfigs: new Map([['default', eni]]) };
  const impact = settingsImpact({
    model,
    from: model.cni,
    to: parseCniSettings({ AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true', MINIMUM_IP_TARGET: '13' })
      .settings,
    book: new AddressBook(),
  });
  assert.deepEqual(
    impact.subnets.map(s => [s.id, s.growth]),
    [
      ['subnet-a', 0],
      ['subnet-pods', 5],
    ],
  );
});

test('a node whose instance type is unknown makes the change unresolvable, naming the node', () => {
  const node = aNode({ ip: '10.0.1.10', zone: 'zone-a', instanceType: 'x9.mystery' });
  const model = aCluster({ nodes: [node], subnets: [subnetA] });
  assert.throws(
    () =>
      settingsImpact({
        model,
        from: model.cni,
        to: parseCniSettings({ MINIMUM_IP_TARGET: '13' }).settings,
        book: new AddressBook(),
      }),
    (e: unknown) =>
      e instanceof UnresolvableChange &&
      e.message.includes(node.name) &&
      e.message.includes('x9.mystery'),
  );
});

test('Fargate nodes are left out: aws-node does not run there', () => {
  const ec2 = aNode({ ip: '10.0.1.10', zone: 'zone-a' });
  const fargate = {
    ...aNode({
      ip: '10.0.1.20',
      zone: 'zone-a',
      labels: { 'eks.amazonaws.com/compute-type': 'fargate' },
    }),
  };
  delete fargate.instanceType;
  const base = aCluster({ nodes: [ec2, fargate], subnets: [subnetA] });
  const awsNode = base.daemonSets.find(d => d.name === 'aws-node')!;
  const withAffinity = {
    ...awsNode,
    pod: {
      ...awsNode.pod,
      requiredNodeTerms: [
        [
          {
            key: 'eks.amazonaws.com/compute-type',
            operator: 'NotIn' as const,
            values: ['fargate'],
          },
        ],
      ],
    },
  };
  const model = {
    ...base,
    daemonSets: base.daemonSets.map(d => (d === awsNode ? withAffinity : d)),
  };
  const impact = settingsImpact({
    model,
    from: model.cni,
    to: parseCniSettings({ MINIMUM_IP_TARGET: '13' }).settings,
    book: new AddressBook(),
  });
  assert.equal(impact.nodes, 1);
});

test('a node counted from its ENIs grows from what it really holds', () => {
  const node = aNode({ ip: '10.0.1.10', zone: 'zone-a', instanceType: 'm5.large', maxPods: 29 });
  const base = aCluster({
    nodes: [node],
    pods: pods(node.name, 6),
    subnets: [subnetA],
    cniEnv: { MINIMUM_IP_TARGET: '8' },
  });
  // After some churn the node holds 2 ENIs with 12 secondary IPs (more than the model's fresh 8 on 1 ENI).
  const held = {
    enis: 2,
    poolIps: 12,
    prefixes: 0,
    branchEnis: 0,
    ips: 14,
    bySubnet: { 'subnet-a': 14 },
  };
  const model = { ...base, holdings: new Map([[node.name, held]]) };
  const impact = settingsImpact({
    model,
    from: model.cni,
    to: parseCniSettings({ MINIMUM_IP_TARGET: '13' }).settings,
    book: new AddressBook(),
  });
  // MINIMUM_IP_TARGET=13: short = 13 - 12 = 1, on the ENIs it has.
  assert.deepEqual(
    [impact.classes[0]?.ipsBefore, impact.classes[0]?.ipsAfter, impact.growth],
    [14, 15, 1],
  );
});

test('a cordoned node grows nothing: ipamd attaches nothing under node.kubernetes.io/unschedulable', () => {
  const cordoned = aNode({
    ip: '10.0.1.10',
    zone: 'zone-a',
    taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
  });
  const ready = aNode({ ip: '10.0.1.11', zone: 'zone-a' });
  const base = aCluster({
    nodes: [cordoned, ready],
    pods: [...pods(cordoned.name, 6), ...pods(ready.name, 6)],
    subnets: [subnetA],
    cniEnv: { MINIMUM_IP_TARGET: '8' },
  });
  // aws-node tolerates every taint (config/master/aws-k8s-cni.yaml: tolerations: - operator: Exists).
  const model = {
    ...base,
    daemonSets: base.daemonSets.map(d =>
      d.name === 'aws-node'
        ? { ...d, pod: { ...d.pod, tolerations: [{ operator: 'Exists' as const }] } }
        : d,
    ),
  };
  const judge = (env: Record<string, string>) =>
    settingsImpact({
      model,
      from: model.cni,
      to: parseCniSettings({ MINIMUM_IP_TARGET: '13', ...env }).settings,
      book: new AddressBook(),
    });
  // isENIAttachmentAllowed (pkg/ipamd/ipamd.go): only the ready node's 9 -> 14.
  const held = judge({});
  assert.deepEqual([held.growth, held.heldBackNodes], [5, 1]);
  // AWS_MANAGE_ENIS_NON_SCHEDULABLE=true lets ipamd grow the cordoned node too.
  const managed = judge({ AWS_MANAGE_ENIS_NON_SCHEDULABLE: 'true' });
  assert.deepEqual([managed.growth, managed.heldBackNodes], [10, 0]);
});
