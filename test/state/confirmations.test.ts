import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workloadKey, type ClusterModel, type Workload } from '../../src/cluster/model.js';
import { PendingConfirmations, type Expectation } from '../../src/state/confirmations.js';

function model(...ws: Partial<Workload>[]): ClusterModel {
  const workloads = new Map<string, Workload>();
  for (const p of ws) {
    const w = { kind: 'Deployment', namespace: 'shop', templateKey: 't1', ...p } as Workload;
    workloads.set(workloadKey(w.kind, w.namespace, w.name), w);
  }
  return { workloads } as unknown as ClusterModel;
}

const expect = (over: Partial<Expectation> = {}): Expectation => ({
  key: 'k',
  kind: 'Deployment',
  namespace: 'shop',
  name: 'web',
  templateKey: 't1',
  replicas: 3,
  atMs: 0,
  ...over,
});

const cases: { name: string; e: Expectation; stored: Partial<Workload>[]; confirmed: boolean }[] = [
  {
    name: 'stored as admitted',
    e: expect(),
    stored: [{ name: 'web', replicas: 3 }],
    confirmed: true,
  },
  { name: 'not stored', e: expect(), stored: [], confirmed: false },
  { name: 'other replicas', e: expect(), stored: [{ name: 'web', replicas: 2 }], confirmed: false },
  {
    name: 'other template',
    e: expect(),
    stored: [{ name: 'web', replicas: 3, templateKey: 't0' }],
    confirmed: false,
  },
  {
    name: 'replicas not set by the change',
    e: expect({ replicas: undefined }),
    stored: [{ name: 'web', replicas: 7 }],
    confirmed: true,
  },
  {
    name: 'generateName: a new object of the prefix',
    e: expect({ name: 'web-*', key: 'k#uid' }),
    stored: [{ name: 'web-x7k2p', replicas: 3 }],
    confirmed: true,
  },
  {
    name: 'generateName: another namespace',
    e: expect({ name: 'web-*', key: 'k#uid' }),
    stored: [{ name: 'web-x7k2p', replicas: 3, namespace: 'other' }],
    confirmed: false,
  },
];

for (const c of cases) {
  test(`confirmation: ${c.name}`, () => {
    const p = new PendingConfirmations(30);
    p.expect(c.e);
    // Within the window nothing is released either way.
    assert.deepEqual(p.sweep(model(...c.stored), 29_999), []);
    assert.equal(p.size, c.confirmed ? 0 : 1);
    assert.deepEqual(
      p.sweep(model(...c.stored), 30_000).map(e => e.key),
      c.confirmed ? [] : [c.e.key],
    );
    assert.equal(p.size, 0);
  });
}

test('a newer admission of the same key replaces the wait; forget ends it', () => {
  const p = new PendingConfirmations(30);
  p.expect(expect({ replicas: 2 }));
  p.expect(expect({ replicas: 3, atMs: 10_000 }));
  assert.deepEqual(p.sweep(model({ name: 'web', replicas: 2 }), 30_000), []);
  assert.deepEqual(
    p.sweep(model(), 40_000).map(e => e.key),
    ['k'],
  );
  p.expect(expect());
  p.forget('k');
  assert.deepEqual(p.sweep(model(), 100_000), []);
});
