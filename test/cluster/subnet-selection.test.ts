import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Subnet } from '../../src/cluster/model.js';
import { selectSubnets, type Ec2Demand } from '../../src/cluster/aws/subnet-selection.js';
import { aCluster, aNode } from '../helpers/builders.js';

function subnet(
  id: string,
  cidr: string,
  vpcId: string,
  zone: string,
  tags: Record<string, string> = {},
): Subnet {
  return { id, cidr, vpcId, zone, availableIps: 100, tags };
}

const all: Subnet[] = [
  subnet('subnet-a', '10.0.1.0/24', 'vpc-1', 'us-east-1a'),
  subnet('subnet-b', '10.0.2.0/24', 'vpc-1', 'us-east-1b'),
  subnet('subnet-cni', '100.64.0.0/16', 'vpc-1', 'us-east-1a', { 'kubernetes.io/role/cni': '1' }),
  subnet('subnet-public', '10.0.100.0/24', 'vpc-1', 'us-east-1a', {
    'kubernetes.io/cluster/shop': 'shared',
    'kubernetes.io/role/elb': '1',
  }),
  subnet('subnet-spare', '10.0.3.0/24', 'vpc-1', 'us-east-1c', {
    'kubernetes.io/cluster/shop': 'shared',
  }),
  subnet('subnet-db', '10.0.50.0/24', 'vpc-1', 'us-east-1a'),
  // Another VPC reusing the same CIDR.
  subnet('subnet-other', '10.0.1.0/24', 'vpc-2', 'us-east-1a', { 'kubernetes.io/cni': '1' }),
  subnet('subnet-other-cni', '100.64.0.0/16', 'vpc-2', 'us-east-1a', {
    'kubernetes.io/role/cni': '1',
  }),
];

function demand(over: Partial<Ec2Demand> = {}): Ec2Demand {
  return {
    nodes: [
      { ip: '10.0.1.10', zone: 'us-east-1a' },
      { ip: '10.0.2.10', zone: 'us-east-1b' },
    ],
    instanceTypes: [],
    instanceIds: [],
    eniConfigSubnetIds: [],
    ...over,
  };
}

test("selects the nodes' subnets, CNI- and cluster-tagged subnets of their VPC, never public ELB subnets", () => {
  const s = selectSubnets(all, demand({ vpcId: 'vpc-1' }), 'shop');
  assert.deepStrictEqual(
    [...s.selected.keys()],
    ['subnet-a', 'subnet-b', 'subnet-cni', 'subnet-spare'],
  );
  assert.deepStrictEqual(s.vpcIds, ['vpc-1']);
  assert.deepStrictEqual(s.uncoveredIps, []);
});

test('a CIDR used in two VPCs resolves to the VPC aws-node names', () => {
  const s = selectSubnets(all, demand({ vpcId: 'vpc-2', nodes: [{ ip: '10.0.1.10' }] }), undefined);
  assert.deepStrictEqual([...s.selected.keys()], ['subnet-other', 'subnet-other-cni']);
});

test('adds ENIConfig subnets and reports what it cannot find', () => {
  const s = selectSubnets(
    all,
    demand({
      nodes: [{ ip: '10.0.1.10' }, { ip: '192.168.0.1' }],
      eniConfigSubnetIds: ['subnet-db', 'subnet-gone'],
    }),
    undefined,
  );
  assert.ok(s.selected.has('subnet-db'));
  assert.deepStrictEqual(s.uncoveredIps, ['192.168.0.1']);
  assert.deepStrictEqual(s.missingEniConfigSubnets, ['subnet-gone']);
});

test('the model attributes a node to the same subnet the live selection picks, CIDR reuse included', () => {
  const nodes = [aNode({ name: 'n1', ip: '10.0.1.10', zone: 'us-east-1a' })];
  for (const env of [
    { VPC_ID: 'vpc-1' },
    { VPC_ID: 'vpc-2' },
    { CLUSTER_NAME: 'shop' },
    {},
  ] as Record<string, string>[]) {
    const model = aCluster({ nodes, subnets: all, cniEnv: env });
    const d = demand({
      nodes: [{ ip: '10.0.1.10', zone: 'us-east-1a' }],
      ...(env.VPC_ID !== undefined && { vpcId: env.VPC_ID }),
      ...(env.CLUSTER_NAME !== undefined && { clusterName: env.CLUSTER_NAME }),
    });
    const live = selectSubnets(all, d, undefined);
    const fromFiles = model.nodes.get('n1')?.subnetId;
    assert.ok(fromFiles !== undefined && live.selected.has(fromFiles), JSON.stringify(env));
    if (env.VPC_ID === 'vpc-2') assert.equal(fromFiles, 'subnet-other');
    else assert.equal(fromFiles, 'subnet-a', JSON.stringify(env));
  }
});
