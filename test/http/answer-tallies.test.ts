import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { DurationHistogram, PendingCounts } from '../../src/http/answer-tallies.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const VERDICTS = ['allow', 'deny', 'warn'] as const;

test('the duration histogram reads on /metrics exactly as prom-client renders its own', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          verdict: fc.constantFrom(...VERDICTS),
          // Bounds themselves (le is inclusive), values past the last one, and everything between.
          seconds: fc.oneof(
            fc.constantFrom(...BUCKETS, 0, 7.5),
            fc.double({ min: 0, max: 10, noNaN: true }),
          ),
        }),
        { maxLength: 60 },
      ),
      async observations => {
        const ours = new Registry();
        const theirs = new Registry();
        const h = new DurationHistogram<'verdict'>({
          name: 'd_seconds',
          help: 'Durations.',
          buckets: BUCKETS,
          registers: [ours],
        });
        const p = new Histogram({
          name: 'd_seconds',
          help: 'Durations.',
          labelNames: ['verdict'] as const,
          buckets: BUCKETS,
          registers: [theirs],
        });
        for (const o of observations) {
          h.labels({ verdict: o.verdict }).observe(o.seconds);
          p.observe({ verdict: o.verdict }, o.seconds);
        }
        assert.equal(await ours.metrics(), await theirs.metrics());
      },
    ),
  );
});

test('a series kept by its caller still counts after the histogram is reset', async () => {
  const registry = new Registry();
  const h = new DurationHistogram<'verdict'>({
    name: 'd_seconds',
    help: 'Durations.',
    buckets: [0.1, 1],
    registers: [registry],
  });
  const allow = h.labels({ verdict: 'allow' });
  allow.observe(0.05);
  registry.resetMetrics();
  allow.observe(0.5);
  allow.observe(Number.NaN);
  const text = await registry.metrics();
  assert.match(text, /^d_seconds_bucket\{le="0.1",verdict="allow"\} 0$/m);
  assert.match(text, /^d_seconds_bucket\{le="1",verdict="allow"\} 1$/m);
  assert.match(text, /^d_seconds_count\{verdict="allow"\} 1$/m);
  assert.match(text, /^d_seconds_sum\{verdict="allow"\} 0.5$/m);
});

test('answers counted between scrapes are all in the counter when it is read', async () => {
  const registry = new Registry();
  const counts = new PendingCounts<'verdict'>();
  counts.attach(
    new Counter({
      name: 'answers_total',
      help: 'Answers.',
      labelNames: ['verdict'] as const,
      registers: [registry],
      collect() {
        counts.drain();
      },
    }),
  );
  const allow = counts.labels({ verdict: 'allow' });
  assert.equal(counts.labels({ verdict: 'allow' }), allow, 'one tally per label set');
  for (let i = 0; i < 3; i++) allow.inc();
  counts.labels({ verdict: 'deny' }).inc();
  assert.match(await registry.metrics(), /^answers_total\{verdict="allow"\} 3$/m);
  allow.inc();
  const text = await registry.metrics();
  assert.match(text, /^answers_total\{verdict="allow"\} 4$/m, 'a scrape adds only what is new');
  assert.match(text, /^answers_total\{verdict="deny"\} 1$/m);
});
