import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CNI_SETTINGS, parseCniSettings, type CniEnv } from '../../src/cni/settings.js';

// ipamd reads every setting with strconv.Atoi / strconv.ParseBool and falls back to the default on a bad
// value (pkg/ipamd/ipamd.go getWarmENITarget & co, utils getEnvBoolWithDefault).
const cases: {
  name: string;
  env: CniEnv;
  expect: Partial<typeof DEFAULT_CNI_SETTINGS>;
  fallbacks: number;
}[] = [
  { name: 'nothing set gives the CNI defaults', env: {}, expect: {}, fallbacks: 0 },
  {
    name: 'WARM_ENI_TARGET=0 is allowed',
    env: { WARM_ENI_TARGET: '0' },
    expect: { warmEniTarget: 0 },
    fallbacks: 0,
  },
  {
    name: 'WARM_ENI_TARGET=3',
    env: { WARM_ENI_TARGET: '3' },
    expect: { warmEniTarget: 3 },
    fallbacks: 0,
  },
  {
    name: 'negative WARM_ENI_TARGET falls back to 1',
    env: { WARM_ENI_TARGET: '-1' },
    expect: { warmEniTarget: 1 },
    fallbacks: 1,
  },
  {
    name: 'unparsable WARM_ENI_TARGET falls back to 1',
    env: { WARM_ENI_TARGET: 'two' },
    expect: { warmEniTarget: 1 },
    fallbacks: 1,
  },
  {
    name: 'a decimal is not an Atoi integer',
    env: { WARM_IP_TARGET: '1.5' },
    expect: { warmIpTarget: 0 },
    fallbacks: 1,
  },
  {
    name: 'whitespace is not an Atoi integer',
    env: { MINIMUM_IP_TARGET: ' 8' },
    expect: { minimumIpTarget: 0 },
    fallbacks: 1,
  },
  {
    name: 'a leading plus sign is accepted by Atoi',
    env: { MINIMUM_IP_TARGET: '+8' },
    expect: { minimumIpTarget: 8 },
    fallbacks: 0,
  },
  {
    name: 'the story: MINIMUM_IP_TARGET=13',
    env: { MINIMUM_IP_TARGET: '13' },
    expect: { minimumIpTarget: 13 },
    fallbacks: 0,
  },
  {
    name: 'negative WARM_IP_TARGET means unset',
    env: { WARM_IP_TARGET: '-5' },
    expect: { warmIpTarget: 0 },
    fallbacks: 1,
  },
  {
    name: 'an empty value is unset',
    env: { WARM_IP_TARGET: '' },
    expect: { warmIpTarget: 0 },
    fallbacks: 0,
  },
  {
    name: 'WARM_PREFIX_TARGET defaults to 0 in code',
    env: { ENABLE_PREFIX_DELEGATION: 'true' },
    expect: { prefixDelegation: true, warmPrefixTarget: 0 },
    fallbacks: 0,
  },
  {
    name: 'ParseBool accepts 1, t, TRUE, True',
    env: {
      ENABLE_PREFIX_DELEGATION: 'T',
      AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: '1',
      ENABLE_POD_ENI: 'True',
    },
    expect: { prefixDelegation: true, customNetworking: true, podEni: true },
    fallbacks: 0,
  },
  {
    name: 'ParseBool refuses yes and falls back to false',
    env: { ENABLE_PREFIX_DELEGATION: 'yes' },
    expect: { prefixDelegation: false },
    fallbacks: 1,
  },
  {
    name: 'ParseBool refuses tRuE',
    env: { ENABLE_POD_ENI: 'tRuE' },
    expect: { podEni: false },
    fallbacks: 1,
  },
  { name: 'MAX_ENI=2', env: { MAX_ENI: '2' }, expect: { maxEni: 2 }, fallbacks: 0 },
  {
    name: 'MAX_ENI below 1 means no cap',
    env: { MAX_ENI: '0' },
    expect: { maxEni: undefined },
    fallbacks: 1,
  },
];

for (const c of cases) {
  test(`CNI settings: ${c.name}`, () => {
    const { settings, fallbacks } = parseCniSettings(c.env);
    assert.deepEqual(settings, { ...DEFAULT_CNI_SETTINGS, ...c.expect });
    assert.equal(fallbacks.length, c.fallbacks, fallbacks.join('; '));
  });
}

test('a fallback message names the setting and the value the CNI uses', () => {
  const { fallbacks } = parseCniSettings({ WARM_ENI_TARGET: 'lots' });
  assert.deepEqual(fallbacks, ['WARM_ENI_TARGET="lots" is not valid for the VPC CNI; it uses 1']);
});
