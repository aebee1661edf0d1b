/**
 * `ipguard serve --snapshot DIR` in a process of its own, its memory read through bench/memory-probe.ts:
 * once it is ready, and again after answering a stream of reviews (whatever the request path keeps).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import { freePort, load } from './admission-load.js';
import type { MemoryReading } from './memory.js';

export interface ServeMemory {
  readonly atReady: MemoryReading;
  readonly afterLoad: MemoryReading;
  readonly startMs: number;
  readonly requests: number;
}

function ready(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const req = request(
      { host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: 1000 },
      res => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => {
      resolve(false);
    });
    req.end();
  });
}

function ask(child: ChildProcess): Promise<MemoryReading> {
  return new Promise((resolve, reject) => {
    const onExit = (): void => {
      reject(new Error('the server exited before it answered'));
    };
    child.once('exit', onExit);
    child.once('message', m => {
      child.off('exit', onExit);
      resolve(m as MemoryReading);
    });
    child.send('memory');
  });
}

export async function snapshotServeMemory(
  root: string,
  snapshotDir: string,
  tls: { readonly certFile: string; readonly keyFile: string },
  bodies: readonly string[],
  loadSeconds: number,
): Promise<ServeMemory> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      join(root, 'dist/bench/memory-probe.js'),
      join(root, 'dist/src/cli/main.js'),
      'serve',
      '--port',
      String(port),
      '--tls-cert',
      tls.certFile,
      '--tls-key',
      tls.keyFile,
      '--snapshot',
      snapshotDir,
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  try {
    const deadline = Date.now() + 180_000;
    while (!(await ready(port))) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`serve --snapshot ${snapshotDir} never became ready`);
      await new Promise(r => setTimeout(r, 100));
    }
    const startMs = performance.now() - t0;
    const atReady = await ask(child);
    const result = await load(port, bodies, 20, loadSeconds);
    const afterLoad = await ask(child);
    return {
      atReady,
      afterLoad,
      startMs,
      requests: Math.round(result.requestsPerSecond * loadSeconds),
    };
  } finally {
    const exited = new Promise(r => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise(r => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
