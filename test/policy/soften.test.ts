import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exception } from '../../src/policy/exception.js';
import { soften } from '../../src/policy/soften.js';

const live: Exception = {
  on: 'workload',
  reason: 'migration',
  expired: false,
  expires: '2027-01-01T00:00:00Z',
};
const expired: Exception = { on: 'namespace', reason: 'old', expired: true };

// One table for the policy every kind of change shares: which rule turns a deny into a warning, in order.
const cases: {
  name: string;
  simulated: 'allow' | 'warn' | 'deny';
  o: Parameters<typeof soften>[1];
  verdict: 'allow' | 'warn' | 'deny';
  exceptionUsed?: boolean;
  autoscalerAllowed?: boolean;
  why: string[];
}[] = [
  {
    name: 'enforce keeps a deny',
    simulated: 'deny',
    o: { mode: 'enforce', namespace: 'a' },
    verdict: 'deny',
    why: [],
  },
  {
    name: 'a ceiling warns before any exception is used',
    simulated: 'deny',
    o: {
      mode: 'enforce',
      namespace: 'a',
      exception: live,
      ceilingWhy: 'maxReplicas 9 would not fit',
    },
    verdict: 'warn',
    why: ['maxReplicas 9 would not fit'],
  },
  {
    name: 'a live exception on the object, named as the caller names it',
    simulated: 'deny',
    o: { mode: 'warn', namespace: 'a', exception: live, objectLabel: 'DaemonSet' },
    verdict: 'warn',
    exceptionUsed: true,
    why: ['allowed by exception on the DaemonSet: "migration" (until 2027-01-01T00:00:00Z)'],
  },
  {
    name: 'warn mode',
    simulated: 'deny',
    o: { mode: 'warn', namespace: 'team-a', autoscalerExempt: true },
    verdict: 'warn',
    why: ['would deny; namespace team-a is in warn mode'],
  },
  {
    name: 'an autoscaler asked',
    simulated: 'deny',
    o: { mode: 'enforce', namespace: 'a', autoscalerExempt: true },
    verdict: 'warn',
    autoscalerAllowed: true,
    why: ['would deny; allowed because an autoscaler asked'],
  },
  {
    name: 'an expired exception is said and not used',
    simulated: 'deny',
    o: { mode: 'enforce', namespace: 'a', exception: expired },
    verdict: 'deny',
    why: ['exception on the namespace not applied: expired ("old")'],
  },
  {
    name: 'stale state never reads as a clean allow',
    simulated: 'allow',
    o: { mode: 'enforce', namespace: 'a', stale: 'subnets 400 s old', modeNote: 'bad mode' },
    verdict: 'warn',
    why: ['state may be stale: subnets 400 s old', 'bad mode'],
  },
  {
    name: 'an allow uses no exception',
    simulated: 'allow',
    o: { mode: 'enforce', namespace: 'a', exception: live },
    verdict: 'allow',
    why: [],
  },
];

for (const c of cases)
  test(`soften: ${c.name}`, () => {
    const r = soften(c.simulated, c.o);
    assert.equal(r.verdict, c.verdict);
    assert.equal(r.exceptionUsed, c.exceptionUsed ?? false);
    assert.equal(r.autoscalerAllowed, c.autoscalerAllowed ?? false);
    assert.deepEqual(r.why, c.why);
  });
