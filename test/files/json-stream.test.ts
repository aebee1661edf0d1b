import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocuments } from '../../src/files/documents.js';
import { InputError } from '../../src/errors.js';
import { bluegreenObjects } from '../helpers/examples.js';
import { clusterInfoDump } from '../helpers/cluster-info-dump.js';

test('a cluster-info dump reads as its lists, logs left out', () => {
  const objects = bluegreenObjects();
  const docs = parseDocuments(clusterInfoDump(objects), 'dump.txt') as {
    kind: string;
    items: unknown[];
  }[];
  const count = (kind: string): number =>
    docs.filter(d => d.kind === `${kind}List`).reduce((n, d) => n + d.items.length, 0);
  for (const kind of ['Node', 'Pod', 'DaemonSet', 'Deployment', 'ReplicaSet'])
    assert.equal(count(kind), objects.filter(o => o.kind === kind).length, kind);
  assert.ok(docs.every(d => typeof d.kind === 'string' && d.kind.endsWith('List')));
});

test('JSON documents one after another, and the file errors that name where', async t => {
  const rows: { name: string; text: string; docs?: unknown[]; error?: RegExp }[] = [
    { name: 'two objects', text: '{"a":1}\n{"b":"}{"}\n', docs: [{ a: 1 }, { b: '}{' }] },
    { name: 'escaped quotes', text: '{"a":"\\"}"}{"b":2}', docs: [{ a: '"}' }, { b: 2 }] },
    { name: 'a list then an object', text: '[1,2]\n{"c":[]}', docs: [[1, 2], { c: [] }] },
    {
      name: 'a log section with no end',
      text: '{"a":1}\n==== START logs for container app of pod ns/p ====\nhello\n',
      error: /dump: line 2: the logs for container app of pod ns\/p never end/,
    },
    { name: 'a broken document', text: '{"a":1}\n{"b":', error: /dump: not valid JSON/ },
  ];
  for (const row of rows) {
    await t.test(row.name, () => {
      if (row.error) {
        assert.throws(
          () => parseDocuments(row.text, 'dump'),
          (e: unknown) => e instanceof InputError && row.error!.test(e.message),
        );
      } else assert.deepEqual(parseDocuments(row.text, 'dump'), row.docs);
    });
  }
});
