import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unservedCause } from '../../src/cni/unserved.js';
import { DEFAULT_CNI_SETTINGS, parseCniSettings } from '../../src/cni/settings.js';
import { M5_2XLARGE, M5_LARGE } from '../helpers/builders.js';

const cni = (env: Record<string, string>) => parseCniSettings(env).settings;

// m5.large: 3 ENIs x 10 IPv4 (9 for pods); eni-max-pods.txt 29 = 3 * 9 + 2 (aws/amazon-vpc-cni-k8s
// misc/eni-max-pods.txt). m5.2xlarge: 4 x 15, 58.
const rows = [
  {
    name: 'defaults, max pods from eni-max-pods.txt: the ENIs serve every pod slot but the 2 host-network ones',
    limits: M5_LARGE,
    settings: DEFAULT_CNI_SETTINGS,
    maxPods: 29,
    want: { reason: 'eni-limit', podsServed: 27, eniMaxPods: 29 },
  },
  {
    name: 'maxPods 110 on an m5.large: above what its ENIs address',
    limits: M5_LARGE,
    settings: DEFAULT_CNI_SETTINGS,
    maxPods: 110,
    want: { reason: 'max-pods', podsServed: 27, eniMaxPods: 29 },
  },
  {
    name: 'MINIMUM_IP_TARGET=13 without WARM_IP_TARGET: the pool stays at 13 (README MINIMUM_IP_TARGET note 2)',
    limits: M5_2XLARGE,
    settings: cni({ MINIMUM_IP_TARGET: '13' }),
    maxPods: 58,
    want: { reason: 'frozen-pool', podsServed: 13, eniMaxPods: 58 },
  },
  {
    name: 'MINIMUM_IP_TARGET=13 with WARM_IP_TARGET=2: the pool grows to the ENIs',
    limits: M5_2XLARGE,
    settings: cni({ MINIMUM_IP_TARGET: '13', WARM_IP_TARGET: '2' }),
    maxPods: 58,
    want: { reason: 'eni-limit', podsServed: 56, eniMaxPods: 58 },
  },
  {
    name: 'MAX_ENI=2 with the type max pods: max pods above what 2 ENIs address',
    limits: M5_LARGE,
    settings: cni({ MAX_ENI: '2' }),
    maxPods: 29,
    want: { reason: 'max-pods', podsServed: 18, eniMaxPods: 20 },
  },
  {
    name: 'ENABLE_POD_ENI: the trunk takes one of the 3 ENIs',
    limits: M5_LARGE,
    settings: cni({ ENABLE_POD_ENI: 'true' }),
    maxPods: 29,
    want: { reason: 'eni-limit', podsServed: 18, eniMaxPods: 29 },
  },
  {
    name: 'custom networking keeps the primary ENI from pods; max pods not lowered to match',
    limits: M5_LARGE,
    settings: cni({ AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' }),
    maxPods: 29,
    want: { reason: 'max-pods', podsServed: 18, eniMaxPods: 20 },
  },
] as const;

for (const row of rows) {
  test(`why pods get no address: ${row.name}`, () => {
    assert.deepEqual(unservedCause(row.limits, row.settings, row.maxPods), row.want);
  });
}
