import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonSetPeak } from '../../../src/simulate/peaks/daemonset.js';
import type { DaemonSetStrategy, Workload } from '../../../src/cluster/model.js';
import type { DaemonSetNodes } from '../../../src/simulate/peaks/index.js';
import { aPodShape, aWorkload } from '../../helpers/builders.js';

const ds = (
  strategy: DaemonSetStrategy = { type: 'RollingUpdate' },
  o: Partial<Workload> = {},
): Workload =>
  aWorkload({
    kind: 'DaemonSet',
    name: 'agent',
    daemonSetStrategy: strategy,
    pod: aPodShape(),
    ...o,
  });
const nodes = (current: number, desired: number, both: number): DaemonSetNodes => ({
  current,
  desired,
  both,
});

// From the DaemonSet controller (kubernetes/kubernetes pkg/controller/daemon): one pod per node that
// NodeShouldRunDaemonPod admits; a RollingUpdate with maxSurge runs old and new pods together on up to
// SurgeCount nodes (a percentage of the nodes to schedule, rounded up: util/daemonset_util.go);
// TestDaemonSetUpdatesPodsWithMaxSurge (update_test.go) creates 2 new pods beside the 5 old ones on 5
// nodes with maxSurge 2 before deleting any. maxSurge unset (apps/v1 default 0) deletes maxUnavailable
// old pods before it creates their replacements (TestDaemonSetUpdatesPods).
const cases: {
  name: string;
  current?: Workload;
  desired: Workload;
  n: DaemonSetNodes;
  change: string;
  now: number;
  peak: number;
}[] = [
  {
    name: 'create: one pod per admitted node',
    desired: ds(),
    n: nodes(0, 40, 0),
    change: 'create',
    now: 0,
    peak: 40,
  },
  {
    name: 'template change, maxSurge 0: replace in place',
    current: ds(),
    desired: ds({ type: 'RollingUpdate' }, { templateKey: 'v2' }),
    n: nodes(40, 40, 40),
    change: 'rollout',
    now: 40,
    peak: 40,
  },
  {
    name: 'TestDaemonSetUpdatesPodsWithMaxSurge: 5 nodes, maxSurge 2, 7 pods at once',
    current: ds(),
    desired: ds({ type: 'RollingUpdate', maxSurge: 2, maxUnavailable: 0 }, { templateKey: 'v2' }),
    n: nodes(5, 5, 5),
    change: 'rollout',
    now: 5,
    peak: 7,
  },
  {
    name: 'template change, maxSurge 10%: 4 of 40 nodes run two pods',
    current: ds(),
    desired: ds(
      { type: 'RollingUpdate', maxSurge: '10%', maxUnavailable: 0 },
      { templateKey: 'v2' },
    ),
    n: nodes(40, 40, 40),
    change: 'rollout',
    now: 40,
    peak: 44,
  },
  {
    name: 'maxSurge percentage rounds up (SurgeCount)',
    current: ds(),
    desired: ds({ type: 'RollingUpdate', maxSurge: '1%' }, { templateKey: 'v2' }),
    n: nodes(30, 30, 30),
    change: 'rollout',
    now: 30,
    peak: 31,
  },
  {
    name: 'maxSurge as an absolute number',
    current: ds(),
    desired: ds({ type: 'RollingUpdate', maxSurge: 3 }, { templateKey: 'v2' }),
    n: nodes(30, 30, 30),
    change: 'rollout',
    now: 30,
    peak: 33,
  },
  {
    name: 'OnDelete ignores maxSurge',
    current: ds(),
    desired: ds({ type: 'OnDelete', maxSurge: 5 }, { templateKey: 'v2' }),
    n: nodes(30, 30, 30),
    change: 'rollout',
    now: 30,
    peak: 30,
  },
  {
    name: 'a wider nodeSelector: the newly admitted nodes gain a pod',
    current: ds(),
    desired: ds({ type: 'RollingUpdate' }, { templateKey: 'v2' }),
    n: nodes(10, 25, 10),
    change: 'rollout',
    now: 10,
    peak: 25,
  },
  {
    name: 'surge only reaches nodes that run the old pod',
    current: ds(),
    desired: ds({ type: 'RollingUpdate', maxSurge: '100%' }, { templateKey: 'v2' }),
    n: nodes(5, 20, 5),
    change: 'rollout',
    now: 5,
    peak: 25,
  },
  {
    name: 'no template change: no change',
    current: ds(),
    desired: ds(),
    n: nodes(12, 12, 12),
    change: 'none',
    now: 12,
    peak: 12,
  },
];

for (const c of cases) {
  test(`DaemonSet ${c.name}`, () => {
    const p = daemonSetPeak({
      ...(c.current && { current: c.current }),
      desired: c.desired,
      replicaSets: [],
      nowMs: 0,
      daemonSetNodes: c.n,
    });
    assert.deepEqual([p.change, p.currentPods, p.peakPods], [c.change, c.now, c.peak]);
  });
}

test('a hostNetwork DaemonSet says its pods take no pod address', () => {
  const p = daemonSetPeak({
    desired: ds({ type: 'RollingUpdate' }, { pod: aPodShape({ network: 'host' }) }),
    replicaSets: [],
    nowMs: 0,
    daemonSetNodes: nodes(0, 7, 0),
  });
  assert.match(p.reason, /hostNetwork: they take no pod address/);
});
