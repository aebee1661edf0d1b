import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { collectObjects, emptyClusterObjects } from '../../src/cluster/collect.js';
import { dedupeObjects } from '../../src/cluster/dedupe.js';
import { buildClusterModel } from '../../src/cluster/build.js';
import { parseSubnets } from '../../src/cluster/aws/subnets.js';
import { parseInstanceTypes } from '../../src/cluster/aws/instance-types.js';
import { daemonSetLoad } from '../../src/simulate/placement.js';
import { faceInZone, nodeGroupsOf } from '../../src/simulate/node-groups.js';
import type { ClusterModel } from '../../src/cluster/model.js';
import {
  bluegreenInstanceTypes,
  bluegreenObjects,
  bluegreenSubnets,
  clone,
} from '../helpers/examples.js';
import { clusterInfoDump } from '../helpers/cluster-info-dump.js';
import { cli, EXAMPLE } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import type { KubeObject } from '../fakes/kube-api.js';

const OBJECTS = bluegreenObjects();
const SUBNETS = parseSubnets(bluegreenSubnets(), 'subnets.json');
const TYPES = parseInstanceTypes(bluegreenInstanceTypes(), 'instance-types.json');

/** The model from files given in order, as `--cluster A --cluster B …` reads them. */
function modelOf(files: readonly (readonly KubeObject[])[]): ClusterModel {
  const objects = emptyClusterObjects();
  files.forEach((items, i) => {
    collectObjects([{ apiVersion: 'v1', kind: 'List', items }], `file-${i}`, objects);
  });
  return buildClusterModel({
    objects: dedupeObjects(objects).objects,
    subnets: SUBNETS,
    instanceTypes: TYPES,
  });
}

/** What the simulation reads of a model, in a comparable form. */
function summary(m: ClusterModel): unknown {
  const group = nodeGroupsOf(m).find(g => g.name === 'apps');
  return {
    nodes: [...m.nodes.values()]
      .map(n => [n.name, n.subnetId, n.usage] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    daemonSets: m.daemonSets.map(d => `${d.namespace}/${d.name}`).sort(),
    perNewNode: group ? daemonSetLoad(m.daemonSets, faceInZone(group, 'us-east-1a')) : undefined,
    workloads: [...m.workloads.keys()].sort(),
    replicaSets: m.replicaSets.map(r => `${r.namespace}/${r.name}`).sort(),
    workloadNodes: [...m.workloadNodes].map(([k, v]) => [k, [...v].sort()]).sort(),
    namespaces: [...m.namespaces.keys()].sort(),
  };
}

test('the issue: a pod list and a dump that overlap count each pod once', () => {
  const pods = OBJECTS.filter(o => o.kind === 'Pod');
  const once = modelOf([OBJECTS]);
  const twice = modelOf([OBJECTS, pods]);
  const podsOn = (m: ClusterModel): number =>
    [...m.nodes.values()].reduce((n, x) => n + x.usage.pods, 0);
  assert.equal(podsOn(twice), podsOn(once));
  assert.equal(podsOn(once), pods.filter(p => (p.spec as { nodeName?: string }).nodeName).length);
});

test('a DaemonSet given again in a manifest changes no DaemonSet pods per new node; the later copy wins', () => {
  const ds = OBJECTS.find(
    o =>
      o.kind === 'DaemonSet' &&
      o.metadata.name !== 'aws-node' &&
      (o.spec as { template: { spec: { hostNetwork?: boolean } } }).template.spec.hostNetwork !==
        true,
  );
  assert.ok(ds);
  const once = modelOf([OBJECTS]);
  const group = nodeGroupsOf(once).find(g => g.name === 'apps');
  assert.ok(group);
  const load = (m: ClusterModel) => daemonSetLoad(m.daemonSets, faceInZone(group, 'us-east-1a'));
  assert.deepEqual(load(modelOf([OBJECTS, [clone(ds)]])), load(once));

  // The manifest makes it hostNetwork: given last, that is what counts.
  const edited = clone(ds);
  (edited.spec as { template: { spec: Record<string, unknown> } }).template.spec.hostNetwork = true;
  const later = modelOf([OBJECTS, [edited]]);
  const name = `${ds.metadata.namespace}/${ds.metadata.name}`;
  const network = (m: ClusterModel): string | undefined =>
    m.daemonSets.find(d => `${d.namespace}/${d.name}` === name)?.pod.network;
  assert.equal(network(later), 'host');
  assert.equal(network(modelOf([[edited], OBJECTS])), 'pool', 'the later file wins');
});

test('a Deployment and a Rollout of the same name are two objects', () => {
  const objects = emptyClusterObjects();
  const w = (kind: string, apiVersion: string): KubeObject => ({
    apiVersion,
    kind,
    metadata: { name: 'checkout', namespace: 'shop' },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'a' }] } } },
  });
  collectObjects(
    [{ kind: 'List', items: [w('Deployment', 'apps/v1'), w('Rollout', 'argoproj.io/v1alpha1')] }],
    'f',
    objects,
  );
  const { objects: kept, duplicates } = dedupeObjects(objects);
  assert.equal(duplicates, 0);
  assert.equal(kept.workloads.length, 2);
});

test('giving a file twice, or overlapping parts of it, changes nothing', () => {
  const whole = summary(modelOf([OBJECTS]));
  const indexes = fc.array(fc.integer({ min: 0, max: OBJECTS.length - 1 }), { maxLength: 40 });
  fc.assert(
    fc.property(fc.array(indexes, { maxLength: 4 }), fc.boolean(), (parts, wholeFirst) => {
      const extra = parts.map(p => p.map(i => clone(OBJECTS[i] as KubeObject)));
      const files = wholeFirst ? [OBJECTS, ...extra] : [...extra, OBJECTS];
      assert.deepEqual(summary(modelOf(files)), whole);
    }),
    { numRuns: 100 },
  );
});

test('check: the same file twice, and a cluster-info dump beside the rest, give the same verdict', async t => {
  const dir = tempDir(t, 'dedupe');
  const cluster = join(EXAMPLE, 'cluster.json');
  const flags = [
    '-f',
    join(EXAMPLE, 'rollout-v2.yaml'),
    '--subnets',
    join(EXAMPLE, 'subnets.json'),
    '--instance-types',
    join(EXAMPLE, 'instance-types.json'),
    '--output',
    'json',
  ];
  const once = await cli(['check', ...flags, '--cluster', cluster]);
  assert.equal(once.code, 1);
  const twice = await cli(['check', ...flags, '--cluster', cluster, '--cluster', cluster]);
  assert.equal(twice.code, once.code);
  assert.equal(twice.out, once.out);

  // The dump has nodes, DaemonSets, Deployments, ReplicaSets and pods; Namespaces and Rollouts come
  // from a second capture that overlaps it (the whole file).
  const dump = join(dir, 'cluster-info.dump');
  await writeFile(dump, clusterInfoDump(OBJECTS));
  const rest = join(dir, 'rest.json');
  await writeFile(
    rest,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: OBJECTS.filter(o => o.kind === 'Namespace' || o.kind === 'Rollout'),
    }),
  );
  const fromDump = await cli(['check', ...flags, '--cluster', dump, '--cluster', rest]);
  assert.equal(fromDump.err, '');
  assert.equal(fromDump.out, once.out);
  const overlapping = await cli(['check', ...flags, '--cluster', dump, '--cluster', cluster]);
  assert.equal(overlapping.out, once.out);

  // --output-directory: nodes.json, <namespace>/<kind>.json and <namespace>/<pod>/logs.txt.
  const tree = join(dir, 'dump-dir');
  const listOf = (kind: string, items: readonly KubeObject[]): string =>
    JSON.stringify(
      {
        kind: `${kind}List`,
        apiVersion: kind === 'Pod' || kind === 'Node' ? 'v1' : 'apps/v1',
        items,
      },
      null,
      4,
    );
  await mkdir(tree, { recursive: true });
  await writeFile(
    join(tree, 'nodes.json'),
    listOf(
      'Node',
      OBJECTS.filter(o => o.kind === 'Node'),
    ),
  );
  const namespaces = new Set(
    OBJECTS.flatMap(o => (o.metadata.namespace === undefined ? [] : [o.metadata.namespace])),
  );
  for (const ns of namespaces) {
    await mkdir(join(tree, ns, 'some-pod'), { recursive: true });
    await writeFile(join(tree, ns, 'some-pod', 'logs.txt'), '{"not": "a document"\n');
    for (const [file, kind] of [
      ['daemonsets', 'DaemonSet'],
      ['deployments', 'Deployment'],
      ['replicasets', 'ReplicaSet'],
      ['pods', 'Pod'],
    ] as const)
      await writeFile(
        join(tree, ns, `${file}.json`),
        listOf(
          kind,
          OBJECTS.filter(o => o.kind === kind && o.metadata.namespace === ns),
        ),
      );
  }
  const fromTree = await cli(['check', ...flags, '--cluster', tree, '--cluster', rest]);
  assert.equal(fromTree.err, '');
  assert.equal(fromTree.out, once.out);
  const empty = join(dir, 'empty');
  await mkdir(empty);
  const none = await cli(['check', ...flags, '--cluster', empty]);
  assert.equal(none.code, 2);
  assert.match(none.err, /empty: a directory with no \.json or \.yaml files/);
});

test('--help says which copy counts', async () => {
  for (const command of ['check', 'report']) {
    const r = await cli([command, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out.replace(/\s+/g, ' '), /counts once: the later file wins/, command);
    assert.match(r.out, /cluster-info dump/, command);
  }
});
