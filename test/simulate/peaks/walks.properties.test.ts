import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { basicCanaryWalk, canaryFenceposts } from '../../../src/simulate/peaks/argo-canary.js';
import {
  maxSurge,
  rollingUpdateWalk,
  type DeploymentView,
} from '../../../src/simulate/peaks/deployment-controller.js';

const percent = fc.integer({ min: 0, max: 100 }).map(p => `${p}%`);
const intOrPercent = fc.oneof(fc.integer({ min: 0, max: 30 }), percent);

test('RollingUpdate walk: the peak is min(replicas + maxSurge, old + replicas), and it ends at the replicas', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 0, max: 300 }),
      intOrPercent,
      intOrPercent,
      (replicas, old, surge, unavailable) => {
        const d: DeploymentView = {
          replicas,
          strategy: { type: 'RollingUpdate', maxSurge: surge, maxUnavailable: unavailable },
          statusReplicas: old,
        };
        const pods = rollingUpdateWalk(d, [
          { name: 'old', replicas: old, availableReplicas: old, createdMs: 0 },
        ]);
        const s = maxSurge(d);
        // NewRSNewReplicas: all sets within replicas + maxSurge, the new set within the replicas.
        assert.equal(Math.max(...pods), Math.max(old, Math.min(replicas + s, old + replicas)));
        if (pods.length < 256) assert.equal(pods.at(-1), replicas);
      },
    ),
  );
});

test('basic canary walk: never above replicas + maxSurge (or the pods already there), ends at the replicas', () => {
  const step = fc.oneof(
    fc.integer({ min: 0, max: 100 }).map(setWeight => ({ setWeight })),
    fc.constant({ pause: true }),
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.array(step, { maxLength: 6 }),
      intOrPercent,
      intOrPercent,
      fc.integer({ min: 0, max: 20 }),
      (replicas, steps, surgeIn, unavailableIn, older) => {
        const { surge, unavailable } = canaryFenceposts(surgeIn, unavailableIn, replicas);
        const { pods, complete } = basicCanaryWalk({
          replicas,
          steps,
          maxWeight: 100,
          maxSurge: surge,
          maxUnavailable: unavailable,
          stable: replicas,
          canary: 0,
          others: older > 0 ? [older] : [],
          startStep: 0,
        });
        assert.ok(Math.max(...pods) <= Math.max(replicas + older, replicas + surge));
        if (complete) assert.equal(pods.at(-1), replicas);
      },
    ),
  );
});
