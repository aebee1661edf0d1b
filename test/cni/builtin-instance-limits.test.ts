import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BUILTIN_INSTANCE_LIMITS_SOURCE,
  builtinInstanceLimits,
} from '../../src/cni/builtin-instance-limits.js';
import { eksMaxPods } from '../../src/cni/max-pods.js';
import { eniMaxPodsTable } from '../helpers/fixtures.js';

const table = builtinInstanceLimits();
const reference = eniMaxPodsTable();

test('the bundled table records the upstream file and commit it was generated from', () => {
  const { limits } = BUILTIN_INSTANCE_LIMITS_SOURCE;
  assert.equal(limits.repository, 'aws/amazon-vpc-cni-k8s');
  assert.equal(limits.path, 'pkg/vpc/vpc_ip_resource_limit.go');
  assert.match(limits.commit, /^[0-9a-f]{40}$/);
});

test('the bundled table knows every type of the independent eni-max-pods reference, and no other', () => {
  assert.equal(table.size, reference.length);
  for (const row of reference) assert.ok(table.has(row.instanceType), row.instanceType);
});

test('for every type it agrees with the reference: ENIs, IPv4 per ENI, vCPUs, prefixes, branch ENIs', () => {
  for (const row of reference) {
    const l = table.get(row.instanceType);
    assert.ok(l);
    const got = {
      maxEnis: l.maxEnis,
      ipv4PerEni: l.ipv4PerEni,
      // Where the reference has no vCPU figure the table may know it from Karpenter's reference.
      vcpus: row.vcpus === undefined ? undefined : l.vcpus,
      pdCapable: l.prefixDelegationSupported === true ? 1 : 0,
      maxBranchEnis: l.maxBranchEnis,
    };
    const want = {
      maxEnis: row.maxEnis,
      ipv4PerEni: row.ipv4PerEni,
      vcpus: row.vcpus,
      pdCapable: row.pdCapable,
      maxBranchEnis: row.maxBranchEnis,
    };
    assert.deepStrictEqual(got, want, row.instanceType);
  }
});

test("its uncapped max pods is misc/eni-max-pods.txt's figure for all 1391 types", () => {
  const wrong = reference.filter(
    r => eksMaxPods(table.get(r.instanceType)!, { showMaxAllowed: true }) !== r.expectedMaxPods,
  );
  assert.deepStrictEqual(
    wrong.map(r => r.instanceType),
    [],
  );
});

test('unknown facts stay unknown: no type claims zero vCPUs or zero memory', () => {
  for (const l of table.values()) {
    assert.notEqual(l.vcpus, 0, l.instanceType);
    assert.notEqual(l.memoryMiB, 0, l.instanceType);
    assert.ok(l.maxEnis >= 1 && l.ipv4PerEni >= 1, l.instanceType);
  }
});

// Values from aws/karpenter-provider-aws pkg/fake/zz_generated.describe_instance_types.go @1d927085
// (MemoryInfo.SizeInMiB, VCpuInfo.DefaultVCpus as EC2 answered the generator): independent of the
// instance-type reference pages the table's memory was generated from.
test("memory and vCPUs agree with Karpenter's recorded DescribeInstanceTypes answers", () => {
  const cases: [string, number, number][] = [
    ['c6g.large', 2, 4096],
    ['g4ad.16xlarge', 64, 262144],
    ['g4dn.8xlarge', 32, 131072],
    ['g5.12xlarge', 48, 196608],
    ['inf2.24xlarge', 96, 393216],
    ['inf2.xlarge', 4, 16384],
    ['m5.large', 2, 8192],
    ['m5.metal', 96, 393216],
    ['m5.xlarge', 4, 16384],
    ['m6idn.32xlarge', 128, 524288],
    ['m7i-flex.large', 2, 8192],
    ['p5.48xlarge', 192, 2097152],
    ['t3.large', 2, 8192],
    ['t4g.medium', 2, 4096],
    ['t4g.small', 2, 2048],
    ['t4g.xlarge', 4, 16384],
    ['trn1.2xlarge', 8, 32768],
  ];
  for (const [type, vcpus, memoryMiB] of cases) {
    const l = table.get(type);
    assert.deepStrictEqual(
      { vcpus: l?.vcpus, memoryMiB: l?.memoryMiB },
      { vcpus, memoryMiB },
      type,
    );
  }
});

test('memory comes with its provenance, and the types without it are named', () => {
  const { memory } = BUILTIN_INSTANCE_LIMITS_SOURCE as { memory?: Record<string, unknown> };
  assert.equal(memory?.repository, 'aws/karpenter-provider-aws');
  assert.match(String(memory?.commit), /^[0-9a-f]{40}$/);
  const unsized = [...table.values()].filter(l => l.memoryMiB === undefined);
  assert.equal(memory?.types, table.size - unsized.length);
  // Types Karpenter's reference never listed (mac, high-memory u-*, retired ones): an instance-types
  // file sizes them; until then they stay unknown, never zero.
  assert.deepStrictEqual(unsized.map(l => l.instanceType).sort(), [
    'bmn-sf1.metal',
    'c5a.metal',
    'c5ad.metal',
    'c7i.32xlarge',
    'cr1.8xlarge',
    'hs1.8xlarge',
    'mac-m3ultra.metal',
    'mac-m4.metal',
    'mac-m4max.metal',
    'mac-m4pro.metal',
    'mac1.metal',
    'mac2-m1ultra.metal',
    'mac2-m2.metal',
    'mac2-m2pro.metal',
    'mac2.metal',
    'trn2.3xlarge',
    'u-12tb1.metal',
    'u-18tb1.metal',
    'u-24tb1.metal',
    'u-6tb1.metal',
    'u-9tb1.metal',
  ]);
});
