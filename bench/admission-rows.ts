/**
 * The admission rows of `npm run bench`: every request class against `ipguard serve --snapshot` and
 * the bare route, alternated in one run. `node dist/bench/admission-only.js` runs these alone.
 */
import { join, resolve } from 'node:path';
import type { makePki } from '../test/helpers/certs.js';
import { freePort, post, sideBySide, startServer, stopServer } from './admission-load.js';
import { interleaved, requestClasses } from './request-mix.js';
import { fmt, type Row } from './table-row.js';

const CONNECTIONS = 20;
/** Seconds of load per request class and server (ipguard, bare route), split into rounds. */
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ROUNDS = 3;
const ROUND_SECONDS = Math.max(1, Math.round(DURATION_SECONDS / ROUNDS));
/**
 * Load each server takes for a class before it is measured. A webhook serves for days; what a fresh
 * process does in its first seconds is not its throughput. V8 is still optimising the class's code
 * then (perf showed its compiler threads at 11% of the process's CPU five seconds into a class) and
 * sizing its young generation: the scale class measured 0.80 of the bare route after 1 s of warm-up
 * and 0.98 after 15 s, on the same build and machine.
 */
export const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const ROOT = resolve(import.meta.dirname, '..', '..');
/** `BENCH_CLASSES=scale,mix` runs those classes alone (for iterating on one). */
const ONLY = process.env.BENCH_CLASSES?.split(',').filter(c => c !== '');

/** What ipguard answers a class's first body: the verdict the load then repeats. */
function verdictOf(text: string): string {
  const r = (
    JSON.parse(text) as {
      response?: { allowed?: boolean; auditAnnotations?: Record<string, string> };
    }
  ).response;
  if (!r) return 'no response';
  return r.auditAnnotations?.verdict ?? (r.allowed === true ? 'allowed, not judged' : 'denied');
}

/**
 * Every request class against `ipguard serve --snapshot` (at its default log level, info: one line per
 * review) and the bare route, alternated in one run; then all classes interleaved.
 */
export async function admissionRows(
  clusterDir: string,
  pki: ReturnType<typeof makePki>,
): Promise<Row[]> {
  const classes = await requestClasses(clusterDir);
  const ipguardPort = await freePort();
  const barePort = await freePort();
  const ipguard = await startServer(
    [
      join(ROOT, 'dist/src/cli/main.js'),
      'serve',
      ...['--port', String(ipguardPort), '--host', '127.0.0.1'],
      ...['--tls-cert', pki.certFile, '--tls-key', pki.keyFile, '--snapshot', clusterDir],
    ],
    ipguardPort,
    180_000,
    // The review log goes where a container's stdout goes: a pipe someone reads.
    'pipe',
  );
  const rows: Row[] = [];
  try {
    const bare = await startServer(
      [join(ROOT, 'dist/bench/bare-server.js'), String(barePort), pki.certFile, pki.keyFile],
      barePort,
    );
    try {
      const mix = interleaved(classes);
      for (const c of [
        ...classes,
        { name: 'mix', description: 'all of the above, interleaved', bodies: mix },
      ]) {
        if (ONLY && !ONLY.includes(c.name)) continue;
        const first = await post(ipguardPort, c.bodies[0]!);
        const verdict = first.status === 200 ? verdictOf(first.text) : `HTTP ${first.status}`;
        const r = await sideBySide({
          ipguard: { port: ipguardPort, pid: ipguard.pid ?? 0 },
          bare: { port: barePort, pid: bare.pid ?? 0 },
          bodies: c.bodies,
          connections: CONNECTIONS,
          rounds: ROUNDS,
          roundSeconds: ROUND_SECONDS,
          warmupSeconds: WARMUP_SECONDS,
        });
        const clean = r.ipguard.non2xx === 0 && r.ipguard.errors === 0;
        rows.push({
          measure: `admission over HTTPS, ${c.name}: ${c.description} (${c.name === 'mix' ? 'mixed' : verdict}); requests/s ratio to the bare route; p50 / p99 ms (median of ${r.rounds} rounds, worst round p99)`,
          value: `${fmt(r.ratio, 2)} (${fmt(r.ipguard.requestsPerSecond, 0)}/s; ${fmt(r.ipguard.p50Ms, 0)} / ${fmt(r.ipguard.p99Ms, 0)} ms, worst ${fmt(r.worstP99Ms, 0)}; ${fmt(r.ipguardCpuUs, 0)} µs CPU each)${clean ? '' : ` ${r.ipguard.non2xx} non-2xx, ${r.ipguard.errors} errors`}`,
          baseline: `${fmt(r.bare.requestsPerSecond, 0)}/s; ${fmt(r.bare.p50Ms, 0)} / ${fmt(r.bare.p99Ms, 0)} ms; ${fmt(r.bareCpuUs, 0)} µs CPU each`,
          target: 'ratio >= 0.8, p99 <= 5 ms',
          met: r.ratio >= 0.8 && r.ipguard.p99Ms <= 5 && clean,
        });
        process.stderr.write(
          `bench: ${c.name}: ratio ${fmt(r.ratio, 2)}, p99 ${r.ipguard.p99Ms} ms (bare ${r.bare.p99Ms}); CPU per answer ${fmt(r.ipguardCpuUs, 0)} vs ${fmt(r.bareCpuUs, 0)} µs (${fmt(r.bareCpuUs / r.ipguardCpuUs, 2)})\n`,
        );
      }
    } finally {
      await stopServer(bare);
    }
  } finally {
    await stopServer(ipguard);
  }
  return rows;
}
