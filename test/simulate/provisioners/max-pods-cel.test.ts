import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateMaxPods, parseMaxPods } from '../../../src/simulate/provisioners/max-pods-cel.js';
import { AddressBook } from '../../../src/simulate/address-book.js';
import { simulate } from '../../../src/simulate/simulate.js';
import { aPodShape, aSubnet, aWorkload } from '../../helpers/builders.js';
import {
  awsNodeDaemonSet,
  ec2NodeClass,
  karpenterCluster,
  karpenterController,
  nodePool,
} from '../../helpers/karpenter.js';

// m5.large as the variables of aws/karpenter-provider-aws pkg/cel/environment.go name it.
const m5Large = {
  vcpus: 2,
  memory_mib: 8192,
  default_enis: 3,
  ips_per_eni: 10,
  max_pods: 29,
  instance_type: 'm5.large',
};

test('maxPods expressions evaluate per type as CEL does', () => {
  const cases: [string, number][] = [
    ['min(20, max_pods)', 20],
    ['max(110, max_pods)', 110],
    ['default_enis * (ips_per_eni - 1) + 2', 29],
    ['vcpus > 4 ? 110 : max_pods', 29],
    ['instance_type == "m5.large" ? 17 : max_pods', 17],
    ['memory_mib / 1024 * 2 + 7 % 4', 19],
    ['-(-max_pods)', 29],
    ['vcpus >= 2 && !(default_enis < 3) || false ? 1 : 2', 1],
  ];
  for (const [src, want] of cases) {
    const parsed = parseMaxPods(src);
    assert.ok(!('error' in parsed), src);
    assert.equal(evaluateMaxPods(parsed, m5Large), want, src);
  }
});

test('what ipguard cannot evaluate, or what is no max pods, is an error, never a number', () => {
  for (const src of [
    'instance_type.startsWith("m5")',
    'max_pods * 1.5',
    'foo + 1',
    'min(1)',
    '(1',
  ]) {
    assert.ok('error' in parseMaxPods(src), src);
  }
  for (const src of ['max_pods / (vcpus - 2)', 'max_pods - 100', 'vcpus > 1', 'instance_type']) {
    const parsed = parseMaxPods(src);
    assert.ok(!('error' in parsed), src);
    assert.equal(typeof evaluateMaxPods(parsed, m5Large), 'object', src);
  }
});

const subnet = aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.0.0/20', availableIps: 4000 });
const pool = nodePool({
  name: 'apps',
  requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }],
});

/** One pod of a new Deployment, placed on the model: it takes a new node from the pool. */
function oneWebPod(model: Parameters<typeof simulate>[0]['model']): ReturnType<typeof simulate> {
  return simulate({
    model,
    change: {
      desired: aWorkload({ kind: 'Deployment', name: 'web', replicas: 1, pod: aPodShape() }),
      replicaSets: [],
      nowMs: 0,
    },
    book: new AddressBook(),
  });
}

function run(maxPods: string, gates?: string) {
  const model = karpenterCluster(
    [
      awsNodeDaemonSet(),
      pool,
      ec2NodeClass('default', [{ id: 'subnet-a', zone: 'zone-a' }], { kubelet: { maxPods } }),
      karpenterController(gates === undefined ? {} : { AWS_FEATURE_GATES: gates }),
    ],
    [subnet],
  );
  return oneWebPod(model);
}

test('a CEL maxPods counts only with the NodeClassCEL gate, as in resolveMaxPods', () => {
  const on = run('min(20, max_pods)', 'NodeClassCEL=true');
  assert.equal(on.typicalNode?.maxPods, 20);
  assert.match(on.notes.join('\n'), /maxPods is the CEL expression "min\(20, max_pods\)"/);
  const off = run('min(20, max_pods)');
  assert.equal(off.typicalNode?.maxPods, 29, 'gate off: the AMI family default');
  assert.match(
    off.notes.join('\n'),
    /Karpenter ignores unless AWS_FEATURE_GATES has NodeClassCEL=true/,
  );
  const unknown = run('instance_type.startsWith("m") ? 20 : 30', 'NodeClassCEL=true');
  assert.equal(unknown.newNodes, 0);
  assert.match(
    JSON.stringify(unknown.unresolved),
    /CEL expression .* which ipguard cannot evaluate/,
  );
});

test('a type the expression fails on is left out, and named', () => {
  const both = nodePool({
    name: 'apps',
    requirements: [
      {
        key: 'node.kubernetes.io/instance-type',
        operator: 'In',
        values: ['m5.large', 'm5.xlarge'],
      },
    ],
  });
  const model = karpenterCluster(
    [
      awsNodeDaemonSet(),
      both,
      ec2NodeClass('default', [{ id: 'subnet-a', zone: 'zone-a' }], {
        kubelet: { maxPods: 'max_pods / (vcpus - 2)' },
      }),
      karpenterController({ AWS_FEATURE_GATES: 'NodeClassCEL=true' }),
    ],
    [subnet],
  );
  const sim = oneWebPod(model);
  // m5.xlarge: 58 / (4 - 2) = 29; m5.large divides by zero.
  assert.equal(sim.typicalNode?.instanceType, 'm5.xlarge');
  assert.equal(sim.typicalNode?.maxPods, 29);
  const text = sim.notes.join('\n');
  assert.match(text, /maxPods expression fails on 1 allowed types \(m5\.large: division by zero\)/);
  assert.doesNotMatch(text, /no vCPU or memory figure/);
});
