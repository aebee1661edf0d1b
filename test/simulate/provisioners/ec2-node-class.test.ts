import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ec2TypeCapacity,
  eniLimitedPods,
  karpenterPods,
  kubeReservedCpuMilli,
} from '../../../src/simulate/provisioners/ec2-node-class.js';
import { parseInstanceTypes } from '../../../src/cluster/aws/instance-types.js';
import type { Ec2NodeClass } from '../../../src/cluster/model.js';
import { describeInstanceTypes } from '../../helpers/karpenter.js';
import { builtinInstanceLimits } from '../../../src/cni/builtin-instance-limits.js';

const types = parseInstanceTypes(
  describeInstanceTypes(['t3.large', 'm5.large', 'm5.xlarge', 'm5.24xlarge', 'm6g.large']),
  'instance-types.json',
);
const limits = (name: string) => {
  const l = types.get(name);
  assert.ok(l);
  return l;
};
const al2023: Ec2NodeClass = {
  name: 'default',
  subnets: [],
  amiFamily: 'AL2023',
  efaOnlyInterfaces: 0,
  kubeReserved: {},
  systemReserved: {},
};
const MiB = 1024 * 1024;

// Values from aws/karpenter-provider-aws pkg/providers/instancetype/suite_test.go @1d927085.
test('pods capacity as Karpenter computes it', () => {
  const cases: [string, string, Partial<Ec2NodeClass>, number, number][] = [
    // "should default max pods based off of network interfaces": t3.large is 35.
    ['ENI-limited default', 't3.large', {}, 0, 35],
    // "should reserve ENIs when aws.reservedENIs is set and not go below 0 ENIs in max-pods calculation".
    ['reserved ENIs past the ENIs: 0', 't3.large', {}, 1_000_000, 0],
    // "should set max-pods to user-defined value if specified".
    ['kubelet maxPods wins', 't3.large', { maxPods: 10 }, 0, 10],
    // "should override pods-per-core value": min(vCPUs x 1, ENI-limited).
    ['podsPerCore 1', 't3.large', { podsPerCore: 1 }, 0, 2],
    // "should take the minimum of pods-per-core and max-pods": min(20, vCPUs x 4).
    ['podsPerCore and maxPods', 'm5.xlarge', { podsPerCore: 4, maxPods: 20 }, 0, 16],
    // "should ignore pods-per-core when using Bottlerocket AMI".
    [
      'Bottlerocket ignores podsPerCore',
      't3.large',
      { amiFamily: 'Bottlerocket', podsPerCore: 1 },
      0,
      35,
    ],
    // "should take limited pod density to be the default pods number when pods-per-core is 0".
    ['podsPerCore 0', 't3.large', { podsPerCore: 0 }, 0, 35],
    // "should set pods to 110 if AMI Family doesn't support" (Windows).
    ['Windows: 110', 't3.large', { amiFamily: 'Windows2022' }, 0, 110],
    ['custom networking, RESERVED_ENIS=1', 'm5.large', {}, 1, 20],
    ['EFA-only interface on card 0', 'm5.large', { efaOnlyInterfaces: 1 }, 0, 20],
  ];
  for (const [name, type, nc, reserved, pods] of cases) {
    assert.equal(karpenterPods(limits(type), { ...al2023, ...nc }, reserved), pods, name);
  }
  assert.equal(eniLimitedPods(limits('m5.24xlarge'), 0, 0), 737);
});

test('kube-reserved, eviction and VM overhead as Karpenter computes them', () => {
  // "Kube Reserved Resources … should use defaults when no kubelet is specified": m5.xlarge 80m, 893Mi.
  assert.equal(kubeReservedCpuMilli(4), 80);
  const c = ec2TypeCapacity('m5.xlarge', limits('m5.xlarge'), al2023, 0);
  assert.ok(c);
  assert.equal(c.pods, 58);
  assert.equal(c.cpuMilli, 4000);
  assert.equal(c.allocatable.cpuMilli, 3920);
  // 16384 MiB less ceil(7.5%) = 15155 MiB; less kube-reserved 11 x 58 + 255 = 893 MiB; less eviction 100 MiB.
  assert.equal(c.memoryBytes, 15155 * MiB);
  assert.equal(c.allocatable.memoryBytes, (15155 - 893 - 100) * MiB);
  // Bottlerocket counts kube-reserved memory on pods(), here a kubelet maxPods of 20: 11 x 20 + 255.
  const br = ec2TypeCapacity(
    'm5.xlarge',
    limits('m5.xlarge'),
    { ...al2023, amiFamily: 'Bottlerocket', maxPods: 20 },
    0,
  );
  assert.equal(br?.allocatable.memoryBytes, (15155 - 475 - 100) * MiB);
  // Overrides: kubeReserved, systemReserved, evictionHard as a percentage.
  const custom = ec2TypeCapacity(
    'm5.xlarge',
    limits('m5.xlarge'),
    {
      ...al2023,
      kubeReserved: { cpuMilli: 200, memoryBytes: 1024 * MiB },
      systemReserved: { cpuMilli: 100, memoryBytes: 512 * MiB },
      evictionHardMemory: { percent: 10 },
    },
    0,
  );
  assert.equal(custom?.allocatable.cpuMilli, 3700);
  assert.equal(
    custom?.allocatable.memoryBytes,
    15155 * MiB - 1536 * MiB - Math.ceil(15155 * MiB * 0.1),
  );
  // Graviton: 64 MiB less before the VM overhead.
  assert.equal(
    ec2TypeCapacity('m6g.large', limits('m6g.large'), al2023, 0)?.memoryBytes,
    (8128 - Math.ceil(8128 * 0.075)) * MiB,
  );
});

test('a type with no memory figure cannot be sized: no capacity, never a zero', () => {
  const noMemory: { memoryMiB?: number } & ReturnType<typeof limits> = { ...limits('m5.large') };
  delete noMemory.memoryMiB;
  assert.equal(ec2TypeCapacity('m5.large', noMemory, al2023, 0), undefined);
});

// aws/karpenter-provider-aws website/content/en/preview/reference/instance-types.md @1d927085, generated
// by hack/docs/instancetypes_gen with amiFamily AL2023 and default settings: each type's allocatable cpu,
// memory and pods. The types come from the bundled table alone, so a NodePool with no nodes and no
// instance-types file is sized as Karpenter sizes it.
test("types from the bundled table alone are sized as Karpenter's instance-type reference shows", () => {
  const table = builtinInstanceLimits();
  const cases: [string, number, number, number][] = [
    ['a1.medium', 940, 1392, 8],
    ['c5.metal', 95690, 173400, 737],
    ['c6g.large', 1930, 3055, 29],
    ['m5.large', 1930, 6903, 29],
    ['m5.24xlarge', 95690, 355262, 737],
    ['m7g.16xlarge', 63770, 233962, 737],
    // Several network cards: pods count the default card's ENIs only.
    ['m6idn.32xlarge', 127610, 480277, 394],
    ['p5.48xlarge', 191450, 1938410, 100],
    ['r6i.32xlarge', 127610, 961470, 737],
    ['t3.micro', 1930, 548, 4],
    ['t3.large', 1930, 6837, 35],
    ['t4g.small', 1930, 1359, 11],
  ];
  for (const [type, cpuMilli, memoryMiB, pods] of cases) {
    const l = table.get(type);
    assert.ok(l, type);
    const c = ec2TypeCapacity(type, l, al2023, 0);
    assert.deepStrictEqual(
      c && {
        cpuMilli: c.allocatable.cpuMilli,
        memoryMiB: c.allocatable.memoryBytes / MiB,
        pods: c.pods,
      },
      { cpuMilli, memoryMiB, pods },
      type,
    );
  }
});
