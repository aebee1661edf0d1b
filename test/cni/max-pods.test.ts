import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { eksMaxPods } from '../../src/cni/max-pods.js';
import { parseInstanceTypes } from '../../src/cluster/aws/instance-types.js';
import { eniMaxPodsTable } from '../helpers/fixtures.js';
import { describeInstanceTypesEntry } from '../helpers/instance-types.js';

// Every instance type the VPC CNI knows (pkg/vpc/vpc_ip_resource_limit.go), parsed from the
// describe-instance-types shape, must give the value in the CNI's misc/eni-max-pods.txt.
test('--show-max-allowed equals eni-max-pods.txt for all 1391 instance types', () => {
  const rows = eniMaxPodsTable();
  assert.equal(rows.length, 1391);
  const limits = parseInstanceTypes(
    { InstanceTypes: rows.map(describeInstanceTypesEntry) },
    'table',
  );
  const wrong: string[] = [];
  for (const row of rows) {
    const l = limits.get(row.instanceType);
    assert.ok(l, row.instanceType);
    const got = eksMaxPods(l, { showMaxAllowed: true });
    if (got !== row.expectedMaxPods)
      wrong.push(`${row.instanceType}: ${got} != ${row.expectedMaxPods}`);
  }
  assert.deepEqual(wrong, []);
});

// The calculator's worked values (notes §6, applying max-pods-calculator.sh by hand).
const t3small = { maxEnis: 3, ipv4PerEni: 4, vcpus: 2, nitro: true };
const m5large = { maxEnis: 3, ipv4PerEni: 10, vcpus: 2, nitro: true };
const m58xl = { maxEnis: 8, ipv4PerEni: 30, vcpus: 32, nitro: true };
const m524xl = { maxEnis: 15, ipv4PerEni: 50, vcpus: 96, nitro: true };
const cases = [
  { name: 't3.small secondary IPs', l: t3small, o: {}, expect: 11 },
  {
    name: 't3.small prefix delegation, allowed',
    l: t3small,
    o: { prefixDelegation: true, showMaxAllowed: true },
    expect: 146,
  },
  {
    name: 't3.small prefix delegation, recommended (2 vCPUs: 110)',
    l: t3small,
    o: { prefixDelegation: true },
    expect: 110,
  },
  { name: 'm5.large custom networking', l: m5large, o: { customNetworking: true }, expect: 20 },
  {
    name: 'm5.large prefix delegation, allowed',
    l: m5large,
    o: { prefixDelegation: true, showMaxAllowed: true },
    expect: 434,
  },
  {
    name: 'm5.large prefix delegation, recommended',
    l: m5large,
    o: { prefixDelegation: true },
    expect: 110,
  },
  { name: 'm5.8xlarge: 32 vCPUs > 30, cap 250 does not bite', l: m58xl, o: {}, expect: 234 },
  { name: 'm5.24xlarge secondary IPs, recommended 250', l: m524xl, o: {}, expect: 250 },
  {
    name: 'm5.24xlarge secondary IPs, allowed',
    l: m524xl,
    o: { showMaxAllowed: true },
    expect: 737,
  },
  { name: 'm5.large --cni-max-eni 2', l: m5large, o: { maxEni: 2 }, expect: 20 },
  {
    name: 'm5.large --cni-max-eni above the limit changes nothing',
    l: m5large,
    o: { maxEni: 9 },
    expect: 29,
  },
  {
    name: 'm5.large custom networking and --cni-max-eni 2',
    l: m5large,
    o: { customNetworking: true, maxEni: 2 },
    expect: 11,
  },
  {
    name: 'prefix formula only on Nitro (xen c4.large)',
    l: { maxEnis: 3, ipv4PerEni: 10, vcpus: 2, nitro: false },
    o: { prefixDelegation: true },
    expect: 29,
  },
  {
    name: '30 vCPUs is not above 30: cap 110',
    l: { maxEnis: 8, ipv4PerEni: 30, vcpus: 30 },
    o: {},
    expect: 110,
  },
  {
    name: 'unknown vCPUs fail the -gt 30 test: cap 110',
    l: { maxEnis: 15, ipv4PerEni: 50 },
    o: {},
    expect: 110,
  },
];
for (const c of cases) {
  test(`max pods: ${c.name}`, () => {
    assert.equal(eksMaxPods(c.l, c.o), c.expect);
  });
}

test('max pods: the recommendation never exceeds the allowed figure or its cap', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 16 }),
      fc.integer({ min: 2, max: 50 }),
      fc.option(fc.integer({ min: 1, max: 192 }), { nil: undefined }),
      fc.boolean(),
      fc.boolean(),
      (maxEnis, ipv4PerEni, vcpus, prefixDelegation, customNetworking) => {
        const l = { maxEnis, ipv4PerEni, ...(vcpus !== undefined && { vcpus }) };
        const recommended = eksMaxPods(l, { prefixDelegation, customNetworking });
        const allowed = eksMaxPods(l, { prefixDelegation, customNetworking, showMaxAllowed: true });
        assert.ok(recommended <= allowed);
        assert.ok(recommended <= (vcpus !== undefined && vcpus > 30 ? 250 : 110));
        assert.ok(allowed >= 2, 'aws-node and kube-proxy always fit');
      },
    ),
  );
});
