import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_ENI_CONFIG_KEYS,
  eniConfigKeysOf,
  eniConfigNameOf,
  type EniConfigKeys,
} from '../../src/cni/eni-config-name.js';

const ZONE_KEYS = eniConfigKeysOf({ ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone' });
const CUSTOM_KEYS = eniConfigKeysOf({
  ENI_CONFIG_ANNOTATION_DEF: 'example.com/pod-net',
  ENI_CONFIG_LABEL_DEF: 'example.com/pod-net-label',
});

type Case = {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  keys: EniConfigKeys;
  want: string;
};

// The order of pkg/eniconfig GetNodeSpecificENIConfigName.
const cases: Case[] = [
  {
    name: 'nothing set: "default"',
    labels: {},
    annotations: {},
    keys: DEFAULT_ENI_CONFIG_KEYS,
    want: 'default',
  },
  {
    name: 'the default annotation',
    labels: {},
    annotations: { 'k8s.amazonaws.com/eniConfig': 'pods-a' },
    keys: DEFAULT_ENI_CONFIG_KEYS,
    want: 'pods-a',
  },
  {
    name: 'the default label',
    labels: { 'k8s.amazonaws.com/eniConfig': 'pods-b' },
    annotations: {},
    keys: DEFAULT_ENI_CONFIG_KEYS,
    want: 'pods-b',
  },
  {
    name: 'the annotation wins over the label',
    labels: { 'topology.kubernetes.io/zone': 'us-east-1a' },
    annotations: { 'k8s.amazonaws.com/eniConfig': 'special' },
    keys: ZONE_KEYS,
    want: 'special',
  },
  {
    name: 'ENI_CONFIG_LABEL_DEF names the zone label',
    labels: { 'topology.kubernetes.io/zone': 'us-east-1a' },
    annotations: {},
    keys: ZONE_KEYS,
    want: 'us-east-1a',
  },
  {
    name: 'the externally managed label wins over everything',
    labels: { 'vpc.amazonaws.com/externalEniConfig': 'ext', 'k8s.amazonaws.com/eniConfig': 'lbl' },
    annotations: { 'k8s.amazonaws.com/eniConfig': 'ann' },
    keys: DEFAULT_ENI_CONFIG_KEYS,
    want: 'ext',
  },
  {
    name: 'ENI_CONFIG_ANNOTATION_DEF moves the annotation; the default key is then ignored',
    labels: {},
    annotations: { 'k8s.amazonaws.com/eniConfig': 'old', 'example.com/pod-net': 'new' },
    keys: CUSTOM_KEYS,
    want: 'new',
  },
  {
    name: 'a custom label key with no annotation',
    labels: { 'example.com/pod-net-label': 'from-label' },
    annotations: {},
    keys: CUSTOM_KEYS,
    want: 'from-label',
  },
  {
    name: 'an empty annotation is present: it names an ENIConfig that cannot exist',
    labels: { 'k8s.amazonaws.com/eniConfig': 'lbl' },
    annotations: { 'k8s.amazonaws.com/eniConfig': '' },
    keys: DEFAULT_ENI_CONFIG_KEYS,
    want: '',
  },
];
for (const c of cases) {
  test(`ENIConfig name: ${c.name}`, () => {
    assert.equal(eniConfigNameOf(c.labels, c.annotations, c.keys), c.want);
  });
}

test('empty ENI_CONFIG_*_DEF values mean the defaults, as in the CNI', () => {
  assert.deepEqual(
    eniConfigKeysOf({ ENI_CONFIG_ANNOTATION_DEF: '', ENI_CONFIG_LABEL_DEF: '' }),
    DEFAULT_ENI_CONFIG_KEYS,
  );
  assert.deepEqual(eniConfigKeysOf(undefined), DEFAULT_ENI_CONFIG_KEYS);
});
