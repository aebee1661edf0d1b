import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV } from '../../src/config.js';
import { createMetrics } from '../../src/http/metrics.js';
import { DEFAULT_LEDGER_NAME, LEDGER_DATA_KEY } from '../../src/kube/ledger-object.js';
import { MAX_LEDGER_BYTES } from '../../src/state/kube-ledger.js';
import { encodeLedger } from '../../src/state/ledger-record.js';
import { Reservations } from '../../src/state/reservations.js';
import { StaticSource } from '../fakes/static-source.js';
import { REPO } from '../helpers/cli.js';

const doc = readFileSync(join(REPO, 'docs', 'replicas.md'), 'utf8');

test('docs/replicas.md names only metrics /metrics has', async () => {
  const metrics = createMetrics({
    state: new StaticSource(),
    reservations: new Reservations(600, () => 0),
    now: () => 0,
  });
  const names = new Set((await metrics.registry.getMetricsAsJSON()).map(m => m.name));
  const mentioned = new Set(doc.match(/ipguard_[a-z_]+/g) ?? []);
  assert.ok(mentioned.size >= 6);
  for (const m of mentioned) assert.ok(names.has(m), `${m} is not a metric`);
});

test('docs/replicas.md quotes the names, bound and record format the code uses', () => {
  assert.ok(doc.includes(`ipguard/${DEFAULT_LEDGER_NAME}`));
  assert.ok(doc.includes(`\`${LEDGER_DATA_KEY}\``));
  assert.ok(doc.includes(`${MAX_LEDGER_BYTES / 1024} KiB`));
  assert.ok(doc.includes(ENV.ledger) && doc.includes(ENV.ledgerMaxEntries));
  // The example record is one the code writes: same keys, same shape.
  const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const parsed = JSON.parse(example) as { v: number; reservations: Record<string, unknown>[] };
  const written = JSON.parse(
    encodeLedger(
      new Map([
        [
          'k',
          {
            key: 'k',
            subnets: new Map([['s', { ips: 1, freeAtAdmission: 2 }]]),
            createdMs: 1,
            expiresMs: 2,
            replica: 'r',
          },
        ],
      ]),
    ),
  ) as { v: number; reservations: Record<string, unknown>[] };
  assert.equal(parsed.v, written.v);
  assert.deepEqual(Object.keys(parsed.reservations[0]!), Object.keys(written.reservations[0]!));
});
