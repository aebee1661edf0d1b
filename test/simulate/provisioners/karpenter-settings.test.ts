import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressBook } from '../../../src/simulate/address-book.js';
import { simulate } from '../../../src/simulate/simulate.js';
import {
  DEFAULT_KARPENTER_SETTINGS,
  karpenterSettings,
} from '../../../src/simulate/provisioners/karpenter-settings.js';
import { ec2TypeCapacity } from '../../../src/simulate/provisioners/ec2-node-class.js';
import { parseInstanceTypes } from '../../../src/cluster/aws/instance-types.js';
import type { Ec2NodeClass } from '../../../src/cluster/model.js';
import { GiB, aPodShape, aSubnet, aWorkload } from '../../helpers/builders.js';
import {
  awsNodeDaemonSet,
  describeInstanceTypes,
  ec2NodeClass,
  karpenterCluster,
  karpenterController,
  nodePool,
} from '../../helpers/karpenter.js';

const subnet = aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.0.0/20', availableIps: 4000 });
const t3Pool = nodePool({
  name: 'burst',
  requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['t3.large'] }],
});

function modelWith(controller?: Record<string, unknown>) {
  return karpenterCluster(
    [
      awsNodeDaemonSet(),
      t3Pool,
      ec2NodeClass('default', [{ id: 'subnet-a', zone: 'zone-a' }]),
      ...(controller ? [controller] : []),
    ],
    [subnet],
  );
}

test("the controller's settings come from its Deployment's env, the defaults otherwise", () => {
  assert.deepStrictEqual(karpenterSettings(modelWith()), DEFAULT_KARPENTER_SETTINGS);
  const s = karpenterSettings(
    modelWith(
      karpenterController({
        RESERVED_ENIS: '1',
        VM_MEMORY_OVERHEAD_PERCENT: '0.05',
        MIN_VALUES_POLICY: 'BestEffort',
      }),
    ),
  );
  assert.equal(s.deployment, 'kube-system/karpenter');
  assert.equal(s.reservedEnis, 1);
  assert.equal(s.vmMemoryOverheadPercent, 0.05);
  assert.equal(s.minValuesPolicy, 'BestEffort');
});

test('settings that do not parse are the defaults, as the controller takes them, and said so', () => {
  const cases: [string, Record<string, string | { valueFrom: unknown }>, RegExp][] = [
    ['not a number', { RESERVED_ENIS: 'one' }, /RESERVED_ENIS="one" is not a count of ENIs/],
    ['a fraction of 1 or more', { VM_MEMORY_OVERHEAD_PERCENT: '7.5' }, /not a fraction below 1/],
    ['an unknown policy', { MIN_VALUES_POLICY: 'Lax' }, /neither Strict nor BestEffort/],
    [
      'from a ConfigMap',
      { RESERVED_ENIS: { valueFrom: { configMapKeyRef: { name: 'k', key: 'enis' } } } },
      /RESERVED_ENIS comes from a ConfigMap or Secret ipguard does not read/,
    ],
  ];
  for (const [name, env, note] of cases) {
    const s = karpenterSettings(modelWith(karpenterController(env)));
    assert.equal(s.reservedEnis, 0, name);
    assert.equal(s.vmMemoryOverheadPercent, 0.075, name);
    assert.equal(s.minValuesPolicy, 'Strict', name);
    assert.match(s.notes.join('\n'), note, name);
  }
});

// aws/karpenter-provider-aws pkg/providers/instancetype/suite_test.go @1d927085, "should reserve ENIs when
// aws.reservedENIs is set and use it in max-pods calculation": t3.large (3 ENIs of 12) with
// RESERVED_ENIS=1 has 24 pods; kube-reserved memory stays on 35 pods where the family uses the
// ENI-limited overhead, and follows the pods elsewhere.
test('RESERVED_ENIS in pods capacity and kube-reserved, per AMI family', () => {
  const t3 = parseInstanceTypes(describeInstanceTypes(['t3.large']), 'f').get('t3.large');
  assert.ok(t3);
  const MiB = 1024 * 1024;
  const cases: [string, number, number][] = [
    ['AL2', 24, 640],
    ['AL2023', 24, 640],
    ['Bottlerocket', 24, 519],
    ['Windows2019', 110, 1465],
    ['Windows2022', 110, 1465],
    ['Windows2025', 110, 1465],
    ['Custom', 24, 640],
  ];
  for (const [amiFamily, pods, kubeReservedMiB] of cases) {
    const nc: Ec2NodeClass = {
      name: 'default',
      subnets: [],
      amiFamily,
      efaOnlyInterfaces: 0,
      kubeReserved: {},
      systemReserved: {},
    };
    const c = ec2TypeCapacity('t3.large', t3, nc, 1);
    assert.ok(c);
    assert.equal(c.pods, pods, amiFamily);
    // Allocatable memory is capacity less kube-reserved and the 100 MiB eviction threshold.
    assert.equal(
      (c.memoryBytes - c.allocatable.memoryBytes) / MiB - 100,
      kubeReservedMiB,
      amiFamily,
    );
  }
});

test('RESERVED_ENIS read from the controller lowers max pods on new nodes, so more of them launch', () => {
  const small = aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas: 60,
    pod: aPodShape({ requests: { cpuMilli: 10, memoryBytes: GiB / 16 } }),
  });
  const run = (controller?: Record<string, unknown>) =>
    simulate({
      model: modelWith(controller),
      change: { desired: small, replicaSets: [], nowMs: 0 },
      book: new AddressBook(),
    });
  const plain = run(karpenterController());
  const reserved = run(karpenterController({ RESERVED_ENIS: '1' }));
  assert.equal(plain.typicalNode?.maxPods, 35);
  assert.equal(reserved.typicalNode?.maxPods, 24);
  // aws-node takes one pod slot on each node: 34 workload pods per node, then 23.
  assert.equal(plain.newNodes, 2);
  assert.equal(reserved.newNodes, 3);
  assert.match(reserved.notes.join('\n'), /RESERVED_ENIS=1, so each type's ENI-limited max pods/);
  assert.match(
    run().notes.join('\n'),
    /Karpenter controller Deployment is not in the inputs: RESERVED_ENIS, VM_MEMORY_OVERHEAD_PERCENT/,
  );
});

test('VM_MEMORY_OVERHEAD_PERCENT read from the controller sizes memory', () => {
  const big = aWorkload({
    kind: 'Deployment',
    name: 'mem',
    replicas: 1,
    // t3.large: 8192 MiB less 7.5 % is 7577 MiB, less 640 kube-reserved and 100 eviction: 6837 MiB.
    // With 2 % overhead: 8028 - 740 = 7288 MiB allocatable.
    pod: aPodShape({ requests: { cpuMilli: 100, memoryBytes: 7000 * 1024 * 1024 } }),
  });
  const run = (controller?: Record<string, unknown>) =>
    simulate({
      model: modelWith(controller),
      change: { desired: big, replicaSets: [], nowMs: 0 },
      book: new AddressBook(),
    });
  assert.equal(run().newNodes, 0, 'too big for t3.large at the default 7.5 %');
  assert.equal(run(karpenterController({ VM_MEMORY_OVERHEAD_PERCENT: '0.02' })).newNodes, 1);
});
