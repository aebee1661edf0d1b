import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import {
  collectObjects,
  emptyClusterObjects,
  type ClusterObjects,
} from '../../src/cluster/collect.js';
import { dedupeObjects } from '../../src/cluster/dedupe.js';
import { buildClusterModel } from '../../src/cluster/build.js';
import { parseSubnets } from '../../src/cluster/aws/subnets.js';
import { parseInstanceTypes } from '../../src/cluster/aws/instance-types.js';
import { readDocuments } from '../../src/files/documents.js';
import { clusterFilesOf } from '../../src/files/cluster-files.js';
import { loadStateFiles, readClusterObjects } from '../../src/state/files.js';
import { writeLargeCluster } from '../../bench/large-cluster.js';
import { requestMix } from '../../bench/request-mix.js';
import type { KubeObject } from '../fakes/kube-api.js';
import { cli } from '../helpers/cli.js';
import { clusterInfoDump } from '../helpers/cluster-info-dump.js';
import {
  BLUEGREEN_DIR,
  bluegreenInstanceTypes,
  bluegreenObjects,
  bluegreenSubnets,
} from '../helpers/examples.js';
import { tempDir } from '../helpers/temp.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = tempDir(t, 'state-files');
  return dir;
}

/** What the whole-file reader makes of the same paths: every file decoded whole, then collected. */
async function wholeFileObjects(paths: readonly string[]): Promise<ClusterObjects> {
  const objects = emptyClusterObjects();
  for (const path of paths)
    for (const f of await clusterFilesOf(path)) collectObjects(await readDocuments(f), f, objects);
  return objects;
}

/** The bundled example's items without their kind and apiVersion, as the API lists them. */
function bare(items: readonly KubeObject[]): Record<string, unknown>[] {
  return items.map(o => {
    const rest: Record<string, unknown> = { ...o };
    delete rest.kind;
    delete rest.apiVersion;
    return rest;
  });
}

test('cluster files read item by item give the objects the whole-file reader gives', async t => {
  const dir = tmp(t);
  const objects = bluegreenObjects();
  const pods = objects.filter(o => o.kind === 'Pod');
  const nodes = objects.filter(o => o.kind === 'Node');
  const rows: { name: string; files: Record<string, string>; streamed: string[] }[] = [
    {
      name: 'a kubectl List, pretty-printed',
      files: {
        'c.json': JSON.stringify({ apiVersion: 'v1', items: objects, kind: 'List' }, null, 4),
      },
      streamed: ['c.json'],
    },
    {
      // The API's own order: kind and apiVersion before the items, which carry neither.
      name: 'a PodList from the API',
      files: {
        'c.json': JSON.stringify({
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: {},
          items: bare(pods),
        }),
      },
      streamed: ['c.json'],
    },
    {
      // kubectl's order puts kind after the items: the items wait for it, in their order.
      name: 'a PodList whose kind comes after its kindless items, some with their kind',
      files: {
        'c.json': JSON.stringify({
          apiVersion: 'v1',
          items: [...pods.slice(0, 2), ...bare(pods.slice(2)), ...pods.slice(0, 1)],
          kind: 'PodList',
        }),
      },
      streamed: ['c.json'],
    },
    {
      name: 'several Lists in one file',
      files: {
        'c.json': `${JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', items: bare(nodes) })}\n${JSON.stringify({ kind: 'List', items: objects.filter(o => o.kind !== 'Node') })}\n`,
      },
      streamed: ['c.json'],
    },
    {
      name: 'a cluster-info dump to stdout, logs between the lists',
      files: { 'dump.txt.json': clusterInfoDump(objects) },
      streamed: [],
    },
    {
      name: 'YAML, and single objects one after another',
      files: {
        'a.yaml': toYaml({ apiVersion: 'v1', kind: 'List', items: nodes }),
        'b.json': objects
          .filter(o => o.kind !== 'Node')
          .map(o => JSON.stringify(o))
          .join('\n'),
      },
      streamed: [],
    },
    {
      name: 'overlapping captures: each object once, the later copy',
      files: {
        'a.json': JSON.stringify({ kind: 'List', items: objects }),
        'b.json': JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items: bare(pods) }),
      },
      streamed: ['a.json', 'b.json'],
    },
  ];
  for (const [i, row] of rows.entries()) {
    await t.test(row.name, async () => {
      const folder = join(dir, String(i));
      mkdirSync(folder);
      for (const [name, text] of Object.entries(row.files)) writeFileSync(join(folder, name), text);
      const how: string[] = [];
      const streamed = await readClusterObjects([folder], (file, way) => {
        if (way === 'streamed') how.push(file.slice(folder.length + 1));
      });
      assert.deepStrictEqual(how, row.streamed, 'the files read item by item');
      const whole = await wholeFileObjects([folder]);
      assert.deepStrictEqual(streamed, whole);
      assert.ok(streamed.pods.length >= pods.length, 'the pods were read');
      const model = (o: ClusterObjects) =>
        buildClusterModel({
          objects: dedupeObjects(o).objects,
          subnets: parseSubnets(bluegreenSubnets(), 'subnets.json'),
          instanceTypes: parseInstanceTypes(bluegreenInstanceTypes(), 'instance-types.json'),
        });
      assert.deepStrictEqual(model(streamed), model(whole));
    });
  }
});

test('an object that cannot be read is the same error, naming the file, document and item', async t => {
  const dir = tmp(t);
  const pods = bluegreenObjects().filter(o => o.kind === 'Pod');
  const broken = { ...pods[1], spec: 5 } as KubeObject;
  const rows = [
    { name: 'one List', text: JSON.stringify({ kind: 'List', items: [pods[0], broken] }) },
    {
      name: 'the second of two Lists',
      text: `${JSON.stringify({ kind: 'List', items: [pods[0]] })}\n${JSON.stringify({ kind: 'List', items: [broken] })}`,
    },
    {
      name: 'an item with no kind in a List',
      text: '{"kind":"List","items":[{"metadata":{"name":"x"}}]}',
    },
    { name: 'an item that is not an object', text: '{"kind":"List","items":[7]}' },
    { name: 'a kind that is not a string', text: '{"kind":"List","items":[{"kind":3}]}' },
  ];
  for (const [i, row] of rows.entries()) {
    await t.test(row.name, async () => {
      const file = join(dir, `${i}.json`);
      writeFileSync(file, row.text);
      const whole = await wholeFileObjects([file]).then(
        () => assert.fail('the whole-file reader took it'),
        (err: unknown) => err,
      );
      assert.ok(whole instanceof Error);
      await assert.rejects(
        loadStateFiles({ cluster: [file], subnets: join(BLUEGREEN_DIR, 'subnets.json') }),
        (err: unknown) => err instanceof Error && err.message === whole.message,
      );
    });
  }
});

/** The reviews `npm run bench` sends, as files `check -f` reads. */
async function reviewFiles(clusterDir: string, dir: string): Promise<string[]> {
  const bodies = await requestMix(clusterDir);
  return [...new Set(bodies)].map((body, i) => {
    const file = join(dir, `review-${i}.json`);
    writeFileSync(file, body);
    return file;
  });
}

test('check --snapshot decides as it did when it read the files whole', async t => {
  const dir = tmp(t);
  // A smaller cut of the benchmark's cluster: node groups, DaemonSets, Deployments, blue/green Rollouts.
  const clusterDir = join(dir, 'cluster');
  await writeLargeCluster(clusterDir, {
    nodes: 60,
    podsPerNode: 12,
    zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  });
  // The same objects as one JSON object after another: a shape only the whole-file reader reads.
  const list = JSON.parse(readFileSync(join(clusterDir, 'cluster.json'), 'utf8')) as {
    items: unknown[];
  };
  const wholeFile = join(dir, 'objects.json');
  writeFileSync(wholeFile, list.items.map(o => JSON.stringify(o)).join('\n'));
  const bluegreenYaml = join(dir, 'bluegreen.yaml');
  writeFileSync(
    bluegreenYaml,
    toYaml(JSON.parse(readFileSync(join(BLUEGREEN_DIR, 'cluster.json'), 'utf8'))),
  );
  const cases = [
    ...(await reviewFiles(clusterDir, dir)).map(review => ({
      snapshot: clusterDir,
      whole: wholeFile,
      review,
    })),
    ...['rollout-v2.yaml', 'review-switch.json'].map(f => ({
      snapshot: BLUEGREEN_DIR,
      whole: bluegreenYaml,
      review: join(BLUEGREEN_DIR, f),
    })),
  ];
  assert.ok(cases.length >= 5);
  for (const c of cases) {
    const streamed = await cli([
      'check',
      '--snapshot',
      c.snapshot,
      '-f',
      c.review,
      '--output',
      'json',
    ]);
    const whole = await cli([
      'check',
      '--cluster',
      c.whole,
      '--subnets',
      join(c.snapshot, 'subnets.json'),
      '--instance-types',
      join(c.snapshot, 'instance-types.json'),
      '-f',
      c.review,
      '--output',
      'json',
    ]);
    assert.equal(streamed.err, '', c.review);
    assert.equal(streamed.code, whole.code, c.review);
    assert.equal(streamed.out, whole.out, c.review);
  }
});
