import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EMPTY_USAGE, type Node, type PodShape } from '../../src/cluster/model.js';
import { sortByScore, type Candidate } from '../../src/simulate/candidates.js';
import { BindTrajectory, bindAfresh } from '../../src/simulate/bind-trajectory.js';
import { nodeScore } from '../../src/simulate/scheduler-score.js';
import { GiB, aNode, aPodShape } from '../helpers/builders.js';

/**
 * kube-scheduler's rule for a run of identical pods, written the slow way: every pod scans every node
 * with room and takes the best score, ties to the node given fewer so far, then by name.
 */
function bindByScan(
  sorted: readonly Candidate[],
  pods: number,
  pod: PodShape,
): Map<string, number> {
  const placed = new Map<string, number>();
  for (let p = 0; p < pods; p++) {
    let best: { c: Candidate; score: number; n: number } | undefined;
    for (const c of sorted) {
      const n = placed.get(c.node.name) ?? 0;
      if (n >= c.room) continue;
      const score = n === 0 ? c.score : nodeScore(c.node, pod, n);
      if (
        !best ||
        score > best.score ||
        (score === best.score && (n < best.n || (n === best.n && c.node.name < best.c.node.name)))
      )
        best = { c, score, n };
    }
    if (!best) break;
    placed.set(best.c.node.name, best.n + 1);
  }
  return placed;
}

const asMap = (used: readonly { node: Node; placed: number }[]): Map<string, number> =>
  new Map(used.map(u => [u.node.name, u.placed]));

const cluster = fc.record({
  nodes: fc.array(
    fc.record({
      cpuMilli: fc.integer({ min: 1000, max: 16_000 }),
      usedCpuMilli: fc.integer({ min: 0, max: 900 }),
      memoryGiB: fc.integer({ min: 2, max: 64 }),
      room: fc.integer({ min: 1, max: 6 }),
    }),
    { minLength: 1, maxLength: 12 },
  ),
  cpuMilli: fc.integer({ min: 0, max: 500 }),
  memoryMiB: fc.integer({ min: 0, max: 2048 }),
  runs: fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 8 }),
});

test('one trajectory answers every run length as binding that many pods afresh would, in any order', () => {
  fc.assert(
    fc.property(cluster, c => {
      const pod = aPodShape({
        requests: { cpuMilli: c.cpuMilli, memoryBytes: c.memoryMiB * 1024 ** 2 },
      });
      const sorted = sortByScore(
        c.nodes.map((n, i) => {
          const node = aNode({
            ip: `10.0.0.${i + 1}`,
            zone: 'zone-a',
            allocatable: { cpuMilli: n.cpuMilli, memoryBytes: n.memoryGiB * GiB, pods: 110 },
            usage: { ...EMPTY_USAGE, cpuMilli: n.usedCpuMilli, scoreCpuMilli: n.usedCpuMilli },
          });
          return { node, room: n.room, score: nodeScore(node, pod, 0) };
        }),
      );
      // A small cap, so runs past it (bound afresh, picks not kept) are exercised too.
      const kept = new BindTrajectory(sorted, pod, 40);
      for (const pods of c.runs) {
        const expected = bindByScan(sorted, pods, pod);
        const fromTrajectory = kept.bind(pods);
        const afresh = bindAfresh(sorted, pods, pod);
        assert.deepEqual(asMap(fromTrajectory.used), expected, `${pods} pods from the trajectory`);
        assert.deepEqual(asMap(afresh.used), expected, `${pods} pods afresh`);
        const total = [...expected.values()].reduce((a, b) => a + b, 0);
        assert.equal(fromTrajectory.placed, total);
        assert.equal(afresh.placed, total);
        assert.ok(fromTrajectory.used.every(u => u.placed > 0 && u.placed <= u.room));
      }
    }),
  );
});

test('the nodes come back in the order the scheduler first picked them, each with its room', () => {
  const pod = aPodShape();
  const big = aNode({ ip: '10.0.0.1', zone: 'zone-a' });
  const small = aNode({
    ip: '10.0.0.2',
    zone: 'zone-a',
    allocatable: { cpuMilli: 2000, memoryBytes: 4 * GiB, pods: 110 },
  });
  const sorted = sortByScore([
    { node: small, room: 2, score: nodeScore(small, pod, 0) },
    { node: big, room: 3, score: nodeScore(big, pod, 0) },
  ]);
  const t = new BindTrajectory(sorted, pod);
  const r = t.bind(10);
  assert.equal(r.placed, 5, 'every node full: five of ten bound');
  assert.deepEqual(
    r.used.map(u => [u.node.name, u.placed, u.room]),
    [
      [big.name, 3, 3],
      [small.name, 2, 2],
    ],
  );
  assert.deepEqual(
    t.bind(1).used.map(u => [u.node.name, u.placed]),
    [[big.name, 1]],
  );
  for (const none of [0, -1, Number.NaN])
    assert.deepEqual(t.bind(none), { used: [], placed: 0 }, `${none} pods bind nowhere`);
});
