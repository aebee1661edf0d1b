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
      vcpus: l.vcpus,
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
