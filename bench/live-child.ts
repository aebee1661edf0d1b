/**
 * Run in its own process by `npm run bench`, so its resident memory is the live state's alone: sync the
 * large cluster from the fakes named in KUBECONFIG and AWS_ENDPOINT_URL_EC2, measure memory, then answer
 * 10,000 admissions and count the EC2 calls made meanwhile. Prints one JSON line.
 */
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { createMetrics } from '../src/http/metrics.js';
import { AddressBook } from '../src/simulate/address-book.js';
import { createLiveSource } from '../src/state/live-source.js';
import { Reservations } from '../src/state/reservations.js';

const ADMISSIONS = 10_000;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function scaleReview(i: number): string {
  const d = i % 500;
  const scale = (n: number): unknown => ({
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: `app-${d}`, namespace: `ns-${d % 20}` },
    spec: { replicas: n },
  });
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `bench-${i}`,
      kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      subResource: 'scale',
      name: `app-${d}`,
      namespace: `ns-${d % 20}`,
      operation: 'UPDATE',
      userInfo: { username: 'bench' },
      object: scale(300 + (i % 7)),
      oldObject: scale(300),
      dryRun: i % 2 === 0,
    },
  });
}

async function main(): Promise<void> {
  const log = pino({ level: 'warn' });
  const config = loadConfig(process.env);
  gc();
  const baseline = process.memoryUsage();
  const source = createLiveSource(config, log, process.env);
  const t0 = performance.now();
  await source.start();
  const syncMs = performance.now() - t0;
  const view = source.current();
  gc();
  const synced = process.memoryUsage();
  const pods = [...(view?.model.nodes.values() ?? [])].reduce((n, node) => n + node.usage.pods, 0);

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
      rssMiB: synced.rss / 2 ** 20,
      heapDeltaBytes: synced.heapUsed - baseline.heapUsed,
      admissions: ADMISSIONS,
      allowed,
      ec2CallsDuringAdmissions: callsDuring,
    })}\n`,
  );
}

await main();
