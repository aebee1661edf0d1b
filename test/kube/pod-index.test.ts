import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addPodUsage } from '../../src/cluster/build.js';
import { EMPTY_USAGE, type NodeUsage, type PodRecord } from '../../src/cluster/model.js';
import { PodIndex } from '../../src/kube/pod-index.js';

/** The sums as buildClusterModel makes them from the pods there are now. */
function fromScratch(pods: ReadonlyMap<string, PodRecord>): {
  usage: Map<string, NodeUsage>;
  replicaSets: Map<string, Map<string, number>>;
} {
  const usage = new Map<string, NodeUsage>();
  const replicaSets = new Map<string, Map<string, number>>();
  for (const p of pods.values()) {
    if (p.nodeName === undefined) continue;
    usage.set(p.nodeName, addPodUsage(usage.get(p.nodeName) ?? EMPTY_USAGE, p, 1));
    if (p.terminal || p.ownerKind !== 'ReplicaSet') continue;
    const rs = `${p.namespace}/${p.ownerName ?? ''}`;
    let nodes = replicaSets.get(rs);
    if (!nodes) replicaSets.set(rs, (nodes = new Map<string, number>()));
    nodes.set(p.nodeName, (nodes.get(p.nodeName) ?? 0) + 1);
  }
  // A node whose only pods are done holds nothing: the index keeps no entry for it.
  for (const [node, u] of usage) if (u.pods === 0) usage.delete(node);
  return { usage, replicaSets };
}

const resources = fc.record({
  cpuMilli: fc.constantFrom(0, 100, 250),
  memoryBytes: fc.constantFrom(0, 2 ** 28),
});

const pod = fc.record(
  {
    namespace: fc.constantFrom('a', 'b'),
    name: fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5', 'p6'),
    nodeName: fc.constantFrom('n1', 'n2', 'n3'),
    terminal: fc.boolean(),
    network: fc.constantFrom('pool', 'host', 'branch'),
    requests: resources,
    scoreRequests: resources,
    ownerKind: fc.constantFrom('ReplicaSet', 'Job', 'StatefulSet'),
    ownerName: fc.constantFrom('rs-1', 'rs-2', 'x|y'),
  },
  { requiredKeys: ['namespace', 'name', 'terminal', 'network', 'requests'] },
) as fc.Arbitrary<PodRecord>;

const op = fc.oneof(
  fc.record({ type: fc.constant('upsert' as const), pod }),
  fc.record({
    type: fc.constant('remove' as const),
    key: fc.constantFrom('a/p1', 'a/p2', 'b/p3', 'a/p4', 'b/p5', 'x/none'),
  }),
  fc.record({ type: fc.constant('relist' as const), pods: fc.array(pod, { maxLength: 6 }) }),
);

test('the sums kept pod by pod are those made from scratch, whatever the events', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), ops => {
      const index = new PodIndex();
      const pods = new Map<string, PodRecord>();
      for (const o of ops) {
        if (o.type === 'upsert') {
          const key = `${o.pod.namespace}/${o.pod.name}`;
          const before = pods.get(key);
          const changed = index.upsert(key, o.pod);
          pods.set(key, o.pod);
          if (before === undefined) assert.equal(changed, true, 'a new pod is a change');
          else if (JSON.stringify(before) === JSON.stringify(o.pod))
            assert.equal(changed, false, 'the same pod again changes nothing');
        } else if (o.type === 'remove') {
          assert.equal(index.remove(o.key), pods.delete(o.key));
        } else {
          pods.clear();
          for (const p of o.pods) pods.set(`${p.namespace}/${p.name}`, p);
          index.replaceAll(new Map(pods));
        }
        const want = fromScratch(pods);
        assert.equal(index.size, pods.size);
        for (const node of ['n1', 'n2', 'n3'])
          assert.deepStrictEqual(index.usageOf(node), want.usage.get(node) ?? EMPTY_USAGE, node);
        for (const ns of ['a', 'b'])
          for (const rs of ['rs-1', 'rs-2', 'x|y'])
            assert.deepStrictEqual(
              index.replicaSetNodes(`${ns}/${rs}`),
              want.replicaSets.get(`${ns}/${rs}`),
              `${ns}/${rs}`,
            );
      }
    }),
    { numRuns: 300 },
  );
});

test('a status-only update changes nothing; the tables shrink to nothing as pods go', () => {
  const index = new PodIndex();
  const base: PodRecord = {
    namespace: 'shop',
    name: 'web-1',
    nodeName: 'n1',
    terminal: false,
    network: 'pool',
    requests: { cpuMilli: 100, memoryBytes: 2 ** 28 },
    ownerKind: 'ReplicaSet',
    ownerName: 'web-abc',
  };
  for (let i = 0; i < 2000; i++)
    index.upsert(`shop/web-${i}`, { ...base, name: `web-${i}`, nodeName: `n${i % 50}` });
  assert.deepStrictEqual(index.tableSizes(), { nodes: 50, shapes: 1, slots: 2048 });
  // The same fields in a new object, as every watch event brings.
  assert.equal(index.upsert('shop/web-7', { ...base, name: 'web-7', nodeName: 'n7' }), false);
  assert.equal(index.upsert('shop/web-7', { ...base, name: 'web-7', nodeName: 'n8' }), true);
  assert.equal(index.replicaSetNodes('shop/web-abc')?.get('n8'), 41);
  for (let i = 0; i < 2000; i++) index.remove(`shop/web-${i}`);
  assert.equal(index.size, 0);
  assert.deepStrictEqual(index.tableSizes(), { nodes: 0, shapes: 0, slots: 2048 });
  assert.equal(index.replicaSetNodes('shop/web-abc'), undefined);
  // Slots are reused: churn does not grow the columns.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 2000; i++)
      index.upsert(`shop/r${round}-${i}`, { ...base, name: `r${round}-${i}` });
    for (let i = 0; i < 2000; i++) index.remove(`shop/r${round}-${i}`);
  }
  assert.deepStrictEqual(index.tableSizes(), { nodes: 0, shapes: 0, slots: 2048 });
  assert.deepStrictEqual(index.usageOf('n1'), EMPTY_USAGE);
});
