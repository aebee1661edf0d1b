import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podShape } from '../../../src/cluster/objects/pod-shape.js';
import { Reader } from '../../../src/cluster/reader.js';

const Mi = 1024 ** 2;
const shape = (spec: Record<string, unknown>) => podShape(Reader.of(spec, 'test.yaml', 'spec'), {});

// kubernetes pkg/scheduler/util/pod_resources.go GetRequestForResource: a container's missing cpu or
// memory request scores as 100m / 200Mi ("Override if un-set, but not if explicitly set to zero").
const rows: {
  name: string;
  spec: Record<string, unknown>;
  requests: [number, number];
  score: [number, number];
}[] = [
  {
    name: 'no requests: the scoring defaults per container',
    spec: { containers: [{ name: 'a' }, { name: 'b' }] },
    requests: [0, 0],
    score: [200, 400 * Mi],
  },
  {
    name: 'explicit zero requests stay zero',
    spec: { containers: [{ name: 'a', resources: { requests: { cpu: '0', memory: '0' } } }] },
    requests: [0, 0],
    score: [0, 0],
  },
  {
    name: 'only cpu requested: memory at its default',
    spec: { containers: [{ name: 'a', resources: { requests: { cpu: '500m' } } }] },
    requests: [500, 0],
    score: [500, 200 * Mi],
  },
  {
    name: 'a limit is the request the apiserver defaults',
    spec: { containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }] },
    requests: [1000, 1024 * Mi],
    score: [1000, 1024 * Mi],
  },
  {
    name: 'an init step larger than the containers wins, with defaults in both',
    spec: {
      containers: [{ name: 'a' }],
      initContainers: [{ name: 'i', resources: { requests: { cpu: '2' } } }],
    },
    requests: [2000, 0],
    score: [2000, 200 * Mi],
  },
];

for (const row of rows) {
  test(`pod shape requests: ${row.name}`, () => {
    const s = shape(row.spec);
    assert.deepEqual([s.requests.cpuMilli, s.requests.memoryBytes], row.requests);
    const score = s.scoreRequests ?? s.requests;
    assert.deepEqual([score.cpuMilli, score.memoryBytes], row.score);
  });
}

test('topologySpreadConstraints: DoNotSchedule kept with the scheduler defaults, ScheduleAnyway left out', () => {
  const s = shape({
    containers: [{ name: 'a' }],
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 'web' } },
        matchLabelKeys: ['pod-template-hash'],
      },
      { maxSkew: 3, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
      {
        maxSkew: 2,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        minDomains: 3,
        nodeAffinityPolicy: 'Ignore',
        nodeTaintsPolicy: 'Honor',
      },
    ],
  });
  assert.deepEqual(s.spread, [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      labelSelector: { matchLabels: { app: 'web' }, matchExpressions: [] },
      matchLabelKeys: ['pod-template-hash'],
      minDomains: 1,
      nodeAffinityPolicy: 'Honor',
      nodeTaintsPolicy: 'Ignore',
    },
    {
      maxSkew: 2,
      topologyKey: 'kubernetes.io/hostname',
      matchLabelKeys: [],
      minDomains: 3,
      nodeAffinityPolicy: 'Ignore',
      nodeTaintsPolicy: 'Honor',
    },
  ]);
  assert.equal(shape({ containers: [{ name: 'a' }] }).spread, undefined);
});

test('topologySpreadConstraints: a bad field is an error naming it', () => {
  const bad = (c: Record<string, unknown>) => () =>
    shape({ containers: [{ name: 'a' }], topologySpreadConstraints: [c] });
  assert.throws(
    bad({ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'Never' }),
    /topologySpreadConstraints\[0\]\.whenUnsatisfiable.*DoNotSchedule or ScheduleAnyway/,
  );
  assert.throws(
    bad({ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }),
    /topologySpreadConstraints\[0\]\.maxSkew/,
  );
  assert.throws(
    bad({
      maxSkew: 1,
      topologyKey: 'zone',
      whenUnsatisfiable: 'DoNotSchedule',
      nodeTaintsPolicy: 'Yes',
    }),
    /nodeTaintsPolicy.*Honor or Ignore/,
  );
});
