import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectObjects, emptyClusterObjects } from '../../src/cluster/collect.js';
import { buildClusterModel } from '../../src/cluster/build.js';
import { parseDocuments } from '../../src/files/documents.js';
import { parseSubnets } from '../../src/cluster/aws/subnets.js';
import { InputError } from '../../src/errors.js';

const node = (
  name: string,
  ip: string,
  o: Record<string, unknown> = {},
): Record<string, unknown> => ({
  metadata: {
    name,
    labels: {
      'node.kubernetes.io/instance-type': 'm5.large',
      'topology.kubernetes.io/zone': 'us-east-1a',
      'eks.amazonaws.com/nodegroup': 'ng-1',
    },
  },
  spec: { providerID: 'aws:///us-east-1a/i-0abc1234def567890' },
  status: {
    addresses: [{ type: 'InternalIP', address: ip }],
    allocatable: { cpu: '1930m', memory: '7291052Ki', pods: '29' },
    capacity: { pods: '29' },
    conditions: [{ type: 'Ready', status: 'True' }],
  },
  ...o,
});
const pod = (
  name: string,
  nodeName: string,
  o: Record<string, unknown> = {},
  phase = 'Running',
): Record<string, unknown> => ({
  metadata: { name, namespace: 'default' },
  spec: {
    nodeName,
    containers: [{ name: 'c', resources: { requests: { cpu: '250m', memory: '64Mi' } } }],
    ...o,
  },
  status: { phase },
});

test('a PodList and NodeList whose items carry no kind, as the API sends them', () => {
  const into = emptyClusterObjects();
  collectObjects(
    [{ kind: 'NodeList', apiVersion: 'v1', items: [node('n1', '10.0.1.5')] }],
    'nodes.json',
    into,
  );
  collectObjects(
    [
      {
        kind: 'PodList',
        apiVersion: 'v1',
        items: [
          pod('a', 'n1'),
          pod('b', 'n1', { hostNetwork: true }),
          pod('c', 'n1', {}, 'Succeeded'),
          pod('d', 'n1', {
            initContainers: [{ name: 'i', resources: { requests: { cpu: '2', memory: '1Gi' } } }],
          }),
        ],
      },
    ],
    'pods.json',
    into,
  );
  const subnets = parseSubnets(
    {
      Subnets: [
        {
          SubnetId: 'subnet-1',
          AvailabilityZone: 'us-east-1a',
          CidrBlock: '10.0.1.0/24',
          AvailableIpAddressCount: 200,
        },
      ],
    },
    'subnets.json',
  );
  const model = buildClusterModel({ objects: into, subnets, instanceTypes: new Map() });
  const n = model.nodes.get('n1');
  assert.equal(n?.subnetId, 'subnet-1');
  assert.equal(n?.instanceId, 'i-0abc1234def567890');
  assert.equal(n?.nodeGroup, 'ng-1');
  assert.equal(n?.allocatable.memoryBytes, 7291052 * 1024);
  // a, d take pool addresses; b is hostNetwork; c has finished and holds nothing.
  // d's init container (2 CPU) outweighs its one 250m container.
  assert.deepEqual(n?.usage, {
    pods: 3,
    poolPods: 2,
    hostNetworkPods: 1,
    branchPods: 0,
    cpuMilli: 250 + 250 + 2000,
    memoryBytes: 3 * 64 * 1024 ** 2 + (1024 ** 3 - 64 * 1024 ** 2),
    // Every container states both requests: scoring sees the same sums.
    scoreCpuMilli: 250 + 250 + 2000,
    scoreMemoryBytes: 3 * 64 * 1024 ** 2 + (1024 ** 3 - 64 * 1024 ** 2),
  });
});

test('kubectl -o yaml with several documents and a List of mixed kinds; unknown kinds are ignored', () => {
  const yaml = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: default}
- apiVersion: apps/v1
  kind: DaemonSet
  metadata: {name: aws-node, namespace: kube-system}
  spec:
    template:
      spec:
        hostNetwork: true
        containers:
        - name: aws-node
          env:
          - {name: MINIMUM_IP_TARGET, value: "13"}
          - {name: WARM_IP_TARGET, value: "2"}
          - {name: MY_NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
---
apiVersion: crd.k8s.amazonaws.com/v1alpha1
kind: ENIConfig
metadata: {name: us-east-1a}
spec: {subnet: subnet-pods-a, securityGroups: [sg-1]}
---
apiVersion: example.com/v1
kind: Rollout
metadata: {name: not-argo}
`;
  const into = emptyClusterObjects();
  collectObjects(parseDocuments(yaml, 'cluster.yaml'), 'cluster.yaml', into);
  assert.equal(into.daemonSets.length, 1);
  assert.equal(into.eniConfigs[0]?.subnetId, 'subnet-pods-a');
  assert.equal(into.workloads.length, 0, 'a Rollout outside argoproj.io is not an Argo Rollout');
  const model = buildClusterModel({ objects: into, subnets: new Map(), instanceTypes: new Map() });
  assert.deepEqual(model.cniEnv, { MINIMUM_IP_TARGET: '13', WARM_IP_TARGET: '2' });
  assert.equal(model.cni.minimumIpTarget, 13);
});

const bad = [
  {
    doc: { kind: 'List', items: [{ kind: 'Node', metadata: {} }] },
    msg: /^f\.json: items\[0\]\.metadata\.name: missing \(Node \?\)$/,
  },
  {
    doc: {
      kind: 'NodeList',
      items: [node('n1', '10.0.0.1', { spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } })],
    },
    msg: /items\[0\]\.spec\.taints\[0\]\.effect: expected one of NoSchedule, PreferNoSchedule, NoExecute \(Node n1\)/,
  },
  {
    doc: {
      kind: 'PodList',
      items: [
        pod('p', 'n1', {
          containers: [{ name: 'c', resources: { requests: { memory: '12 GB' } } }],
        }),
      ],
    },
    msg: /items\[0\]\.spec\.containers\[0\]\.resources\.requests\.memory: not a quantity: "12 GB" \(Pod default\/p\)/,
  },
  { doc: { kind: 'List', items: ['just a string'] }, msg: /items\[0\]: expected an object/ },
  {
    doc: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', labels: { a: 1 } } },
    msg: /metadata\.labels\.a: expected a string, got 1/,
  },
] as const;
for (const b of bad) {
  test(`malformed objects name the file and field: ${b.msg.source.slice(0, 50)}`, () => {
    assert.throws(
      () => {
        collectObjects([b.doc], 'f.json', emptyClusterObjects());
      },
      (e: unknown) => e instanceof InputError && b.msg.test(e.message),
    );
  });
}

test('describe-subnets output: a bad CIDR or a missing count is named', () => {
  assert.throws(
    () =>
      parseSubnets(
        {
          Subnets: [
            {
              SubnetId: 's',
              AvailabilityZone: 'z',
              CidrBlock: '10.0.0.0/33',
              AvailableIpAddressCount: 1,
            },
          ],
        },
        'subnets.json',
      ),
    /subnets\.json: Subnets\[0\]\.CidrBlock: not an IPv4 CIDR/,
  );
  assert.throws(
    () =>
      parseSubnets(
        { Subnets: [{ SubnetId: 's', AvailabilityZone: 'z', CidrBlock: '10.0.0.0/24' }] },
        'subnets.json',
      ),
    /Subnets\[0\]\.AvailableIpAddressCount: missing/,
  );
  assert.throws(
    () => parseSubnets({ subnets: [] }, 'subnets.json'),
    /subnets\.json: Subnets: expected the output of `aws ec2 describe-subnets --output json`/,
  );
});
