/**
 * One request class against `ipguard serve --snapshot` (or the bare route) under --cpu-prof, and the
 * functions with the most self time: for finding what a review costs (`npm run bench` measures it).
 * Usage: node dist/bench/profile-request.js CLASS|mix [ipguard|bare] [SECONDS]
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makePki } from '../test/helpers/certs.js';
import { freePort, load, startServer, stopServer } from './admission-load.js';
import { writeLargeCluster } from './large-cluster.js';
import { WARMUP_SECONDS } from './admission-rows.js';
import { interleaved, requestClasses } from './request-mix.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const [className = 'switch', which = 'ipguard', seconds = '10'] = process.argv.slice(2);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const work = await mkdtemp(join(tmpdir(), 'ipguard-profile-'));
try {
  // A cluster written once can be reused between runs: IPGUARD_PROFILE_CLUSTER names its folder.
  const given = process.env.IPGUARD_PROFILE_CLUSTER;
  const clusterDir = given ?? join(work, 'cluster');
  if (given === undefined) await writeLargeCluster(clusterDir);
  const pki = makePki(await mkdtemp(join(work, 'pki-')));
  const classes = await requestClasses(clusterDir);
  const c =
    className === 'mix'
      ? { name: 'mix', bodies: interleaved(classes) }
      : classes.find(k => k.name === className);
  if (!c) throw new Error(`no class ${className}: ${classes.map(k => k.name).join(', ')}`);
  const port = await freePort();
  const profDir = join(work, 'prof');
  const args =
    which === 'bare'
      ? [join(ROOT, 'dist/bench/bare-server.js'), String(port), pki.certFile, pki.keyFile]
      : [
          join(ROOT, 'dist/src/cli/main.js'),
          'serve',
          ...['--port', String(port), '--host', '127.0.0.1'],
          ...['--tls-cert', pki.certFile, '--tls-key', pki.keyFile, '--snapshot', clusterDir],
        ];
  const child = await startServer(
    ['--cpu-prof', `--cpu-prof-dir=${profDir}`, ...args],
    port,
    180_000,
    'pipe',
  );
  await load(port, c.bodies, 20, WARMUP_SECONDS);
  // CPU profiles stamp samples with CLOCK_MONOTONIC in µs, as hrtime reads it in this process.
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const r = await load(port, c.bodies, 20, Number(seconds));
  const toUs = Number(process.hrtime.bigint() / 1000n);
  await stopServer(child);
  const [file] = await readdir(profDir);
  const text = await readFile(join(profDir, file!), 'utf8');
  if (process.env.IPGUARD_PROFILE_OUT !== undefined) {
    await writeFile(process.env.IPGUARD_PROFILE_OUT, text);
    await writeFile(
      `${process.env.IPGUARD_PROFILE_OUT}.window.json`,
      JSON.stringify({ fromUs, toUs, requests: r.requests }),
    );
  }
  const p = JSON.parse(text) as Profile;
  const byId = new Map(p.nodes.map(n => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  // Only the measured load: startup, warm-up and shutdown excluded.
  let atUs = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!)!;
    const dt = p.timeDeltas[i] ?? 0;
    atUs += dt;
    if (atUs < fromUs || atUs > toUs) continue;
    total += dt;
    const f = n.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  const busyUs = total - idle;
  const requests = r.requests;
  process.stdout.write(
    `${which} ${className}: ${r.requests} requests, ${r.requestsPerSecond.toFixed(0)}/s; busy ${(busyUs / requests).toFixed(1)} µs per request (profile)\n`,
  );
  for (const [k, v] of [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(process.env.TOP ?? 45)))
    process.stdout.write(
      `${((v / busyUs) * 100).toFixed(1).padStart(5)}% ${(v / requests).toFixed(2).padStart(6)} µs  ${k}\n`,
    );
} finally {
  await rm(work, { recursive: true, force: true });
}
