/**
 * Run in its own process by `npm run bench`, so its resident memory is the live state's alone: sync the
 * large cluster from the fakes named in KUBECONFIG and AWS_ENDPOINT_URL_EC2, measure memory (/proc RSS
 * after a forced GC), then answer 10,000 admissions and count the EC2 calls made meanwhile. Prints one
 * JSON line.
 */
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { createMetrics } from '../src/http/metrics.js';
import { AddressBook } from '../src/simulate/address-book.js';
import { createLiveSource } from '../src/state/live-source.js';
import { Reservations } from '../src/state/reservations.js';
import { scaleReview } from './live-cluster.js';
import { memoryAfterGc, memoryDetail } from './memory.js';

/** bench/live-memory.ts sets BENCH_LIVE_ADMISSIONS=0 when only the memory reading is wanted. */
const ADMISSIONS = Number(process.env.BENCH_LIVE_ADMISSIONS ?? 10_000);

async function main(): Promise<void> {
  const log = pino({ level: 'warn' });
  const config = loadConfig(process.env);
  const baseline = memoryAfterGc();
  if (process.env.BENCH_LIVE_DETAIL) process.stderr.write(`at start:\n${memoryDetail()}`);
  const source = createLiveSource(config, log, process.env);
  const t0 = performance.now();
  await source.start();
  const syncMs = performance.now() - t0;
  const view = source.current();
  const synced = memoryAfterGc();
  // Where the resident memory is: V8's spaces and the largest mappings (BENCH_LIVE_DETAIL=1).
  if (process.env.BENCH_LIVE_DETAIL) process.stderr.write(memoryDetail());
  // After the reading, so the snapshot's own memory is not counted.
  const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT;
  if (snapshotDir) writeHeapSnapshot(join(snapshotDir, `live-${process.pid}.heapsnapshot`));
  const model = view?.model;
  const pods = [...(model?.nodes.values() ?? [])].reduce((n, node) => n + node.usage.pods, 0);
  const workloads = [...(model?.workloads.values() ?? [])];
  // What the live state holds besides nodes and pods: the row says so, so a kind that stopped
  // syncing cannot make the figure look better.
  const kinds = {
    DaemonSet: model?.daemonSets.length ?? 0,
    ...Object.fromEntries(
      ['Deployment', 'StatefulSet', 'Job', 'CronJob'].map(k => [
        k,
        workloads.filter(w => w.kind === k).length,
      ]),
    ),
    HorizontalPodAutoscaler: [...(model?.autoscalers?.values() ?? [])].filter(
      a => a.kind === 'HorizontalPodAutoscaler',
    ).length,
    ScaledObject: [...(model?.autoscalers?.values() ?? [])].filter(a => a.kind === 'ScaledObject')
      .length,
    NodePool: model?.nodePools?.size ?? 0,
    EC2NodeClass: model?.ec2NodeClasses?.size ?? 0,
    NodeClaim: model?.nodeClaims?.length ?? 0,
  };

  const reservations = new Reservations(config.reservationTtlSeconds, Date.now);
  const metrics = createMetrics({
    state: source,
    reservations,
    now: Date.now,
    ec2Calls: () => source.ec2Calls.stats().total,
  });
  const app = buildApp({
    state: source,
    config,
    reservations,
    book: new AddressBook(),
    metrics,
    now: Date.now,
    log,
  });
  const callsBefore = source.ec2Calls.stats().total;
  const cpuBefore = process.cpuUsage();
  // Time the main thread spent stopped for GC while answering: what V8 settings cost there.
  let gcPauseMs = 0;
  const gcObserver = new PerformanceObserver(list => {
    for (const e of list.getEntries()) gcPauseMs += e.duration;
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  let allowed = 0;
  for (let i = 0; i < ADMISSIONS; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/validate',
      headers: { 'content-type': 'application/json' },
      payload: scaleReview(i),
    });
    if (res.json<{ response: { allowed: boolean } }>().response.allowed) allowed += 1;
  }
  const callsDuring = source.ec2Calls.stats().total - callsBefore;
  const cpu = process.cpuUsage(cpuBefore);
  gcObserver.disconnect();
  await app.close();
  await source.close();
  process.stdout.write(
    `${JSON.stringify({
      syncMs: Math.round(syncMs),
      pods,
      nodes: view?.model.nodes.size ?? 0,
      rssMiB: synced.rssMiB,
      peakRssMiB: synced.peakRssMiB,
      heapUsedMiB: synced.heapUsedMiB,
      forcedGc: synced.forcedGc,
      heapDeltaBytes: (synced.heapUsedMiB - baseline.heapUsedMiB) * 2 ** 20,
      // Pod columns and keys live in typed arrays, whose bytes are outside heapUsed.
      arrayBufferDeltaBytes: (synced.arrayBuffersMiB - baseline.arrayBuffersMiB) * 2 ** 20,
      kinds,
      admissions: ADMISSIONS,
      allowed,
      ec2CallsDuringAdmissions: callsDuring,
      admissionsCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      admissionsGcPauseMs: Math.round(gcPauseMs),
    })}\n`,
  );
}

await main();
