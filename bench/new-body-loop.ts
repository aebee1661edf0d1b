/**
 * The new-scale class's bodies handed to `handleReview` one after another in this process, on the deps
 * `serve --snapshot` builds, without HTTP: what a new body costs by itself, and with POLLUTE_MIB of memory
 * walked before each (what the TLS and HTTP work of the repeats between two new bodies does to the
 * caches). REPEATS bodies of the same count under another uid follow each new one.
 * Usage: [POLLUTE_MIB=4] [REPEATS=1] [ROUNDS=8] node dist/bench/new-body-loop.js
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { decisionStats, newDecisions } from '../src/http/decisions.js';
import { createMetrics } from '../src/http/metrics.js';
import { ReviewText, type ReviewShape } from '../src/http/review-body.js';
import { SeenReviews } from '../src/http/seen-reviews.js';
import { handleReview, type ValidateDeps } from '../src/http/validate.js';
import { AddressBook } from '../src/simulate/address-book.js';
import { PendingConfirmations } from '../src/state/confirmations.js';
import { Reservations } from '../src/state/reservations.js';
import { SnapshotSource } from '../src/state/snapshot-source.js';
import { writeLargeCluster } from './large-cluster.js';
import { requestClasses } from './request-mix.js';

const POLLUTE_BYTES = Number(process.env.POLLUTE_MIB ?? 0) * 1024 * 1024;
const REPEATS = Number(process.env.REPEATS ?? 1);
const ROUNDS = Number(process.env.ROUNDS ?? 8);
const CACHE_LINE_BYTES = 64;

const junk = new Uint8Array(Math.max(POLLUTE_BYTES, CACHE_LINE_BYTES));
/** Read and write one byte per cache line, so each line is fetched and owned. */
function pollute(): void {
  for (let i = 0; i < POLLUTE_BYTES; i += CACHE_LINE_BYTES) junk[i] = ((junk[i] ?? 0) + 1) & 255;
}

const work = await mkdtemp(join(tmpdir(), 'ipguard-loop-'));
try {
  const clusterDir = join(work, 'cluster');
  await writeLargeCluster(clusterDir);
  const fresh = (await requestClasses(clusterDir)).find(c => c.name === 'new-scale-each-time');
  if (!fresh) throw new Error('no new-scale-each-time class');
  const now = Date.now;
  const config = loadConfig({});
  const source = new SnapshotSource(clusterDir, now);
  await source.start();
  const reservations = new Reservations(config.reservationTtlSeconds, now);
  const memo = newDecisions();
  const seen = new SeenReviews<ReviewShape>();
  const deps: ValidateDeps = {
    state: source,
    config,
    reservations,
    confirmations: new PendingConfirmations(config.reservationConfirmSeconds),
    book: new AddressBook(),
    metrics: createMetrics({ state: source, reservations, now, memo: () => decisionStats(memo) }),
    now,
    memo,
    seen,
  };
  // As the body parser hands a body over: a known repeat unparsed, anything else parsed.
  const post = async (text: string): Promise<void> => {
    const repeat = seen.match(text);
    const body =
      repeat?.known === true
        ? new ReviewText(text, undefined, repeat)
        : new ReviewText(text, JSON.parse(text) as unknown, repeat);
    const out = await handleReview(body, deps);
    if (out.status !== 200 || !out.text.includes('"allowed":true'))
      throw new Error(`unexpected answer: ${out.text}`);
  };
  const repeats = fresh.bodies.map(b =>
    Array.from({ length: REPEATS }, (_, k) => b.replace('"uid":"fresh-', `"uid":"rep${k % 10}--`)),
  );
  for (let round = 0; round < ROUNDS; round++) {
    let newNs = 0n;
    const started = process.hrtime.bigint();
    for (const [i, body] of fresh.bodies.entries()) {
      pollute();
      const t0 = process.hrtime.bigint();
      await post(body);
      newNs += process.hrtime.bigint() - t0;
      for (const r of repeats[i] ?? []) await post(r);
    }
    const pollutedNs = process.hrtime.bigint() - started;
    const n = fresh.bodies.length;
    process.stdout.write(
      `round ${round}: a new body ${(Number(newNs) / 1000 / n).toFixed(1)} µs; with its ${REPEATS} repeats and the walk ${(Number(pollutedNs) / 1000 / n).toFixed(1)} µs (walked ${POLLUTE_BYTES / 1024 / 1024} MiB)\n`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
