import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { constants, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LineSink } from '../../src/cli/line-sink.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const OPTIONS = { minChunkBytes: 1024, flushMs: 20, maxBufferBytes: 1024 * 1024 };

function closed(sink: LineSink): Promise<void> {
  return new Promise(resolve => {
    sink.close(resolve);
  });
}

test('lines come out in order, in chunks, and a quiet one within flushMs', async t => {
  const file = join(tempDir(t, 'sink'), 'out.log');
  const sink = new LineSink({ dest: file, ...OPTIONS });
  for (let i = 0; i < 2000; i++) sink.write(`line ${i}\n`);
  await new Promise(r => setTimeout(r, 100));
  sink.write('quiet\n');
  await new Promise(r => setTimeout(r, 100));
  assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').at(-1), 'quiet', 'no close needed');
  await closed(sink);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.deepEqual(lines, [...Array.from({ length: 2000 }, (_, i) => `line ${i}`), 'quiet']);
  assert.equal(sink.dropped, 0);
  sink.write('too late\n');
  assert.equal(sink.dropped, 1, 'a line after close is counted, never written to a closed file');
});

test('past maxBufferBytes waiting, lines are dropped and counted, never buffered without end', async t => {
  const file = join(tempDir(t, 'sink'), 'out.log');
  const sink = new LineSink({ dest: file, ...OPTIONS, maxBufferBytes: 100 });
  // One synchronous burst: nothing is written until the loop turns.
  for (let i = 0; i < 50; i++) sink.write(`line ${String(i).padStart(3, '0')}\n`);
  await closed(sink);
  const kept = readFileSync(file, 'utf8').trimEnd().split('\n').length;
  assert.ok(sink.dropped > 0);
  assert.equal(kept + sink.dropped, 50, 'every line is written or counted');
});

test('a destination that fails (a closed pipe) loses lines, counted, and never throws', async () => {
  const sink = new LineSink({ dest: 1_000_000, ...OPTIONS });
  for (let i = 0; i < 10; i++) sink.write(`line ${i}\n`);
  await new Promise<void>(resolve => {
    sink.flush(() => {
      resolve();
    });
  });
  assert.equal(sink.dropped, 10, 'EBADF: each line counted as lost');
  sink.write('after\n');
  assert.equal(sink.dropped, 11);
});

test('what is still queued when the process exits is written before it ends', t => {
  const file = join(tempDir(t, 'sink'), 'out.log');
  const script = `
    import { LineSink } from ${JSON.stringify(join(REPO, 'src/cli/line-sink.ts'))};
    const sink = new LineSink({ dest: ${JSON.stringify(file)}, minChunkBytes: 1 << 20, flushMs: 60000, maxBufferBytes: 1 << 24 });
    for (let i = 0; i < 1000; i++) sink.write('line ' + i + '\\n');
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, 1000);
});

test('a chunk waiting to retry after a full pipe (EAGAIN) is written at exit, before later lines', async t => {
  const { execFileSync } = await import('node:child_process');
  const fifo = join(tempDir(t, 'sink'), 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  const filler = Buffer.alloc(4096, 'x');
  try {
    for (;;) writeSync(writer, filler);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'EAGAIN');
  }
  const sink = new LineSink({
    dest: writer,
    minChunkBytes: 100,
    flushMs: 10,
    maxBufferBytes: 1 << 20,
  });
  for (let i = 0; i < 10; i++) sink.write(`line ${i}\n`);
  await new Promise(r => setTimeout(r, 30)); // the chunk's write met EAGAIN and waits to retry
  const buf = Buffer.alloc(1 << 20);
  const drain = (): string => {
    let out = '';
    try {
      for (;;) {
        const n = readSync(reader, buf);
        if (n === 0) break;
        out += buf.subarray(0, n).toString();
      }
    } catch {
      // EAGAIN: nothing more to read now
    }
    return out;
  };
  drain(); // the reader catches up
  sink.write('after\n');
  sink.flushSync(); // what the exit handler does
  assert.deepEqual(drain().trimEnd().split('\n'), [
    ...Array.from({ length: 10 }, (_, i) => `line ${i}`),
    'after',
  ]);
});
