import type { Peak, WorkloadChange } from './change.js';
import { blueGreenPeak } from './blue-green.js';
import { canaryPeak } from './canary.js';
import { createPeak } from './pods.js';

/**
 * Peak pods of an Argo Rollout change. A first deploy is fast-tracked to full size with either
 * strategy (isBlueGreenFastTracked; a canary without a stable set goes straight to 100%).
 */
export function rolloutPeak(change: WorkloadChange): Peak {
  if (!change.current) return createPeak(change);
  const bg = change.desired.rolloutStrategy?.blueGreen;
  return bg
    ? blueGreenPeak(change, bg)
    : canaryPeak(change, change.desired.rolloutStrategy?.canary);
}
