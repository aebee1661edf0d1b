/**
 * Run in its own process by `npm run bench`, so its resident memory is the live state's alone: sync the
 * large cluster from the fakes named in KUBECONFIG and AWS_ENDPOINT_URL_EC2, measure memory (/proc RSS
 * after a forced GC), then answer 10,000 admissions and count the EC2 calls made meanwhile. Prints one
 * JSON line.
 */
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { createMetrics } from '../src/http/metrics.js';
import { AddressBook } from '../src/simulate/address-book.js';
import { createLiveSource } from '../src/state/live-source.js';
import { Reservations } from '../src/state/reservations.js';
import { scaleReview } from './live-cluster.js';
import { memoryAfterGc } from './memory.js';

const ADMISSIONS = 10_000;

async function main(): Promise<void> {
  const log = pino({ level: 'warn' });
  const config = loadConfig(process.env);
  const baseline = memoryAfterGc();
  const source = createLiveSource(config, log, process.env);
  const t0 = performance.now();
  await source.start();
  const syncMs = performance.now() - t0;
  const view = source.current();
  const synced = memoryAfterGc();
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
      kinds,
      admissions: ADMISSIONS,
      allowed,
      ec2CallsDuringAdmissions: callsDuring,
    })}\n`,
  );
}

await main();
