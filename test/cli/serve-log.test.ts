import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveLog } from '../../src/cli/serve-log.js';
import { tempDir } from '../helpers/temp.js';

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = tempDir(t, 'log');
  return join(dir, 'out.log');
}

test('every line logged before close() is written, in order, as one JSON object a line', async t => {
  const file = tempFile(t);
  const sink = serveLog('info', { dest: file });
  for (let i = 0; i < 5000; i++) sink.log.info({ uid: `u-${i}` }, 'admission review');
  // Fewer than a chunk: these would wait for the periodic flush without close().
  sink.log.warn({ uid: 'last' }, 'shutting down');
  await sink.close();
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 5001);
  const parsed = lines.map(l => JSON.parse(l) as { uid: string; service: string; msg: string });
  assert.deepEqual(
    parsed.map(p => p.uid),
    [...Array.from({ length: 5000 }, (_, i) => `u-${i}`), 'last'],
  );
  assert.equal(parsed[0]?.service, 'ipguard');
  assert.equal(sink.dropped(), 0);
});

test('a destination that cannot keep up drops lines past the bound and counts them', async t => {
  const file = tempFile(t);
  const sink = serveLog('info', { dest: file, maxBufferBytes: 2048 });
  // One synchronous burst: nothing can be written until the loop turns, so the buffer fills.
  for (let i = 0; i < 1000; i++) sink.log.info({ uid: `u-${i}` }, 'admission review');
  await sink.close();
  const kept = readFileSync(file, 'utf8').trimEnd().split('\n').length;
  assert.ok(sink.dropped() > 0, 'lines past the bound are dropped, not buffered without end');
  assert.equal(kept + sink.dropped(), 1000, 'every line is either written or counted as dropped');
});

test('below the log level nothing is buffered', async t => {
  const file = tempFile(t);
  const sink = serveLog('warn', { dest: file });
  sink.log.info('not written');
  sink.log.warn('written');
  await sink.close();
  assert.deepEqual(
    readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map(l => (JSON.parse(l) as { msg: string }).msg),
    ['written'],
  );
});
