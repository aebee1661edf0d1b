import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectObjects, emptyClusterObjects } from '../../../src/cluster/collect.js';
import { InputError } from '../../../src/errors.js';

function collect(items: unknown[]) {
  const into = emptyClusterObjects();
  collectObjects([{ kind: 'List', items }], 'cluster.json', into);
  return into;
}

// Shapes as `kubectl get nodepools,ec2nodeclasses,nodeclasses,nodeclaims -o json` prints them
// (kubernetes-sigs/karpenter pkg/apis/v1 nodepool.go; aws/karpenter-provider-aws pkg/apis/v1).
test('NodePool, EC2NodeClass, Auto Mode NodeClass and NodeClaim: compact projections', () => {
  const o = collect([
    {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'default' },
      spec: {
        weight: 10,
        limits: { cpu: '1000', memory: '1000Gi', nodes: '50' },
        template: {
          metadata: { labels: { team: 'a' } },
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
            requirements: [
              { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm'] },
              {
                key: 'karpenter.k8s.aws/instance-generation',
                operator: 'Gt',
                values: ['4'],
                minValues: 2,
              },
            ],
            taints: [{ key: 'dedicated', value: 'a', effect: 'NoSchedule' }],
          },
        },
      },
    },
    {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: 'default' },
      spec: {
        amiSelectorTerms: [{ alias: 'bottlerocket@latest' }],
        ipPrefixCount: 2,
        kubelet: {
          maxPods: 110,
          podsPerCore: 4,
          kubeReserved: { cpu: '100m', memory: '1Gi' },
          evictionHard: { 'memory.available': '5%' },
        },
        networkInterfaces: [
          { networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' },
          { networkCardIndex: 0, deviceIndex: 1, interfaceType: 'efa-only' },
        ],
      },
      status: { subnets: [{ id: 'subnet-1', zone: 'us-east-1a', zoneID: 'use1-az1' }] },
    },
    {
      apiVersion: 'eks.amazonaws.com/v1',
      kind: 'NodeClass',
      metadata: { name: 'default' },
      spec: {
        advancedNetworking: { ipv4PrefixSize: '32' },
        podSubnetSelectorTerms: [{ tags: { a: 'b' } }],
      },
      status: { subnets: [{ id: 'subnet-2', zone: 'us-east-1b' }] },
    },
    {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodeClaim',
      metadata: { name: 'default-abc', labels: { 'karpenter.sh/nodepool': 'default' } },
      status: { capacity: { cpu: '2', memory: '8Gi' } },
    },
    // Same kinds in other groups are not Karpenter's.
    { apiVersion: 'example.com/v1', kind: 'NodePool', metadata: { name: 'other' }, spec: {} },
  ]);
  assert.deepEqual(o.nodePools, [
    {
      name: 'default',
      weight: 10,
      requirements: [
        { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm'] },
        {
          key: 'karpenter.k8s.aws/instance-generation',
          operator: 'Gt',
          values: ['4'],
          minValues: 2,
        },
      ],
      labels: { team: 'a' },
      taints: [{ key: 'dedicated', value: 'a', effect: 'NoSchedule' }],
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
      limits: { cpuMilli: 1_000_000, memoryBytes: 1000 * 1024 ** 3, nodes: 50 },
    },
  ]);
  assert.deepEqual(o.ec2NodeClasses, [
    {
      name: 'default',
      subnets: [{ id: 'subnet-1', zone: 'us-east-1a', zoneId: 'use1-az1' }],
      amiFamily: 'Bottlerocket',
      maxPods: 110,
      podsPerCore: 4,
      ipPrefixCount: 2,
      efaOnlyInterfaces: 1,
      kubeReserved: { cpuMilli: 100, memoryBytes: 1024 ** 3 },
      systemReserved: {},
      evictionHardMemory: { percent: 5 },
    },
  ]);
  assert.deepEqual(o.autoModeNodeClasses, [
    {
      name: 'default',
      subnets: [{ id: 'subnet-2', zone: 'us-east-1b' }],
      ipv4PrefixSize: '32',
      separatePodSubnets: true,
    },
  ]);
  assert.deepEqual(o.nodeClaims, [
    {
      name: 'default-abc',
      nodePool: 'default',
      capacity: { cpuMilli: 2000, memoryBytes: 8 * 1024 ** 3 },
      labels: { 'karpenter.sh/nodepool': 'default' },
    },
  ]);
});

test('a CEL maxPods is kept as an expression, not read as a number', () => {
  const o = collect([
    {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: 'cel' },
      spec: { kubelet: { maxPods: '((default_enis - 1) * (ips_per_eni - 1)) + 2' } },
    },
  ]);
  assert.equal(o.ec2NodeClasses?.[0]?.maxPods, undefined);
  assert.equal(
    o.ec2NodeClasses?.[0]?.maxPodsExpression,
    '((default_enis - 1) * (ips_per_eni - 1)) + 2',
  );
});

test('bad NodePool input names the file and field', () => {
  assert.throws(
    () =>
      collect([
        {
          apiVersion: 'karpenter.sh/v1',
          kind: 'NodePool',
          metadata: { name: 'bad' },
          spec: {
            weight: 500,
            template: { spec: { nodeClassRef: { group: 'g', kind: 'k', name: 'n' } } },
          },
        },
      ]),
    (e: unknown) => e instanceof InputError && /cluster\.json.*weight.*at most 100/.test(e.message),
  );
  assert.throws(
    () =>
      collect([
        {
          apiVersion: 'karpenter.sh/v1',
          kind: 'NodePool',
          metadata: { name: 'bad' },
          spec: { template: { spec: {} } },
        },
      ]),
    (e: unknown) => e instanceof InputError && /nodeClassRef/.test(e.message),
  );
});
