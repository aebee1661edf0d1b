import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide, type DecideInput } from '../../src/policy/decide.js';
import { DEFAULT_POLICY } from '../../src/policy/config.js';
import { REMEDY_SEARCH_MAX_MS, remedySearchMs } from '../../src/policy/remedies.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import type { Workload } from '../../src/cluster/model.js';
import {
  GiB,
  aCluster,
  aNamespace,
  aNode,
  aPod,
  aPodShape,
  aSubnet,
  aWorkload,
} from '../helpers/builders.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');

/** Two full nodes, one per zone, `free` addresses per zone; every web pod needs a new node of its own. */
function scaleUp(free: number, replicas: number, stopSearch?: () => boolean): DecideInput {
  const a = aNode({ ip: '10.0.1.10', zone: 'zone-a' });
  const b = aNode({ ip: '10.0.2.10', zone: 'zone-b' });
  const model = aCluster({
    nodes: [a, b],
    pods: [
      aPod(a.name, { requests: { cpuMilli: 7900, memoryBytes: GiB } }),
      aPod(b.name, { requests: { cpuMilli: 7900, memoryBytes: GiB } }),
    ],
    subnets: [
      aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: free }),
      aSubnet({ id: 'subnet-b', zone: 'zone-b', cidr: '10.0.2.0/24', availableIps: free }),
    ],
    namespaces: [aNamespace('shop')],
    cniEnv: { MINIMUM_IP_TARGET: '13' },
  });
  const web = (n: number): Workload =>
    aWorkload({
      kind: 'Deployment',
      name: 'web',
      replicas: n,
      pod: aPodShape({ requests: { cpuMilli: 4000, memoryBytes: 8 * GiB } }),
    });
  return {
    model,
    change: { current: web(1), desired: web(replicas), replicaSets: [], nowMs: NOW },
    config: DEFAULT_POLICY,
    book: new AddressBook(),
    ...(stopSearch && { stopSearch }),
  };
}

/** The oracle: the largest replica count that is not denied, found one count at a time. */
function largestFittingOneByOne(free: number): number {
  let r = 1;
  while (decide(scaleUp(free, r + 1)).verdict !== 'deny') r += 1;
  return r;
}

function stepValue(free: number, replicas: number): number | undefined {
  const step = decide(scaleUp(free, replicas)).remedies.find(r => r.kind === 'step');
  const m = step && /^scale in steps: (\d+) replicas fit now/.exec(step.text);
  return m ? Number(m[1]) : undefined;
}

test('scale in steps names the largest count that fits, however far the ask (up to int32 max)', () => {
  const oracle = new Map<number, number>();
  fc.assert(
    fc.property(
      fc.integer({ min: 28, max: 120 }),
      fc.oneof(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 61, max: 2 ** 31 - 1 })),
      (free, replicas) => {
        if (!oracle.has(free)) oracle.set(free, largestFittingOneByOne(free));
        const fitting = oracle.get(free) ?? 0;
        fc.pre(replicas > fitting + 1);
        assert.equal(stepValue(free, replicas), fitting);
      },
    ),
    { numRuns: 60, seed: 1616 },
  );
});

test('an ask of 2147483647 replicas is settled in a few trials near what fits, not 31 halvings', () => {
  // Each trial of a bisection asks the clock (stopSearch) once; counting the calls counts the trials.
  const trials = (replicas: number): number => {
    let calls = 0;
    decide(
      scaleUp(60, replicas, () => {
        calls += 1;
        return false;
      }),
    );
    return calls;
  };
  const fitting = largestFittingOneByOne(60);
  const near = trials(fitting + 2);
  const absurd = trials(2 ** 31 - 1);
  // A gallop from what fits to the first count that does not takes a handful more trials than the
  // search for an ask just past it; bisecting [2, 2^31 - 1] would take 31 for the step remedy alone.
  assert.ok(
    near > 0 && absurd - near < 8,
    `${near} trials for ${fitting + 2} replicas, ${absurd} for 2147483647`,
  );
});

test('a search stopped at once still denies with the numbers, and offers only what needs no search', () => {
  const d = decide(scaleUp(60, 2 ** 31 - 1, () => true));
  assert.equal(d.verdict, 'deny');
  assert.match(d.denial ?? '', /available/);
  assert.deepEqual(
    [...new Set(d.remedies.map(r => r.kind))].filter(k => k !== 'free' && k !== 'max-pods'),
    [],
  );
  assert.ok(d.remedies.some(r => r.kind === 'free'));
});

test('the webhook looks for remedies for half its budget, and never longer than REMEDY_SEARCH_MAX_MS', () => {
  assert.equal(remedySearchMs(2000), REMEDY_SEARCH_MAX_MS);
  assert.equal(remedySearchMs(100), 50);
  assert.equal(remedySearchMs(29_000), REMEDY_SEARCH_MAX_MS);
});
