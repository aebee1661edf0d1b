import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  LabelSelector,
  Labels,
  NodeSelectorTerm,
  SpreadConstraint,
  Taint,
} from '../../src/cluster/model.js';
import {
  spreadFilter,
  type PodGroup,
  type SpreadVerdict,
} from '../../src/simulate/topology-spread.js';
import type { NodeFace } from '../../src/simulate/fit.js';

/**
 * Rows of kubernetes pkg/scheduler/framework/plugins/podtopologyspread/filtering_test.go
 * (kubernetes/kubernetes @e7827879dbc2), TestSingleConstraint and TestMultipleConstraints: the same nodes,
 * pods that run and incoming pod, and the status Filter returns per node. Success is 'ok', Unschedulable
 * 'skew', UnschedulableAndUnresolvable 'no-label'. As upstream, only this filter runs: a node the pod's
 * node affinity excludes can still pass it. Left out: "terminating Pods should be excluded" (ipguard's pod
 * records do not carry deletionTimestamp).
 */

const foo: LabelSelector = {
  matchLabels: {},
  matchExpressions: [{ key: 'foo', operator: 'Exists', values: [] }],
};
const bar: LabelSelector = {
  matchLabels: {},
  matchExpressions: [{ key: 'bar', operator: 'Exists', values: [] }],
};
const unschedulable: Taint[] = [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }];

function sc(
  maxSkew: number,
  topologyKey: string,
  labelSelector: LabelSelector | undefined,
  o: Partial<SpreadConstraint> = {},
): SpreadConstraint {
  return {
    maxSkew,
    topologyKey,
    ...(labelSelector && { labelSelector }),
    matchLabelKeys: [],
    minDomains: 1,
    nodeAffinityPolicy: 'Honor',
    nodeTaintsPolicy: 'Ignore',
    ...o,
  };
}

function node(name: string, labels: Labels, taints: Taint[] = []): NodeFace {
  return { name, labels, taints };
}

/** zone1: node-a, node-b; zone2: node-x, node-y, each labelled node=<name>. */
const fourNodes = [
  node('node-a', { zone: 'zone1', node: 'node-a' }),
  node('node-b', { zone: 'zone1', node: 'node-b' }),
  node('node-x', { zone: 'zone2', node: 'node-x' }),
  node('node-y', { zone: 'zone2', node: 'node-y' }),
];

/** Running pods as `node:label,label`, each one pod in namespace `default` unless `ns/` leads. */
function pods(...specs: string[]): PodGroup[] {
  return specs.map(s => {
    const [where = '', labels = ''] = s.split(':');
    const [ns, nodeName] = where.includes('/') ? where.split('/') : ['default', where];
    return {
      namespace: ns ?? 'default',
      labels: Object.fromEntries(
        labels
          .split(',')
          .filter(Boolean)
          .map(k => [k, '']),
      ),
      nodes: new Map([[nodeName ?? '', 1]]),
    };
  });
}

interface Row {
  readonly name: string;
  readonly podLabels?: string[];
  readonly constraints: SpreadConstraint[];
  readonly nodeSelector?: Labels;
  readonly requiredNodeTerms?: NodeSelectorTerm[];
  readonly nodes?: NodeFace[];
  readonly existing?: PodGroup[];
  readonly want: Record<string, SpreadVerdict>;
}

const all = (v: SpreadVerdict, names = ['node-a', 'node-b', 'node-x', 'node-y']) =>
  Object.fromEntries(names.map(n => [n, v]));

const withFoo = [
  node('node-a', { node: 'node-a', foo: '' }),
  node('node-b', { node: 'node-b', foo: '' }),
  node('node-x', { node: 'node-x', foo: '' }),
];
const fooAffinity: NodeSelectorTerm[] = [[{ key: 'foo', operator: 'In', values: [''] }]];
const spread_2_1_0_3 = pods(
  'node-a:foo',
  'node-a:foo',
  'node-b:foo',
  'node-y:foo',
  'node-y:foo',
  'node-y:foo',
);
const threeNodes = [
  node('node-a', { node: 'node-a' }),
  node('node-b', { node: 'node-b' }),
  node('node-c', { node: 'node-c' }),
];
const spread_2_2_1 = pods('node-a:foo', 'node-a:foo', 'node-b:foo', 'node-b:foo', 'node-c:foo');

const single: Row[] = [
  { name: 'no existing pods', constraints: [sc(1, 'zone', foo)], want: all('ok') },
  {
    name: "no existing pods, incoming pod doesn't match itself",
    constraints: [sc(1, 'zone', bar)],
    want: all('ok'),
  },
  {
    name: 'existing pods in a different namespace do not count',
    constraints: [sc(1, 'zone', foo)],
    existing: pods('ns1/node-a:foo', 'ns2/node-a:foo', 'node-x:foo', 'node-y:foo'),
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: 'existing pods do not match null selector',
    constraints: [sc(1, 'zone', undefined)],
    existing: pods('node-x:foo', 'node-y:foo'),
    want: all('ok'),
  },
  {
    name: 'pods spread across zones as 3/3, all nodes fit',
    constraints: [sc(1, 'zone', foo)],
    existing: spread_2_1_0_3,
    want: all('ok'),
  },
  {
    name: "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
    constraints: [sc(1, 'zone', foo)],
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a' }),
      node('node-b', { zon: 'zone1', node: 'node-b' }),
      node('node-x', { zone: 'zone2', node: 'node-x' }),
      node('node-y', { zone: 'zone2', node: 'node-y' }),
    ],
    existing: pods('node-a:foo', 'node-b:foo', 'node-x:foo', 'node-y:foo'),
    want: { 'node-a': 'ok', 'node-b': 'no-label', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: "pod cannot be scheduled as all nodes don't have label 'rack'",
    constraints: [sc(1, 'rack', foo)],
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a' }),
      node('node-x', { zone: 'zone2', node: 'node-x' }),
    ],
    want: { 'node-a': 'no-label', 'node-x': 'no-label' },
  },
  {
    name: 'pods spread across nodes as 2/1/0/3, only node-x fits',
    constraints: [sc(1, 'node', foo)],
    existing: spread_2_1_0_3,
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit',
    constraints: [sc(2, 'node', foo)],
    existing: spread_2_1_0_3,
    want: { 'node-a': 'skew', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
    podLabels: ['bar'],
    constraints: [sc(1, 'node', foo)],
    existing: spread_2_1_0_3,
    want: { 'node-a': 'skew', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits',
    requiredNodeTerms: [[{ key: 'node', operator: 'In', values: ['node-a', 'node-y'] }]],
    constraints: [sc(1, 'node', foo)],
    existing: spread_2_1_0_3,
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'incoming pod has nodeAffinity, pods spread as 0/~2~/0/1, hence node-a fits',
    requiredNodeTerms: [[{ key: 'node', operator: 'NotIn', values: ['node-b'] }]],
    constraints: [sc(1, 'zone', foo)],
    existing: pods('node-b:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: 'pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains < minDomains, then the third node fits',
    constraints: [sc(2, 'node', foo, { minDomains: 4 })],
    nodes: threeNodes,
    existing: spread_2_2_1,
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-c': 'ok' },
  },
  {
    name: 'pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains > minDomains, then the all nodes fit',
    constraints: [sc(2, 'node', foo, { minDomains: 2 })],
    nodes: threeNodes,
    existing: spread_2_2_1,
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-c': 'ok' },
  },
  {
    name: 'pods spread across zone as 2/1, maxSkew is 2 and the number of domains < minDomains, then the third and fourth nodes fit',
    constraints: [sc(2, 'zone', foo, { minDomains: 3 })],
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: 'pods spread across zone as 2/1, maxSkew is 2 and the number of domains > minDomains, then the all nodes fit',
    constraints: [sc(2, 'zone', foo, { minDomains: 1 })],
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: all('ok'),
  },
  {
    name: 'NodeAffinityPolicy honored with labelSelectors',
    nodeSelector: { foo: '' },
    constraints: [sc(1, 'node', foo)],
    nodes: [...withFoo, node('node-y', { node: 'node-y' })],
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: 'NodeAffinityPolicy ignored with labelSelectors',
    nodeSelector: { foo: '' },
    constraints: [sc(1, 'node', foo, { nodeAffinityPolicy: 'Ignore' })],
    nodes: [...withFoo, node('node-y', { node: 'node-y' })],
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'NodeAffinityPolicy honored with nodeAffinity',
    requiredNodeTerms: fooAffinity,
    constraints: [sc(1, 'node', foo)],
    nodes: [...withFoo, node('node-y', { node: 'node-y' })],
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    // Upstream reuses the name of the labelSelectors row; this one uses nodeAffinity.
    name: 'NodeAffinityPolicy ignored with labelSelectors (nodeAffinity)',
    requiredNodeTerms: fooAffinity,
    constraints: [sc(1, 'node', foo, { nodeAffinityPolicy: 'Ignore' })],
    nodes: [...withFoo, node('node-y', { node: 'node-y' })],
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'NodeTaintsPolicy honored',
    constraints: [sc(1, 'node', foo, { nodeTaintsPolicy: 'Honor' })],
    nodes: [...withFoo, node('node-y', { node: 'node-y' }, unschedulable)],
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'ok' },
  },
  {
    name: 'NodeTaintsPolicy ignored',
    constraints: [sc(1, 'node', foo)],
    nodes: [...withFoo, node('node-y', { node: 'node-y' }, unschedulable)],
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
];

const inclusionNodes = (bFoo: boolean, yFoo: boolean) => [
  node('node-a', { zone: 'zone1', node: 'node-a', foo: '' }),
  node('node-b', { zone: 'zone1', node: 'node-b', ...(bFoo && { foo: '' }) }),
  node('node-x', { zone: 'zone2', node: 'node-x', foo: '' }),
  node('node-y', { zone: 'zone2', node: 'node-y', ...(yFoo && { foo: '' }) }, unschedulable),
];

const multiple: Row[] = [
  {
    name: 'two Constraints on zone and node, spreads = [3/3, 2/1/0/3]',
    constraints: [sc(1, 'zone', foo), sc(1, 'node', foo)],
    existing: spread_2_1_0_3,
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'two Constraints on zone and node, spreads = [3/4, 2/1/0/4]',
    constraints: [sc(1, 'zone', foo), sc(1, 'node', foo)],
    existing: pods(
      'node-a:foo',
      'node-a:foo',
      'node-b:foo',
      'node-y:foo',
      'node-y:foo',
      'node-y:foo',
      'node-y:foo',
    ),
    want: all('skew'),
  },
  {
    name: 'Constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]',
    podLabels: ['foo', 'bar'],
    constraints: [sc(1, 'zone', foo), sc(1, 'node', bar)],
    existing: pods('node-a:foo', 'node-y:bar'),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'Constraints hold different labelSelectors, spreads = [1/0, 0/0/1/1]',
    podLabels: ['foo', 'bar'],
    constraints: [sc(1, 'zone', foo), sc(1, 'node', bar)],
    existing: pods('node-a:foo', 'node-x:bar', 'node-y:bar'),
    want: all('skew'),
  },
  {
    name: 'Constraints hold different labelSelectors, spreads = [2/3, 1/0/0/1]',
    podLabels: ['foo', 'bar'],
    constraints: [sc(1, 'zone', foo), sc(1, 'node', bar)],
    existing: pods('node-a:foo', 'node-a:foo,bar', 'node-y:foo', 'node-y:foo,bar', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'ok', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: "Constraints hold different labelSelectors but pod doesn't match itself on 'zone' constraint",
    podLabels: ['bar'],
    constraints: [sc(1, 'zone', foo), sc(1, 'node', bar)],
    existing: pods('node-a:foo', 'node-x:bar', 'node-y:bar'),
    want: { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'skew', 'node-y': 'skew' },
  },
  {
    name: "two Constraints on zone and node, absence of label 'node' on node-x, spreads = [1/1, 1/0/0/1]",
    constraints: [sc(1, 'zone', foo), sc(1, 'node', foo)],
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a' }),
      node('node-b', { zone: 'zone1', node: 'node-b' }),
      node('node-x', { zone: 'zone2' }),
      node('node-y', { zone: 'zone2', node: 'node-y' }),
    ],
    existing: pods('node-a:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'ok', 'node-x': 'no-label', 'node-y': 'skew' },
  },
  {
    name: 'two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore',
    nodeSelector: { foo: '' },
    constraints: [sc(1, 'zone', foo), sc(1, 'node', foo, { nodeAffinityPolicy: 'Ignore' })],
    nodes: [
      node('node-a', { zone: 'zone1', node: 'node-a', foo: '' }),
      node('node-b', { zone: 'zone1', node: 'node-b', foo: '' }),
      node('node-x', { zone: 'zone2', node: 'node-x', foo: '' }),
      node('node-y', { zone: 'zone2', node: 'node-y' }),
    ],
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'two node inclusion Constraints, zone: honor/honor, node: honor/ignore',
    constraints: [sc(1, 'zone', foo, { nodeTaintsPolicy: 'Honor' }), sc(1, 'node', foo)],
    nodes: inclusionNodes(true, false),
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'two node inclusion Constraints, zone: honor/ignore, node: honor/ignore',
    nodeSelector: { foo: '' },
    constraints: [sc(1, 'zone', foo), sc(1, 'node', foo)],
    nodes: inclusionNodes(false, true),
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'skew' },
  },
  {
    name: 'two node inclusion Constraints, zone: honor/honor, node: ignore/ignore',
    nodeSelector: { foo: '' },
    constraints: [
      sc(1, 'zone', foo, { nodeTaintsPolicy: 'Honor' }),
      sc(1, 'node', foo, { nodeAffinityPolicy: 'Ignore' }),
    ],
    nodes: inclusionNodes(false, true),
    existing: pods('node-a:foo', 'node-b:foo', 'node-y:foo'),
    want: { 'node-a': 'skew', 'node-b': 'skew', 'node-x': 'ok', 'node-y': 'skew' },
  },
];

function run(row: Row): Record<string, SpreadVerdict> {
  const labels = Object.fromEntries((row.podLabels ?? ['foo']).map(k => [k, '']));
  const got = spreadFilter(
    {
      namespace: 'default',
      labels,
      shape: {
        nodeSelector: row.nodeSelector ?? {},
        requiredNodeTerms: row.requiredNodeTerms ?? [],
        tolerations: [],
      },
      constraints: row.constraints,
    },
    row.nodes ?? fourNodes,
    row.existing ?? [],
  );
  return Object.fromEntries(got);
}

for (const row of single)
  test(`TestSingleConstraint: ${row.name}`, () => {
    assert.deepEqual(run(row), row.want);
  });

for (const row of multiple)
  test(`TestMultipleConstraints: ${row.name}`, () => {
    assert.deepEqual(run(row), row.want);
  });

test('matchLabelKeys: only pods with the incoming pod’s value for the key count', () => {
  // Upstream semantics (common.go mergeLabelSetWithSelector): the selector gains key=value from the pod.
  const got = spreadFilter(
    {
      namespace: 'default',
      labels: { foo: '', 'pod-template-hash': 'new' },
      shape: { nodeSelector: {}, requiredNodeTerms: [], tolerations: [] },
      constraints: [sc(1, 'zone', foo, { matchLabelKeys: ['pod-template-hash'] })],
    },
    fourNodes,
    [
      {
        namespace: 'default',
        labels: { foo: '', 'pod-template-hash': 'old' },
        nodes: new Map([['node-x', 3]]),
      },
      {
        namespace: 'default',
        labels: { foo: '', 'pod-template-hash': 'new' },
        nodes: new Map([['node-a', 1]]),
      },
    ],
  );
  // Only the one new-hash pod in zone1 counts: zone1 1+1-0 > 1, zone2 0+1-0 fits.
  assert.deepEqual(Object.fromEntries(got), {
    'node-a': 'skew',
    'node-b': 'skew',
    'node-x': 'ok',
    'node-y': 'ok',
  });
});

test('a node without kubernetes.io/hostname is taken to carry its name there (the kubelet always sets it)', () => {
  const got = spreadFilter(
    {
      namespace: 'default',
      labels: { foo: '' },
      shape: { nodeSelector: {}, requiredNodeTerms: [], tolerations: [] },
      constraints: [sc(1, 'kubernetes.io/hostname', foo)],
    },
    [node('node-a', {}), node('node-b', {})],
    pods('node-a:foo'),
  );
  assert.deepEqual(Object.fromEntries(got), { 'node-a': 'skew', 'node-b': 'ok' });
});
