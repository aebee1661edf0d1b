import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeAddresses } from '../../src/cni/node-addresses.js';
import { DEFAULT_CNI_SETTINGS, type CniSettings } from '../../src/cni/settings.js';
import type { InstanceLimits } from '../../src/cni/instance-limits.js';

/*
 * Every worked example in the VPC CNI's own documentation (aws/amazon-vpc-cni-k8s
 * docs/eni-and-ip-target.md, docs/prefix-and-ip-target.md, README "ENI Allocation",
 * WARM_ENI_TARGET, MINIMUM_IP_TARGET and WARM_IP_TARGET sections, and the pkg/ipamd/ipamd.go
 * comments), with the expected values the docs print. Where the docs contradict the code the row
 * carries the code's value and says why (research notes §7, re-checked against ipamd.go):
 * the model must follow the code.
 */

const t3small: InstanceLimits = { instanceType: 't3.small', maxEnis: 3, ipv4PerEni: 4, vcpus: 2 };
const p3dn: InstanceLimits = {
  instanceType: 'p3dn.24xlarge',
  maxEnis: 15,
  ipv4PerEni: 50,
  vcpus: 96,
};
const m44xl: InstanceLimits = { instanceType: 'm4.4xlarge', maxEnis: 8, ipv4PerEni: 30, vcpus: 16 };
const c54xl: InstanceLimits = {
  instanceType: 'c5.4xlarge',
  maxEnis: 8,
  ipv4PerEni: 30,
  vcpus: 16,
  maxBranchEnis: 54,
};

interface Row {
  src: string;
  limits: InstanceLimits;
  cni: Partial<CniSettings>;
  pods: number;
  /** Kubelet max pods. The prefix examples only hold with max pods raised for prefix delegation. */
  maxPods: number;
  enis?: number;
  /** Secondary IPs (SIP) or 16 per prefix (PD): the pool, ENI primaries not included. */
  poolIps?: number;
  prefixes?: number;
  unused?: number;
  /** Set where the documentation is wrong: what it says, and why the code differs. */
  docSays?: string;
}

const WET = (n: number): Partial<CniSettings> => ({ warmEniTarget: n });
const IP = (wit: number, mit: number): Partial<CniSettings> => ({
  warmIpTarget: wit,
  minimumIpTarget: mit,
});
const PD = (more: Partial<CniSettings>): Partial<CniSettings> => ({
  prefixDelegation: true,
  ...more,
});
const eniDoc = 'docs/eni-and-ip-target.md';
const pfxDoc = 'docs/prefix-and-ip-target.md';

const rows: Row[] = [
  // docs/eni-and-ip-target.md: all 16 rows agree with the code.
  {
    src: eniDoc,
    limits: t3small,
    cni: WET(1),
    pods: 0,
    maxPods: 11,
    enis: 1,
    poolIps: 3,
    unused: 3,
  },
  {
    src: eniDoc,
    limits: t3small,
    cni: WET(1),
    pods: 5,
    maxPods: 11,
    enis: 3,
    poolIps: 9,
    unused: 4,
  },
  {
    src: eniDoc,
    limits: t3small,
    cni: WET(1),
    pods: 9,
    maxPods: 11,
    enis: 3,
    poolIps: 9,
    unused: 0,
  },
  {
    src: eniDoc,
    limits: t3small,
    cni: IP(1, 1),
    pods: 0,
    maxPods: 11,
    enis: 1,
    poolIps: 1,
    unused: 1,
  },
  {
    src: eniDoc,
    limits: t3small,
    cni: IP(1, 1),
    pods: 5,
    maxPods: 11,
    enis: 2,
    poolIps: 6,
    unused: 1,
  },
  {
    src: eniDoc,
    limits: t3small,
    cni: IP(1, 1),
    pods: 9,
    maxPods: 11,
    enis: 3,
    poolIps: 9,
    unused: 0,
  },
  {
    src: eniDoc,
    limits: t3small,
    cni: IP(2, 5),
    pods: 0,
    maxPods: 11,
    enis: 2,
    poolIps: 5,
    unused: 5,
  },
  {
    src: eniDoc,
    limits: t3small,
    cni: IP(2, 5),
    pods: 5,
    maxPods: 11,
    enis: 3,
    poolIps: 7,
    unused: 2,
  },
  {
    src: eniDoc,
    limits: t3small,
    cni: IP(2, 5),
    pods: 9,
    maxPods: 11,
    enis: 3,
    poolIps: 9,
    unused: 0,
  },
  {
    src: eniDoc,
    limits: p3dn,
    cni: WET(1),
    pods: 0,
    maxPods: 250,
    enis: 1,
    poolIps: 49,
    unused: 49,
  },
  {
    src: eniDoc,
    limits: p3dn,
    cni: WET(1),
    pods: 3,
    maxPods: 250,
    enis: 2,
    poolIps: 98,
    unused: 95,
  },
  {
    src: eniDoc,
    limits: p3dn,
    cni: WET(1),
    pods: 95,
    maxPods: 250,
    enis: 3,
    poolIps: 147,
    unused: 52,
  },
  {
    src: eniDoc,
    limits: p3dn,
    cni: IP(5, 10),
    pods: 0,
    maxPods: 250,
    enis: 1,
    poolIps: 10,
    unused: 10,
  },
  {
    src: eniDoc,
    limits: p3dn,
    cni: IP(5, 10),
    pods: 7,
    maxPods: 250,
    enis: 1,
    poolIps: 12,
    unused: 5,
  },
  {
    src: eniDoc,
    limits: p3dn,
    cni: IP(5, 10),
    pods: 15,
    maxPods: 250,
    enis: 1,
    poolIps: 20,
    unused: 5,
  },
  {
    src: eniDoc,
    limits: p3dn,
    cni: IP(5, 10),
    pods: 45,
    maxPods: 250,
    enis: 2,
    poolIps: 50,
    unused: 5,
  },

  // docs/prefix-and-ip-target.md (max pods 110: the calculator's prefix-delegation figure for t3.small).
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD({ warmPrefixTarget: 1 }),
    pods: 0,
    maxPods: 110,
    enis: 1,
    prefixes: 1,
    unused: 16,
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD({ warmPrefixTarget: 1 }),
    pods: 5,
    maxPods: 110,
    enis: 1,
    prefixes: 2,
    unused: 27,
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD({ warmPrefixTarget: 1 }),
    pods: 16,
    maxPods: 110,
    enis: 1,
    prefixes: 2,
    unused: 16,
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD({ warmPrefixTarget: 1 }),
    pods: 17,
    maxPods: 110,
    enis: 1,
    prefixes: 3,
    unused: 31,
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD({ warmPrefixTarget: 1 }),
    pods: 58,
    maxPods: 110,
    enis: 2,
    prefixes: 5,
    unused: 22,
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD(IP(1, 1)),
    pods: 0,
    maxPods: 110,
    enis: 1,
    prefixes: 1,
    unused: 16,
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD(IP(1, 1)),
    pods: 5,
    maxPods: 110,
    enis: 1,
    prefixes: 1,
    unused: 11,
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD(IP(1, 1)),
    pods: 17,
    maxPods: 110,
    enis: 1,
    prefixes: 2,
    unused: 15,
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD(IP(1, 1)),
    pods: 58,
    maxPods: 110,
    enis: 2,
    prefixes: 4,
    unused: 6,
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD(IP(7, 20)),
    pods: 0,
    maxPods: 110,
    enis: 1,
    prefixes: 2,
    unused: 32,
    docSays:
      '1 prefix, 16 unused; the row contradicts itself (prefixes per ENI 2). short = max(7, 20) -> ceil(20/16) = 2 prefixes',
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD(IP(7, 20)),
    pods: 5,
    maxPods: 110,
    enis: 1,
    prefixes: 2,
    unused: 27,
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD(IP(7, 20)),
    pods: 17,
    maxPods: 110,
    enis: 1,
    prefixes: 2,
    unused: 15,
  },
  {
    src: pfxDoc,
    limits: t3small,
    cni: PD(IP(7, 20)),
    pods: 58,
    maxPods: 110,
    enis: 2,
    prefixes: 5,
    unused: 22,
  },
  {
    src: pfxDoc,
    limits: p3dn,
    cni: PD({ warmPrefixTarget: 1 }),
    pods: 0,
    maxPods: 250,
    enis: 1,
    prefixes: 1,
    unused: 16,
  },
  {
    src: pfxDoc,
    limits: p3dn,
    cni: PD({ warmPrefixTarget: 1 }),
    pods: 3,
    maxPods: 250,
    enis: 1,
    prefixes: 2,
    unused: 29,
    docSays:
      '2 ENIs; ipamd adds the prefix to the primary ENI (room for 49) and never creates an ENI with no prefix',
  },
  {
    src: pfxDoc,
    limits: p3dn,
    cni: PD({ warmPrefixTarget: 1 }),
    pods: 95,
    maxPods: 250,
    enis: 1,
    prefixes: 7,
    unused: 17,
    docSays: '3 ENIs; all 7 prefixes fit on the primary ENI',
  },
  {
    src: pfxDoc,
    limits: p3dn,
    cni: PD(IP(5, 10)),
    pods: 0,
    maxPods: 250,
    enis: 1,
    prefixes: 1,
    unused: 16,
  },
  {
    src: pfxDoc,
    limits: p3dn,
    cni: PD(IP(5, 10)),
    pods: 7,
    maxPods: 250,
    enis: 1,
    prefixes: 1,
    unused: 9,
  },
  {
    src: pfxDoc,
    limits: p3dn,
    cni: PD(IP(5, 10)),
    pods: 15,
    maxPods: 250,
    enis: 1,
    prefixes: 2,
    unused: 17,
  },
  {
    src: pfxDoc,
    limits: p3dn,
    cni: PD(IP(5, 10)),
    pods: 45,
    maxPods: 250,
    enis: 1,
    prefixes: 4,
    unused: 19,
    docSays: '2 ENIs; ceil((45 + 5) / 16) = 4 prefixes fit on the primary ENI',
  },

  // README "ENI Allocation" and WARM_ENI_TARGET (m4.4xlarge: 8 ENIs x 30 IPv4, 29 usable per ENI).
  {
    src: 'README ENI Allocation',
    limits: m44xl,
    cni: WET(1),
    pods: 0,
    maxPods: 234,
    enis: 1,
    poolIps: 29,
    docSays:
      '"between 0 and 29 pods" -> 2 ENIs; at exactly 0 pods 29 free IPs meet WARM_ENI_TARGET=1 with one ENI',
  },
  {
    src: 'README ENI Allocation',
    limits: m44xl,
    cni: WET(1),
    pods: 1,
    maxPods: 234,
    enis: 2,
    poolIps: 58,
  },
  {
    src: 'README ENI Allocation',
    limits: m44xl,
    cni: WET(1),
    pods: 29,
    maxPods: 234,
    enis: 2,
    poolIps: 58,
  },
  {
    src: 'README ENI Allocation',
    limits: m44xl,
    cni: WET(1),
    pods: 30,
    maxPods: 234,
    enis: 3,
    poolIps: 87,
  },
  {
    src: 'README ENI Allocation',
    limits: m44xl,
    cni: WET(1),
    pods: 58,
    maxPods: 234,
    enis: 3,
    poolIps: 87,
  },
  {
    src: 'README WARM_ENI_TARGET',
    limits: m44xl,
    cni: WET(1),
    pods: 5,
    maxPods: 234,
    enis: 2,
    poolIps: 58,
  },

  // README MINIMUM_IP_TARGET examples (instance type unnamed; m4.4xlarge has the room they need).
  {
    src: 'README MINIMUM_IP_TARGET',
    limits: m44xl,
    cni: IP(30, 0),
    pods: 30,
    maxPods: 234,
    poolIps: 60,
    unused: 30,
  },
  {
    src: 'README MINIMUM_IP_TARGET',
    limits: m44xl,
    cni: IP(2, 30),
    pods: 30,
    maxPods: 234,
    poolIps: 32,
    unused: 2,
  },
  // Note 2: MINIMUM_IP_TARGET without WARM_IP_TARGET fixes the pool at MINIMUM_IP_TARGET.
  {
    src: 'README MINIMUM_IP_TARGET note 2',
    limits: m44xl,
    cni: IP(0, 30),
    pods: 31,
    maxPods: 234,
    poolIps: 30,
    unused: 0,
  },
  // README WARM_IP_TARGET with prefix delegation.
  {
    src: 'README WARM_IP_TARGET',
    limits: m44xl,
    cni: PD(IP(16, 0)),
    pods: 0,
    maxPods: 234,
    prefixes: 1,
    unused: 16,
  },
  {
    src: 'README WARM_IP_TARGET',
    limits: m44xl,
    cni: PD(IP(16, 0)),
    pods: 1,
    maxPods: 234,
    prefixes: 2,
    unused: 31,
  },

  // pkg/ipamd/ipamd.go comments on envWarmIPTarget / envWarmENITarget (m4.4xlarge, 9 pods).
  { src: 'ipamd.go comment', limits: m44xl, cni: IP(1, 0), pods: 9, maxPods: 234, poolIps: 10 },
  {
    src: 'ipamd.go comment',
    limits: m44xl,
    cni: WET(1),
    pods: 9,
    maxPods: 234,
    enis: 2,
    poolIps: 58,
    docSays: '39 or 60 IPs (counts 30 per ENI); 29 usable per ENI gives 58',
  },
  {
    src: 'ipamd.go comment',
    limits: m44xl,
    cni: WET(2),
    pods: 9,
    maxPods: 234,
    enis: 3,
    poolIps: 87,
    docSays: '90 IPs (counts 30 per ENI); 3 x 29 = 87',
  },
  { src: 'ipamd.go comment', limits: m44xl, cni: IP(1, 12), pods: 9, maxPods: 234, poolIps: 12 },

  // Capacity statements.
  {
    src: pfxDoc + ' (capacity)',
    limits: t3small,
    cni: PD({ warmPrefixTarget: 1 }),
    pods: 110,
    maxPods: 110,
    enis: 3,
    prefixes: 7,
    docSays:
      '"a maximum of 9 prefixes"; growth stops once the pool covers max pods 110, at 7 prefixes',
  },
  {
    src: 'README ENABLE_POD_ENI',
    limits: c54xl,
    cni: { podEni: true },
    pods: 250,
    maxPods: 1000,
    enis: 8,
    poolIps: 203,
    docSays: '234 IPs; the trunk takes one of the 8 ENI slots, leaving 7 x 29 = 203',
  },
  // With eni-max-pods.txt's 11 pods, prefix delegation on t3.small stops at one prefix (notes §6).
  {
    src: 'max-pods cap (notes §6)',
    limits: t3small,
    cni: PD({ warmPrefixTarget: 1 }),
    pods: 9,
    maxPods: 11,
    enis: 1,
    prefixes: 1,
  },
];

for (const r of rows) {
  const settings = { ...DEFAULT_CNI_SETTINGS, ...r.cni };
  const name = `${r.src}: ${r.limits.instanceType ?? ''} ${JSON.stringify(r.cni)} ${r.pods} pods${r.docSays === undefined ? '' : ' (docs wrong)'}`;
  test(name, () => {
    const a = nodeAddresses({ limits: r.limits, settings, maxPods: r.maxPods, pods: r.pods });
    if (r.enis !== undefined) assert.equal(a.enis, r.enis, 'ENIs');
    if (r.prefixes !== undefined) {
      assert.equal(a.prefixes, r.prefixes, 'prefixes');
      assert.equal(a.poolIps, 16 * r.prefixes, 'pool = 16 per prefix');
    }
    if (r.poolIps !== undefined) assert.equal(a.poolIps, r.poolIps, 'pool addresses');
    if (r.unused !== undefined) assert.equal(a.idleIps, r.unused, 'unused addresses');
    // Every attached ENI also takes its own primary address from the subnet.
    assert.equal(a.ips, a.enis + a.poolIps);
  });
}

test('README ENABLE_POD_ENI: the trunk slot is held back even on a type that cannot trunk', () => {
  const m4 = { ...m44xl, maxBranchEnis: 0 };
  const a = nodeAddresses({
    limits: m4,
    settings: { ...DEFAULT_CNI_SETTINGS, podEni: true },
    maxPods: 1000,
    pods: 250,
  });
  assert.equal(a.enis, 7, 'seven ENIs for pods, no trunk attached');
  assert.equal(a.trunkIps, 0);
  assert.equal(a.poolIps, 7 * 29);
});

test('security groups for pods: one address per branch pod, up to the branch limit', () => {
  const a = nodeAddresses({
    limits: c54xl,
    settings: { ...DEFAULT_CNI_SETTINGS, podEni: true },
    maxPods: 110,
    pods: 10,
    branchPods: 60,
  });
  assert.equal(a.branchEnis, 54);
  assert.equal(a.podsWithoutIp, 6);
  assert.equal(a.trunkIps, 1);
  // ceil(10/29) + 1 warm ENI = 2 pod ENIs, plus the trunk.
  assert.equal(a.enis, 3);
  assert.equal(a.ips, 3 + 58 + 54);
});

test('custom networking: the primary ENI keeps only the node address', () => {
  const a = nodeAddresses({
    limits: { maxEnis: 3, ipv4PerEni: 10 },
    settings: { ...DEFAULT_CNI_SETTINGS, customNetworking: true },
    maxPods: 20,
    pods: 6,
  });
  // Pods use secondary ENIs only: ceil(6/9) + WARM_ENI_TARGET 1 = 2, but only 2 slots remain.
  assert.equal(a.primaryEniIps, 1);
  assert.deepEqual(a.secondaryEniIps, [10, 10]);
  assert.equal(a.enis, 3);
  assert.equal(a.ips, 21);
});
