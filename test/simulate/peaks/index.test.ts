import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peakOf, type WorkloadChange } from '../../../src/simulate/peaks/index.js';
import type { ReplicaSet, RolloutStrategy, Workload } from '../../../src/cluster/model.js';
import { aReplicaSet, aWorkload } from '../../helpers/builders.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');

function deployment(o: Partial<Workload> = {}): Workload {
  return aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas: 10,
    deploymentStrategy: { type: 'RollingUpdate' },
    ...o,
  });
}
function rollout(strategy: RolloutStrategy, o: Partial<Workload> = {}): Workload {
  return aWorkload({
    kind: 'Rollout',
    name: 'web',
    replicas: 10,
    rolloutStrategy: strategy,
    status: { stableRS: 'aaa', currentPodHash: 'aaa' },
    ...o,
  });
}
const bg = (o: Partial<NonNullable<RolloutStrategy['blueGreen']>> = {}): RolloutStrategy => ({
  blueGreen: {
    autoPromotionEnabled: true,
    scaleDownDelaySeconds: 30,
    abortScaleDownDelaySeconds: 30,
    ...o,
  },
});
const canary = (o: Partial<NonNullable<RolloutStrategy['canary']>> = {}): RolloutStrategy => ({
  canary: {
    steps: [],
    trafficRouting: false,
    maxTrafficWeight: 100,
    dynamicStableScale: false,
    ...o,
  },
});
const sets = (w: Workload, ...list: [string, number, string?][]): ReplicaSet[] =>
  list.map(([hash, n, deadline]) =>
    aReplicaSet(w, {
      name: `${w.name}-${hash}`,
      specReplicas: n,
      podTemplateHash: hash,
      ...(deadline !== undefined && { scaleDownDeadline: deadline }),
    }),
  );

interface Case {
  name: string;
  current?: Workload;
  desired: Workload;
  rs?: ReplicaSet[];
  change: string;
  current_: number;
  peak: number;
}

// Expected peaks from the semantics notes (§2.3 Deployment table, §3.2 blue/green phases, §3.4 canary),
// each worked out by hand from the controllers' rules rather than from this implementation.
const d10 = deployment();
const r10 = rollout(bg());
const cases: Case[] = [
  {
    name: 'Deployment create: replicas only',
    desired: deployment({ replicas: 4 }),
    change: 'create',
    current_: 0,
    peak: 4,
  },
  {
    name: 'Deployment create without replicas: the default 1',
    desired: deployment({ replicas: undefined }),
    change: 'create',
    current_: 0,
    peak: 1,
  },
  {
    name: 'Deployment scale 10 -> 15, one ReplicaSet',
    current: d10,
    desired: deployment({ replicas: 15 }),
    rs: sets(d10, ['a', 10]),
    change: 'scale',
    current_: 10,
    peak: 15,
  },
  {
    name: 'Deployment scale down 10 -> 4 adds nothing',
    current: d10,
    desired: deployment({ replicas: 4 }),
    rs: sets(d10, ['a', 10]),
    change: 'scale',
    current_: 10,
    peak: 10,
  },
  {
    name: 'Deployment template change, 25%: 10 + ceil(2.5) = 13',
    current: d10,
    desired: deployment({ templateKey: 'v2' }),
    rs: sets(d10, ['a', 10]),
    change: 'rollout',
    current_: 10,
    peak: 13,
  },
  {
    name: 'Deployment template change, 1 replica: surge 1 -> 2',
    current: deployment({ replicas: 1 }),
    desired: deployment({ replicas: 1, templateKey: 'v2' }),
    change: 'rollout',
    current_: 1,
    peak: 2,
  },
  {
    name: 'Deployment maxSurge 0, maxUnavailable 1: no surge',
    current: deployment({ replicas: 4 }),
    desired: deployment({
      replicas: 4,
      templateKey: 'v2',
      deploymentStrategy: { type: 'RollingUpdate', maxSurge: 0, maxUnavailable: 1 },
    }),
    change: 'rollout',
    current_: 4,
    peak: 4,
  },
  {
    name: 'Deployment maxSurge 100%: twice the replicas',
    current: d10,
    desired: deployment({
      templateKey: 'v2',
      deploymentStrategy: { type: 'RollingUpdate', maxSurge: '100%', maxUnavailable: 0 },
    }),
    rs: sets(d10, ['a', 10]),
    change: 'rollout',
    current_: 10,
    peak: 20,
  },
  {
    // NewRSNewReplicas caps the new set at the replicas: 3 old + 3 new, although 3 + 9 would be allowed.
    name: 'Deployment maxSurge 300% of 3 replicas: 3 + 3, not 3 + 9',
    current: deployment({ replicas: 3 }),
    desired: deployment({
      replicas: 3,
      templateKey: 'v2',
      deploymentStrategy: { type: 'RollingUpdate', maxSurge: '300%', maxUnavailable: 0 },
    }),
    rs: sets(d10, ['a', 3]),
    change: 'rollout',
    current_: 3,
    peak: 6,
  },
  {
    name: 'Deployment maxSurge 15 with 10 replicas and template 10 -> 12: old scaled to 12 first, then 12 new',
    current: d10,
    desired: deployment({
      replicas: 12,
      templateKey: 'v2',
      deploymentStrategy: { type: 'RollingUpdate', maxSurge: 15, maxUnavailable: 0 },
    }),
    rs: sets(d10, ['a', 10]),
    change: 'rollout',
    current_: 10,
    peak: 24,
  },
  {
    name: 'Deployment Recreate: old pods go first',
    current: d10,
    desired: deployment({ templateKey: 'v2', deploymentStrategy: { type: 'Recreate' } }),
    rs: sets(d10, ['a', 10]),
    change: 'rollout',
    current_: 10,
    peak: 10,
  },
  {
    name: 'Deployment template and replicas 10 -> 20: 20 + 5',
    current: d10,
    desired: deployment({ replicas: 20, templateKey: 'v2' }),
    rs: sets(d10, ['a', 10]),
    change: 'rollout',
    current_: 10,
    peak: 25,
  },
  {
    name: 'Deployment template change while paused: deferred',
    current: deployment({ paused: true }),
    desired: deployment({ paused: true, templateKey: 'v2' }),
    rs: sets(d10, ['a', 10]),
    change: 'rollout',
    current_: 10,
    peak: 10,
  },
  {
    name: 'Deployment resumed with a pending template: the rollout starts now',
    current: deployment({ paused: true, status: { replicas: 10, updatedReplicas: 0 } }),
    desired: deployment({ paused: false, status: { replicas: 10, updatedReplicas: 0 } }),
    rs: sets(d10, ['a', 10]),
    change: 'rollout',
    current_: 10,
    peak: 13,
  },
  {
    name: 'Deployment scale mid-rollout: proportional up to replicas + surge',
    current: d10,
    desired: deployment({ replicas: 20 }),
    rs: sets(d10, ['a', 7], ['b', 6]),
    change: 'scale',
    current_: 13,
    peak: 25,
  },
  {
    name: 'Deployment label-only change: nothing',
    current: d10,
    desired: deployment({ labels: { team: 'x' } }),
    rs: sets(d10, ['a', 10]),
    change: 'none',
    current_: 10,
    peak: 10,
  },
  {
    name: 'Deployment scale 0 -> 10 (green beside a running blue)',
    current: deployment({ replicas: 0 }),
    desired: deployment({ replicas: 10 }),
    rs: sets(d10, ['a', 0]),
    change: 'scale',
    current_: 0,
    peak: 10,
  },
  {
    name: 'paused Deployment, template and replicas 10 -> 20 at once: it scales now, the template waits',
    current: deployment({ paused: true }),
    desired: deployment({ paused: true, replicas: 20, templateKey: 'v2' }),
    rs: sets(d10, ['a', 10]),
    change: 'rollout',
    current_: 10,
    peak: 20,
  },
  {
    name: 'canary scaled 10 -> 20 while a canary runs (basic, 25%): 20 + 5',
    current: rollout(canary(), { status: { stableRS: 'aaa', currentPodHash: 'bbb' } }),
    desired: rollout(canary(), {
      replicas: 20,
      status: { stableRS: 'aaa', currentPodHash: 'bbb' },
    }),
    rs: sets(r10, ['aaa', 8], ['bbb', 3]),
    change: 'scale',
    current_: 11,
    peak: 25,
  },
  {
    name: 'canary scaled 10 -> 20 in steady state: 20',
    current: rollout(canary()),
    desired: rollout(canary(), { replicas: 20 }),
    rs: sets(r10, ['aaa', 10]),
    change: 'scale',
    current_: 10,
    peak: 20,
  },
  {
    name: 'Rollout create (first blue/green deploy is fast-tracked)',
    desired: r10,
    change: 'create',
    current_: 0,
    peak: 10,
  },
  {
    name: 'blue/green template change: 10 active + 10 preview',
    current: r10,
    desired: rollout(bg(), { templateKey: 'v2' }),
    rs: sets(r10, ['aaa', 10]),
    change: 'switch',
    current_: 10,
    peak: 20,
  },
  {
    name: 'blue/green previewReplicaCount 3 with auto promotion: the promotion follows at once',
    current: r10,
    desired: rollout(bg({ previewReplicaCount: 3 }), { templateKey: 'v2' }),
    rs: sets(r10, ['aaa', 10]),
    change: 'switch',
    current_: 10,
    peak: 20,
  },
  {
    name: 'blue/green previewReplicaCount 3, manual promotion: 10 + 3 now',
    current: r10,
    desired: rollout(bg({ previewReplicaCount: 3, autoPromotionEnabled: false }), {
      templateKey: 'v2',
    }),
    rs: sets(r10, ['aaa', 10]),
    change: 'switch',
    current_: 10,
    peak: 13,
  },
  {
    name: 'blue/green promotion of a 3-pod preview: +7',
    current: rollout(bg({ previewReplicaCount: 3, autoPromotionEnabled: false }), {
      templateKey: 'v2',
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true },
    }),
    desired: rollout(bg({ previewReplicaCount: 3, autoPromotionEnabled: false }), {
      templateKey: 'v2',
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: false },
    }),
    rs: sets(r10, ['aaa', 10], ['bbb', 3]),
    change: 'switch',
    current_: 13,
    peak: 20,
  },
  {
    name: 'blue/green promote --full of a full-size preview adds nothing',
    current: rollout(bg({ autoPromotionEnabled: false }), {
      templateKey: 'v2',
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true },
    }),
    desired: rollout(bg({ autoPromotionEnabled: false }), {
      templateKey: 'v2',
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true, promoteFull: true },
    }),
    rs: sets(r10, ['aaa', 10], ['bbb', 10]),
    change: 'switch',
    current_: 20,
    peak: 20,
  },
  {
    name: 'blue/green abort adds nothing',
    current: rollout(bg(), {
      templateKey: 'v2',
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true },
    }),
    desired: rollout(bg(), {
      templateKey: 'v2',
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: false, abort: true },
    }),
    rs: sets(r10, ['aaa', 10], ['bbb', 10]),
    change: 'none',
    current_: 20,
    peak: 20,
  },
  {
    name: 'blue/green new template while an old set waits out its scale-down delay',
    current: r10,
    desired: rollout(bg(), { templateKey: 'v3' }),
    rs: sets(r10, ['aaa', 10], ['old', 10, '2026-11-27T12:00:20Z']),
    change: 'switch',
    current_: 20,
    peak: 30,
  },
  {
    name: 'blue/green: an old set past its deadline is not counted as kept',
    current: r10,
    desired: rollout(bg(), { templateKey: 'v3' }),
    rs: sets(r10, ['aaa', 10], ['old', 10, '2026-11-27T11:59:00Z']),
    change: 'switch',
    current_: 20,
    peak: 20,
  },
  {
    name: 'blue/green new template while a preview is unpromoted: it is kept beside the new one',
    current: rollout(bg({ autoPromotionEnabled: false }), {
      templateKey: 'v2',
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true },
    }),
    desired: rollout(bg({ autoPromotionEnabled: false }), {
      templateKey: 'v3',
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true },
    }),
    rs: sets(r10, ['aaa', 10], ['bbb', 10]),
    change: 'switch',
    current_: 20,
    peak: 30,
  },
  {
    // scaleDownDelayHelper (argo-rollouts rollout/replicaset.go): a marked set before its deadline is sized
    // to spec.replicas, so the superseded 3-pod preview grows to 10 for its delay.
    name: 'blue/green previewReplicaCount 3, manual, new template over an unpromoted preview: 10 + 3 + 10',
    current: rollout(bg({ previewReplicaCount: 3, autoPromotionEnabled: false }), {
      templateKey: 'v2',
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true },
    }),
    desired: rollout(bg({ previewReplicaCount: 3, autoPromotionEnabled: false }), {
      templateKey: 'v3',
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true },
    }),
    rs: sets(r10, ['aaa', 10], ['bbb', 3]),
    change: 'switch',
    current_: 13,
    peak: 23,
  },
  {
    // Limit 1: only the newest old set (the superseded preview, grown to 10) is kept; the older one goes to
    // 0 right after the new preview is up, so the peak is that moment: 10 + 3 new + 10 + 3 = 26, not 33.
    name: 'blue/green scaleDownDelayRevisionLimit 1: one old set is kept through its delay',
    current: rollout(
      bg({ previewReplicaCount: 3, autoPromotionEnabled: false, scaleDownDelayRevisionLimit: 1 }),
      { templateKey: 'v2', status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true } },
    ),
    desired: rollout(
      bg({ previewReplicaCount: 3, autoPromotionEnabled: false, scaleDownDelayRevisionLimit: 1 }),
      { templateKey: 'v3', status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true } },
    ),
    rs: sets(r10, ['aaa', 10], ['bbb', 3], ['old', 10, '2026-11-27T12:00:20Z']),
    change: 'switch',
    current_: 23,
    peak: 26,
  },
  {
    name: 'blue/green scale 10 -> 12 in steady state',
    current: r10,
    desired: rollout(bg(), { replicas: 12 }),
    rs: sets(r10, ['aaa', 10]),
    change: 'scale',
    current_: 10,
    peak: 12,
  },
  {
    name: 'blue/green scale 10 -> 12 with a preview up: 12 + 12',
    current: rollout(bg(), {
      templateKey: 'v2',
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true },
    }),
    desired: rollout(bg(), {
      templateKey: 'v2',
      replicas: 12,
      status: { stableRS: 'aaa', currentPodHash: 'bbb', paused: true },
    }),
    rs: sets(r10, ['aaa', 10], ['bbb', 10]),
    change: 'scale',
    current_: 20,
    peak: 24,
  },
  {
    name: 'canary without traffic routing: 10 + 25% surge rounded up',
    current: rollout(canary()),
    desired: rollout(canary(), { templateKey: 'v2' }),
    rs: sets(r10, ['aaa', 10]),
    change: 'rollout',
    current_: 10,
    peak: 13,
  },
  {
    // CalculateReplicaCountsForBasicCanary: maxUnavailable lets the stable set shrink before the canary
    // grows, so no step reaches 10 + maxSurge 10; the full promotion tops out at 6 stable + 10 canary.
    name: 'canary without traffic routing, maxSurge 100%, a 20% step: 16 pods, not 20',
    current: rollout(canary({ maxSurge: '100%', steps: [{ setWeight: 20 }, { pause: true }] })),
    desired: rollout(canary({ maxSurge: '100%', steps: [{ setWeight: 20 }, { pause: true }] }), {
      templateKey: 'v2',
    }),
    rs: sets(r10, ['aaa', 10]),
    change: 'rollout',
    current_: 10,
    peak: 16,
  },
  {
    name: 'canary scaled 10 -> 20 at step 1 of [20%, pause, 50%]: the steps go on at 20 replicas',
    current: rollout(canary({ steps: [{ setWeight: 20 }, { pause: true }, { setWeight: 50 }] }), {
      status: { stableRS: 'aaa', currentPodHash: 'bbb', currentStepIndex: 1 },
    }),
    desired: rollout(canary({ steps: [{ setWeight: 20 }, { pause: true }, { setWeight: 50 }] }), {
      replicas: 20,
      status: { stableRS: 'aaa', currentPodHash: 'bbb', currentStepIndex: 1 },
    }),
    rs: sets(r10, ['aaa', 8], ['bbb', 2]),
    change: 'scale',
    current_: 10,
    peak: 25,
  },
  {
    name: 'canary of 100000 replicas with maxSurge 1: too long to walk, judged at replicas + maxSurge',
    current: rollout(canary({ maxSurge: 1, maxUnavailable: 0, steps: [{ setWeight: 50 }] }), {
      replicas: 100_000,
    }),
    desired: rollout(canary({ maxSurge: 1, maxUnavailable: 0, steps: [{ setWeight: 50 }] }), {
      replicas: 100_000,
      templateKey: 'v2',
    }),
    rs: sets(r10, ['aaa', 100_000]),
    change: 'rollout',
    current_: 100_000,
    peak: 100_001,
  },
  {
    // Without status.stableRS Argo heads straight for full weight and scales the old set down
    // (GetCanaryReplicasOrWeight, CheckStableRSExists): the old set's pods count once, 10 + surge 3.
    name: 'canary whose status names no stable set: its old pods count once',
    current: rollout(canary({ steps: [{ setWeight: 20 }] }), { status: {} }),
    desired: rollout(canary({ steps: [{ setWeight: 20 }] }), { templateKey: 'v2', status: {} }),
    rs: sets(r10, ['old', 10]),
    change: 'rollout',
    current_: 10,
    peak: 13,
  },
  {
    name: 'canary: Argo reads "50" as 50%',
    current: rollout(canary({ maxSurge: '50' })),
    desired: rollout(canary({ maxSurge: '50' }), { templateKey: 'v2' }),
    rs: sets(r10, ['aaa', 10]),
    change: 'rollout',
    current_: 10,
    peak: 15,
  },
  {
    name: 'canary with traffic routing and setCanaryScale 15: 10 + 15 (the docs: 25 pods)',
    current: rollout(canary({ trafficRouting: true })),
    desired: rollout(
      canary({
        trafficRouting: true,
        steps: [{ setCanaryScale: { replicas: 15 } }, { setWeight: 20 }],
      }),
      { templateKey: 'v2' },
    ),
    rs: sets(r10, ['aaa', 10]),
    change: 'rollout',
    current_: 10,
    peak: 25,
  },
  {
    name: 'canary with traffic routing: full promotion runs a full canary beside the stable set',
    current: rollout(canary({ trafficRouting: true })),
    desired: rollout(
      canary({ trafficRouting: true, steps: [{ setWeight: 20 }, { setWeight: 50 }] }),
      { templateKey: 'v2' },
    ),
    rs: sets(r10, ['aaa', 10]),
    change: 'rollout',
    current_: 10,
    peak: 20,
  },
  {
    name: 'canary with dynamic stable scale: worst step is the last (100% canary + stable at 50%)',
    current: rollout(canary({ trafficRouting: true, dynamicStableScale: true })),
    desired: rollout(
      canary({
        trafficRouting: true,
        dynamicStableScale: true,
        steps: [{ setWeight: 20 }, { setWeight: 50 }],
      }),
      { templateKey: 'v2' },
    ),
    rs: sets(r10, ['aaa', 10]),
    change: 'rollout',
    current_: 10,
    peak: 15,
  },
];

for (const c of cases) {
  test(`peak: ${c.name}`, () => {
    const change: WorkloadChange = {
      ...(c.current && { current: c.current }),
      desired: c.desired,
      replicaSets: c.rs ?? [],
      nowMs: NOW,
    };
    const p = peakOf(change);
    assert.deepEqual(
      { change: p.change, current: p.currentPods, peak: p.peakPods },
      { change: c.change, current: c.current_, peak: c.peak },
      p.reason,
    );
  });
}

test('peak: pods over time for a RollingUpdate, 10 replicas at 25%/25%: up to 13, back to 10', () => {
  const p = peakOf({
    current: d10,
    desired: deployment({ templateKey: 'v2' }),
    replicaSets: sets(d10, ['a', 10]),
    nowMs: NOW,
  });
  assert.equal(p.podsOverTime?.[0], 10);
  assert.equal(Math.max(...(p.podsOverTime ?? [])), p.peakPods);
  assert.equal(p.podsOverTime?.at(-1), 10);
});

test('peak: pods over time for a basic canary end at the replicas, the peak among them', () => {
  const strategy = canary({ steps: [{ setWeight: 20 }, { pause: true }, { setWeight: 50 }] });
  const p = peakOf({
    current: rollout(strategy),
    desired: rollout(strategy, { templateKey: 'v2' }),
    replicaSets: sets(r10, ['aaa', 10]),
    nowMs: NOW,
  });
  assert.deepEqual(p.podsOverTime, [10, 8, 10, 8, 11, 10, 8, 13, 10]);
  assert.equal(p.peakPods, 13);
});
