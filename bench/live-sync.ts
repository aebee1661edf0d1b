/**
 * Live state at scale: a LiveSource syncs a generated cluster (5,000 nodes, 150,000 pods by default)
 * from the loopback Kubernetes fake and EC2 fake, then reads its model the way admission does.
 * Prints sync time, heap after sync, the cost of current() and of a model rebuild after one pod event,
 * and EC2 calls.
 *
 *   node --expose-gc --import tsx bench/live-sync.ts [nodes] [podsPerNode]
 */
import { pino } from 'pino';
import { Ec2CallCounter } from '../src/ec2/calls.js';
import { createEc2Api } from '../src/ec2/client.js';
import { createKubeTransport } from '../src/kube/transport.js';
import { LiveSource, MODEL_REFRESH_MS } from '../src/state/live-source.js';
import { startLargeClusterFakes } from './live-cluster.js';

const nodes = Number(process.argv[2] ?? 5000);
const podsPerNode = Number(process.argv[3] ?? 30);

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
}

async function main(): Promise<void> {
  const fakes = await startLargeClusterFakes(nodes, podsPerNode);
  const { kube, ec2 } = fakes;
  const client = ec2.client();
  const calls = new Ec2CallCounter();
  // A clock the benchmark moves, so each model rebuild can be timed on its own.
  let clockMs = Date.now();
  const source = new LiveSource({
    transport: createKubeTransport(kube.kubeConfig()),
    ec2: createEc2Api(client, calls),
    ec2Calls: calls,
    config: {
      subnetRefreshSeconds: 60,
      instanceTypeRefreshSeconds: 21_600,
      describeNetworkInterfaces: false,
    },
    log: pino({ level: 'warn' }),
    now: () => clockMs,
  });
  const heapBefore = heapMiB();
  const t0 = performance.now();
  await source.start();
  const syncMs = performance.now() - t0;
  const heapAfter = heapMiB();

  const N = 10_000;
  const h0 = performance.now();
  for (let i = 0; i < N; i++) source.current();
  const hotUs = ((performance.now() - h0) / N) * 1000;

  // One pod event, then the first current() once the model is due for a rebuild.
  const samples: number[] = [];
  for (let i = 0; i < 50; i++) {
    const p = fakes.pod(fakes.pods + i);
    p.metadata.name = `churn-${i}`;
    kube.add(p);
    // Let the watch deliver the event.
    await new Promise(r => setTimeout(r, 20));
    clockMs += MODEL_REFRESH_MS;
    const t = performance.now();
    source.current();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);

  console.log(
    JSON.stringify(
      {
        nodes,
        pods: fakes.pods,
        syncMs: Math.round(syncMs),
        heapMiB: { before: heapBefore, afterSync: heapAfter, delta: heapAfter - heapBefore },
        currentUnchangedMicroseconds: Math.round(hotUs * 100) / 100,
        rebuildAfterOnePodEventMs: {
          p50: Math.round((samples[25] ?? 0) * 100) / 100,
          p95: Math.round((samples[47] ?? 0) * 100) / 100,
        },
        kubeRequests: kube.counts,
        ec2Calls: calls.stats(),
      },
      null,
      2,
    ),
  );
  await source.close();
  await fakes.close();
}

await main();
