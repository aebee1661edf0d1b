import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { streamJsonLists, type JsonListOutcome } from '../../src/files/json-lists.js';
import { setOwn } from '../../src/cluster/fields.js';
import { tempDir } from '../helpers/temp.js';

interface Seen {
  readonly outcome: JsonListOutcome;
  /** Per document: its items, and its other keys as JSON.parse would keep them. */
  readonly documents: { items: unknown[]; fields: Record<string, unknown> }[];
}

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = tempDir(t, 'json-lists');
  return dir;
}

async function stream(dir: string, text: string | Buffer, chunkBytes?: number): Promise<Seen> {
  const path = join(dir, 'lists.json');
  writeFileSync(path, text);
  const documents: Seen['documents'] = [];
  const outcome = await streamJsonLists(
    path,
    {
      documentStart(index) {
        assert.equal(index, documents.length);
        documents.push({ items: [], fields: {} });
      },
      item(value, index) {
        const doc = documents[documents.length - 1]!;
        assert.equal(index, doc.items.length);
        doc.items.push(value);
      },
      field(key, value) {
        // As data, as JSON.parse keeps it: assigning `__proto__` would set the prototype instead.
        setOwn(documents[documents.length - 1]!.fields, key, value);
      },
      documentEnd() {},
    },
    chunkBytes,
  );
  return { outcome, documents };
}

/** What JSON.parse makes of the same documents, split as the stream splits them. */
function expected(docs: readonly Record<string, unknown>[]): Seen['documents'] {
  return docs.map(d => {
    const { items, ...fields } = d;
    return { items: items as unknown[], fields };
  });
}

test('a List streams item by item, whatever the read size, as JSON.parse reads it', async t => {
  const dir = tmp(t);
  const text = JSON.stringify({
    apiVersion: 'v1',
    items: [
      { kind: 'Pod', metadata: { name: 'a "quoted" \\ name', labels: { 'x/y': '}]{[' } } },
      {
        kind: 'Pod',
        metadata: { name: 'zoë – ünïcode ✓ 🚀' },
        spec: { n: [1, 2.5, -3e2, true, null] },
      },
      'a string item',
      42,
      [],
      {},
    ],
    kind: 'List',
    metadata: { resourceVersion: '' },
  });
  const want = expected([JSON.parse(text) as Record<string, unknown>]);
  for (const chunk of [1, 2, 3, 7, 64, 1 << 20]) {
    const seen = await stream(dir, text, chunk);
    assert.equal(seen.outcome, 'done', `chunk ${chunk}`);
    assert.deepStrictEqual(seen.documents, want, `chunk ${chunk}`);
  }
});

test('documents one after another, pretty-printed, stream each in turn', async t => {
  const dir = tmp(t);
  const docs = [
    { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'n1' } }] },
    { kind: 'PodList', apiVersion: 'v1', items: [] },
    { items: [{ a: 1 }, { b: 2 }], kind: 'List' },
  ];
  const text = docs.map(d => `${JSON.stringify(d, null, 4)}\n`).join('');
  for (const chunk of [5, 1 << 20]) {
    const seen = await stream(dir, text, chunk);
    assert.equal(seen.outcome, 'done');
    assert.deepStrictEqual(seen.documents, expected(docs));
  }
});

test('a repeated top-level key is handed over again: the last one is the one JSON.parse keeps', async t => {
  const seen = await stream(tmp(t), '{"kind":"PodList","items":[{"a":1}],"kind":"List"}');
  assert.equal(seen.outcome, 'done');
  assert.deepStrictEqual(seen.documents[0]?.fields, JSON.parse('{"kind":"PodList","kind":"List"}'));
});

test('what is not JSON Lists is left to the whole-file reader', async t => {
  const dir = tmp(t);
  const rows: { name: string; text: string | Buffer }[] = [
    { name: 'YAML', text: 'apiVersion: v1\nkind: List\nitems: []\n' },
    { name: 'an empty file', text: '' },
    { name: 'only whitespace', text: ' \n\t ' },
    { name: 'a single object', text: '{"kind":"Pod","metadata":{"name":"p"}}' },
    { name: 'an empty object', text: '{}' },
    { name: 'a top-level array', text: '[{"kind":"Pod"}]' },
    { name: 'items that are not a list', text: '{"kind":"List","items":{"a":1}}' },
    { name: 'items twice', text: '{"items":[{"a":1}],"items":[{"b":2}]}' },
    { name: 'a list, then a single object', text: '{"items":[]}\n{"kind":"Pod"}' },
    { name: 'cut short', text: '{"kind":"List","items":[{"a":1},{"b":' },
    { name: 'cut inside a string', text: '{"kind":"List","items":[{"a":"abc' },
    { name: 'a trailing comma in items', text: '{"items":[{"a":1},]}' },
    { name: 'a trailing comma in the list', text: '{"items":[],}' },
    { name: 'a missing comma', text: '{"items":[{"a":1} {"b":2}]}' },
    { name: 'a missing colon', text: '{"items" [1]}' },
    { name: 'a broken item', text: '{"items":[{"a":tru}]}' },
    { name: 'a broken field', text: '{"kind":Lis,"items":[]}' },
    { name: 'text after the list', text: '{"items":[]} trailing' },
    {
      name: 'container logs between lists',
      text: '{"items":[]}\n==== START logs for container c of pod ns/p ====\nhi\n==== END logs for container c of pod ns/p ====\n{"items":[]}\n',
    },
    { name: 'a byte order mark', text: Buffer.from('\ufeff{"items":[]}', 'utf8') },
  ];
  for (const row of rows) {
    await t.test(row.name, async () => {
      for (const chunk of [1, 4, 1 << 20]) {
        assert.equal((await stream(dir, row.text, chunk)).outcome, 'unsupported', `chunk ${chunk}`);
      }
    });
  }
});

test('any List of JSON values streams to what JSON.parse reads, at any read size', async t => {
  const dir = tmp(t);
  const key = fc.oneof(fc.string(), fc.constantFrom('kind', 'apiVersion', 'metadata', '"', '\\'));
  const document = fc
    .tuple(
      fc.array(fc.jsonValue(), { maxLength: 6 }),
      fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      fc.nat(3),
    )
    .map(([items, extra, at]) => {
      const fields = Object.entries(extra).filter(([k]) => k !== 'items');
      // The items key anywhere among the others.
      const entries = [...fields.slice(0, at), ['items', items], ...fields.slice(at)];
      return Object.fromEntries(entries) as Record<string, unknown>;
    });
  await fc.assert(
    fc.asyncProperty(
      fc.array(document, { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: 40 }),
      fc.boolean(),
      async (docs, chunk, pretty) => {
        const text = docs.map(d => JSON.stringify(d, null, pretty ? 2 : undefined)).join('\n');
        const seen = await stream(dir, text, chunk);
        assert.equal(seen.outcome, 'done');
        const reparsed = docs.map(d => JSON.parse(JSON.stringify(d)) as Record<string, unknown>);
        assert.deepStrictEqual(seen.documents, expected(reparsed));
      },
    ),
    { numRuns: 150 },
  );
});

test('a __proto__ key, top-level or in an item, is kept as data, as JSON.parse keeps it', async t => {
  // The counterexample fast-check found (seed -2095815668) for the property above.
  const dir = tmp(t);
  const text = '{"items":[],"__proto__":false}\n{"items":[{"__proto__":{"a":1}}]}';
  for (const chunk of [1, 5, 1 << 20]) {
    const seen = await stream(dir, text, chunk);
    assert.equal(seen.outcome, 'done');
    assert.equal(Object.hasOwn(seen.documents[0]!.fields, '__proto__'), true);
    assert.equal(seen.documents[0]!.fields['__proto__'], false);
    const item = seen.documents[1]!.items[0] as Record<string, unknown>;
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(item, '__proto__')?.value, { a: 1 });
    assert.deepStrictEqual(
      seen.documents,
      expected(text.split('\n').map(line => JSON.parse(line) as Record<string, unknown>)),
    );
  }
});

test('an error in the handler is not taken for a shape it cannot read', async t => {
  const path = join(tmp(t), 'lists.json');
  writeFileSync(path, '{"items":[{"a":1}]}');
  await assert.rejects(
    streamJsonLists(path, {
      documentStart() {},
      item() {
        throw new RangeError('the handler failed');
      },
      field() {},
      documentEnd() {},
    }),
    RangeError,
  );
});
