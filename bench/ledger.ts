/**
 * The shared reservation ledger under load: two replicas (two KubeLedgers, as two `serve` processes
 * would hold) on the loopback fake API, admissions arriving in waves at both. Measures what the API
 * server pays (writes per admitted change, conflicts) and what a request waits for the write.
 */
import { pino } from 'pino';
import { createKubeTransport } from '../src/kube/transport.js';
import { KubeLedger } from '../src/state/kube-ledger.js';
import type { AdmitTx } from '../src/state/reservations.js';
import { FakeKubeApi } from '../test/fakes/kube-api.js';

const SUBNET = 'subnet-bench';

export interface LedgerBench {
  readonly admissions: number;
  readonly admitted: number;
  readonly capacity: number;
  readonly heldAtEnd: number;
  readonly writes: number;
  readonly conflicts: number;
  readonly writeP50Ms: number;
  readonly writeP99Ms: number;
  readonly admitP50Ms: number;
  readonly admitP99Ms: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export async function timeLedger(waves = 50, perWave = 20, capacity = 2000): Promise<LedgerBench> {
  const kube = await FakeKubeApi.start();
  const writeMs: number[] = [];
  const replicas = ['ipguard-a', 'ipguard-b'].map(
    replica =>
      new KubeLedger({
        transport: createKubeTransport(kube.kubeConfig()),
        namespace: 'ipguard',
        replica,
        ttlSeconds: 600,
        maxEntries: 4000,
        log: pino({ level: 'silent' }),
      }),
  );
  for (const r of replicas)
    r.observe({
      write: (_result, seconds) => {
        writeMs.push(seconds * 1000);
      },
    });
  try {
    await Promise.all(replicas.map(r => r.start()));
    const admitMs: number[] = [];
    let admitted = 0;
    let n = 0;
    for (let w = 0; w < waves; w++) {
      const wave = Array.from({ length: perWave }, async (_, i) => {
        const ips = 1 + ((w * perWave + i) % 7);
        const key = `Deployment/bench/app-${n++}`;
        const tx: AdmitTx<boolean> = {
          key,
          free: id => (id === SUBNET ? capacity : undefined),
          mayWrite: true,
          deadlineMs: Date.now() + 2000,
          decide: held =>
            (held.get(SUBNET) ?? 0) + ips <= capacity
              ? { value: true, reserve: new Map([[SUBNET, ips]]) }
              : { value: false },
        };
        const t0 = performance.now();
        const r = await replicas[i % 2]!.admit(tx);
        admitMs.push(performance.now() - t0);
        if (r.ok && r.value) admitted += 1;
      });
      await Promise.all(wave);
    }
    const held = replicas[0]!.held(() => capacity).get(SUBNET) ?? 0;
    writeMs.sort((a, b) => a - b);
    admitMs.sort((a, b) => a - b);
    return {
      admissions: waves * perWave,
      admitted,
      capacity,
      heldAtEnd: held,
      writes: kube.writes.put + kube.writes.post,
      conflicts: kube.writes.conflicts,
      writeP50Ms: quantile(writeMs, 0.5),
      writeP99Ms: quantile(writeMs, 0.99),
      admitP50Ms: quantile(admitMs, 0.5),
      admitP99Ms: quantile(admitMs, 0.99),
    };
  } finally {
    await Promise.all(replicas.map(r => r.close()));
    await kube.close();
  }
}
