import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ClusterModel, Node } from '../../src/cluster/model.js';
import { collectInNameOrder, scanInNameOrder } from '../../src/simulate/node-order.js';
import { sortByScore, type Candidate } from '../../src/simulate/candidates.js';
import { aCluster, aNode } from '../helpers/builders.js';

const base = aCluster({});

/** A model holding these nodes in this iteration order, keyed by name as the builders key them. */
function modelOf(nodes: readonly Node[]): ClusterModel {
  return { ...base, nodes: new Map(nodes.map(n => [n.name, n])) };
}

function node(name: string, pods = 0): Node {
  const n = aNode({ ip: '10.0.0.10', zone: 'zone-a' });
  return { ...n, name, usage: { ...n.usage, pods } };
}

/** The slow path: every node kept by `keep`, sorted by name with a comparison. */
function slowPath(nodes: readonly Node[], keep: (n: Node) => boolean): Node[] {
  return nodes.filter(keep).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const names = fc.uniqueArray(fc.stringMatching(/^[a-d][a-d0-9.-]{0,5}$/), {
  minLength: 0,
  maxLength: 30,
});

test('nodes come back in name order, whatever the iteration order and the filter', () => {
  fc.assert(
    fc.property(names, fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), (ns, keepBits) => {
      const nodes = ns.map((n, i) => node(n, i));
      const keep = (n: Node): boolean => keepBits[n.usage.pods] ?? true;
      const got = collectInNameOrder(modelOf(nodes), n => (keep(n) ? n : undefined));
      assert.deepEqual(got, slowPath(nodes, keep));
    }),
  );
});

test('a new state version reuses the order only when its nodes are the same names in the same order', () => {
  fc.assert(
    fc.property(
      names,
      fc.array(
        fc.oneof(
          fc.constant('same' as const),
          fc.constant('shuffle' as const),
          fc.constant('rename' as const),
          fc.constant('drop' as const),
          fc.constant('add' as const),
        ),
        { minLength: 1, maxLength: 6 },
      ),
      fc.integer({ min: 0, max: 1000 }),
      (initial, steps, seed) => {
        let nodes = initial.map((n, i) => node(n, i));
        let k = seed;
        for (const step of steps) {
          k = (k * 7919 + 13) % 10007;
          // Every version holds new node objects: only names can carry the order over.
          nodes = nodes.map(n => ({ ...n }));
          if (step === 'shuffle')
            nodes = [
              ...nodes.slice(k % (nodes.length + 1)),
              ...nodes.slice(0, k % (nodes.length + 1)),
            ].reverse();
          if (step === 'rename' && nodes.length > 0) {
            const i = k % nodes.length;
            const taken = new Set(nodes.map(n => n.name));
            let name = `z${k}`;
            while (taken.has(name)) name += 'z';
            nodes[i] = { ...(nodes[i] as Node), name };
          }
          if (step === 'drop' && nodes.length > 0) nodes.splice(k % nodes.length, 1);
          if (step === 'add') {
            const taken = new Set(nodes.map(n => n.name));
            let name = `a${k}`;
            while (taken.has(name)) name += 'a';
            nodes.splice(k % (nodes.length + 1), 0, node(name));
          }
          const model = modelOf(nodes);
          const got = collectInNameOrder(model, n => n);
          assert.deepEqual(
            got.map(n => n.name),
            slowPath(nodes, () => true).map(n => n.name),
          );
          // The nodes of this version, not of an earlier one with the same names.
          for (const n of got) assert.equal(n, model.nodes.get(n.name));
        }
      },
    ),
  );
});

test('property: a scan from an earlier version visits only the nodes that are new objects, and finds what a full scan finds', () => {
  fc.assert(
    fc.property(
      names,
      fc.array(fc.constantFrom('keep', 'replace', 'drop'), { minLength: 30, maxLength: 30 }),
      fc.boolean(),
      (ns, fates, shuffle) => {
        const first = ns.map((n, i) => node(n, i));
        // What a node's result is: its name and pods, or nothing for an odd count of pods.
        const judge = (n: Node): string | undefined =>
          n.usage.pods % 2 === 1 ? undefined : `${n.name}:${n.usage.pods}`;
        const earlier = scanInNameOrder(modelOf(first), judge);
        let next = first.flatMap((n, i) => {
          const fate = fates[i] ?? 'keep';
          if (fate === 'drop') return [];
          return [fate === 'replace' ? { ...n, usage: { ...n.usage, pods: n.usage.pods + 1 } } : n];
        });
        if (shuffle) next = [...next].reverse();
        const visited: Node[] = [];
        const got = scanInNameOrder(
          modelOf(next),
          n => {
            visited.push(n);
            return judge(n);
          },
          earlier.scan,
        );
        const full = collectInNameOrder(modelOf(next), judge);
        assert.deepEqual(got.list, full);
        // Taken from the earlier scan only where the very node object sits at the same place.
        const firstAt = first;
        next.forEach((n, i) => {
          const shared = firstAt[i] === n;
          assert.equal(visited.includes(n), !shared, `${n.name} at ${i}`);
        });
        assert.deepEqual(
          got.scan.results,
          next.map(n => judge(n)),
        );
      },
    ),
  );
});

const candidate = (name: string, score: number): Candidate => ({
  node: node(name),
  room: 1,
  score,
});

function comparisonSort(list: readonly Candidate[]): Candidate[] {
  return [...list].sort(
    (a, b) =>
      b.score - a.score || (a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0),
  );
}

test('candidates in name order sort by score the same as the comparison sort', () => {
  fc.assert(
    fc.property(
      names,
      fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 30, maxLength: 30 }),
      (ns, scores) => {
        const list = [...ns].sort().map((n, i) => candidate(n, scores[i] ?? 0));
        assert.deepEqual(sortByScore([...list]), comparisonSort(list));
      },
    ),
  );
});

test('candidates in any order, or with scores no bucket holds, still sort by score, then name', () => {
  fc.assert(
    fc.property(
      names,
      fc.array(
        fc.oneof(fc.integer({ min: 0, max: 200 }), fc.double({ min: -10, max: 500, noNaN: true })),
        { minLength: 30, maxLength: 30 },
      ),
      (ns, scores) => {
        const list = ns.map((n, i) => candidate(n, scores[i] ?? 0));
        assert.deepEqual(sortByScore([...list]), comparisonSort(list));
      },
    ),
  );
});
