/**
 * `npm run fuzz`: the long fuzz, never part of `npm test`. At least 10,000 hostile reviews over HTTPS
 * against `ipguard serve` in its default configuration (Node's flags as the Deployment sets them),
 * then 200 dry-run creates of distinct 1 MB Deployments, each checked as in fuzz.test.ts and answered
 * in under a second; the server's RSS must grow less than 100 MiB over the run and stay under the
 * manifests' 512 MiB limit, and the story's verdict must be the same after it.
 */
import assert from 'node:assert/strict';
import { createReview, switchReview } from '../helpers/app.js';
import {
  ANSWER_MAX_MS,
  anyCase,
  checkAnswer,
  describeCase,
  fuzz,
  verdictOf,
} from './fuzz-cases.js';
import { deployedNodeOptions, startFuzzServer } from './fuzz-server.js';

const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
/** Series /metrics may hold after the run: its labels take fixed values, so hostile posts add none. */
const MAX_SERIES = 400;
const SEED = Number(process.env.FUZZ_SEED ?? 1616);
const MIB = 2 ** 20;

/** A dry-run create of a Deployment about 1 MB large, distinct per `i` (no cache can share it). */
function megabyteDeployment(i: number): string {
  const r = createReview(`big-${i}`, { dryRun: true }) as Record<string, any>;
  const spec = r.request.object.spec.template.spec;
  spec.containers[0].env = Array.from({ length: 4000 }, (_, k) => ({
    name: `VAR_${i}_${k}`,
    value: 'v'.repeat(230),
  }));
  return JSON.stringify(r);
}

const server = await startFuzzServer();
let sampler: NodeJS.Timeout | undefined;
try {
  const story = JSON.stringify(switchReview());
  const before = await server.post(story);
  const rssStart = server.rssBytes();
  const started = Date.now();
  let peakRss = rssStart;
  sampler = setInterval(() => (peakRss = Math.max(peakRss, server.rssBytes())), 100);
  const run = await fuzz(p => server.post(p), anyCase, {
    count: CASES,
    seed: SEED,
    answerMaxMs: ANSWER_MAX_MS,
  });
  let slowest = { ms: run.slowestMs, what: run.slowestCase };
  for (let i = 0; i < 200; i++) {
    const payload = megabyteDeployment(i);
    assert.ok(payload.length > 1_000_000);
    const a = await server.post(payload);
    checkAnswer(payload, a, ANSWER_MAX_MS);
    if (a.ms > slowest.ms) slowest = { ms: a.ms, what: describeCase(payload) };
  }
  clearInterval(sampler);
  const after = await server.post(story);
  assert.deepEqual(verdictOf(after.body), verdictOf(before.body), 'the story is judged as before');
  const rssEnd = server.rssBytes();
  const metrics = await server.get('/metrics');
  const series = metrics.body.split('\n').filter(l => l !== '' && !l.startsWith('#')).length;
  peakRss = Math.max(peakRss, rssEnd);
  const line = `${run.cases} cases + 200 x 1 MB dry runs in ${((Date.now() - started) / 1000).toFixed(0)} s (NODE_OPTIONS=${deployedNodeOptions()}); slowest ${slowest.ms.toFixed(0)} ms (${slowest.what}); RSS ${(rssStart / MIB).toFixed(0)} -> ${(rssEnd / MIB).toFixed(0)} MiB, +${((rssEnd - rssStart) / MIB).toFixed(0)} (peak ${(peakRss / MIB).toFixed(0)}); ${series} metric series`;
  assert.ok(rssEnd - rssStart < 100 * MIB, line);
  assert.ok(peakRss < 512 * MIB, line);
  assert.ok(series < MAX_SERIES, line);
  process.stdout.write(`fuzz: ok: ${line}\n`);
} finally {
  clearInterval(sampler);
  await server.stop();
}
