import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MAX_JSON_BYTES,
  MAX_YAML_ALIASES,
  MAX_YAML_BYTES,
  readDocuments,
} from '../../src/files/documents.js';
import { InputError } from '../../src/errors.js';
import { tempDir } from '../helpers/temp.js';

/*
 * Hostile files for `check` and the state files: each is a one-line InputError (exit 2) in bounded
 * time and memory, never a stack trace or an out-of-memory crash.
 */

const dir = tempDir({ after }, 'documents');

async function file(name: string, text: string, size?: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  // Sparse: a file of hundreds of MiB that costs nothing on disk and is never read.
  if (size !== undefined) await truncate(path, size);
  return path;
}

async function rejects(path: string, message: RegExp): Promise<void> {
  await assert.rejects(readDocuments(path), (err: unknown) => {
    assert.ok(err instanceof InputError, String(err));
    assert.match(err.message, message);
    assert.doesNotMatch(err.message, /\n/);
    assert.ok(err.message.startsWith(path), err.message);
    return true;
  });
}

test('YAML past the size cap is refused before it is parsed, with what to do instead', async () => {
  await rejects(
    await file('big.yaml', 'kind: List\n', 100 * 1024 * 1024),
    /100\.0 MiB of YAML is more than ipguard reads \(4\.0 MiB\); write it as JSON/,
  );
  // Just past the cap, read in full: the cap counts what is there, not the file's first bytes.
  const justOver = `x: "${'y'.repeat(MAX_YAML_BYTES)}"\n`;
  // Its size rounded up: never "4.0 MiB of YAML is more than 4.0 MiB".
  await rejects(
    await file('over.yaml', justOver),
    /4\.1 MiB of YAML is more than ipguard reads \(4\.0 MiB\)/,
  );
});

test('JSON of the same size is read: the cap is on YAML, whose parser costs 50x the text', async () => {
  const items = Array.from({ length: 120_000 }, (_, i) => ({
    kind: 'ConfigMap',
    metadata: { name: `c${i}` },
  }));
  const text = JSON.stringify({ kind: 'List', items });
  assert.ok(text.length > MAX_YAML_BYTES);
  const [doc] = await readDocuments(await file('big.json', text));
  assert.equal((doc as { items: unknown[] }).items.length, 120_000);
});

test('a file too large for any string is refused from its size', async () => {
  await rejects(
    await file('huge.json', '{"kind":"List","items":[', MAX_JSON_BYTES + 1),
    /MiB is more than ipguard reads from one file/,
  );
});

test('an alias bomb is refused: each alias may stand for a whole tree', async () => {
  const anchor = Array.from({ length: 200 }, (_, i) => `    k${i}: ${'v'.repeat(40)}`).join('\n');
  const aliases = Array.from({ length: MAX_YAML_ALIASES + 1 }, () => '  - *b').join('\n');
  await rejects(
    await file('aliases.yaml', `kind: List\nitems:\n  - &b\n${anchor}\n${aliases}\n`),
    /YAML cannot be expanded \(Excessive alias count/,
  );
  // A few aliases, as a real manifest may have, are fine.
  const docs = await readDocuments(await file('few.yaml', `a: &x {cpu: 1}\nb: *x\nc: *x\n`));
  assert.deepEqual(docs, [{ a: { cpu: 1 }, b: { cpu: 1 }, c: { cpu: 1 } }]);
});

test('YAML nested past the parser stack is a YAML error, not a crash', async () => {
  const depth = 20_000;
  await rejects(
    await file('deep.yaml', `kind: List\nitems: ${'['.repeat(depth)}${']'.repeat(depth)}\n`),
    /not valid YAML/,
  );
});
