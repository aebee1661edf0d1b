/**
 * What a pause per new body costs under the new-scale class's load, whatever the server does with it:
 * the bare route, pausing P µs the first time it sees each replica count, against itself with no pause.
 * autocannon's connections send the class's list in one order, so each count arrives about 20 times
 * close together and only the first pauses. Usage: node dist/bench/pause-calibration.js [P,P,...]
 * (BENCH_SECONDS per server and round, 15; three rounds, the median kept).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makePki } from '../test/helpers/certs.js';
import { cpuSeconds, freePort, load, startServer, stopServer } from './admission-load.js';
import { writeLargeCluster } from './large-cluster.js';
import { requestClasses } from './request-mix.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = 5;
const ROUNDS = 3;
const pausesUs = (process.argv[2] ?? '0,50,100,200,300').split(',').map(Number);

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const work = await mkdtemp(join(tmpdir(), 'ipguard-pause-'));
try {
  const clusterDir = join(work, 'cluster');
  await writeLargeCluster(clusterDir);
  const pki = makePki(await mkdtemp(join(work, 'pki-')));
  const fresh = (await requestClasses(clusterDir)).find(c => c.name === 'new-scale-each-time');
  if (!fresh) throw new Error('no new-scale-each-time class');
  const rates = new Map<number, number[]>(pausesUs.map(p => [p, []]));
  const cpuUs = new Map<number, number[]>(pausesUs.map(p => [p, []]));
  for (let round = 0; round < ROUNDS; round++)
    for (const pauseUs of pausesUs) {
      const port = await freePort();
      const server = join(ROOT, 'dist/bench/bare-server.js');
      const child = await startServer(
        [server, String(port), pki.certFile, pki.keyFile, String(pauseUs)],
        port,
        60_000,
        'pipe',
      );
      try {
        await load(port, fresh.bodies, 20, WARMUP_SECONDS);
        const before = cpuSeconds(child.pid!);
        const r = await load(port, fresh.bodies, 20, SECONDS);
        rates.get(pauseUs)!.push(r.requestsPerSecond);
        cpuUs.get(pauseUs)!.push(((cpuSeconds(child.pid!) - before) / r.requests) * 1e6);
      } finally {
        await stopServer(child);
      }
    }
  const base = median(rates.get(pausesUs[0]!)!);
  process.stdout.write(
    `| pause per new count | requests/s | ratio to pause ${pausesUs[0]} | CPU per answer |\n| ---: | ---: | ---: | ---: |\n`,
  );
  for (const p of pausesUs) {
    const rate = median(rates.get(p)!);
    process.stdout.write(
      `| ${p} µs | ${rate.toFixed(0)} | ${(rate / base).toFixed(2)} | ${median(cpuUs.get(p)!).toFixed(1)} µs |\n`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
