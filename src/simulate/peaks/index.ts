import type { WorkloadKind } from '../../cluster/model.js';
import type { Peak, PeakOfKind, WorkloadChange } from './change.js';
import { deploymentPeak } from './deployment.js';
import { rolloutPeak } from './rollout.js';

export type {
  BlueGreenPeak,
  ChangeKind,
  Peak,
  PeakBase,
  PeakOfKind,
  WorkloadChange,
} from './change.js';
export { currentPodsOf, replicasOf } from './pods.js';

/** One peak per kind; a kind added to WorkloadKind fails to compile until it has its file here. */
const peakByKind: { readonly [K in WorkloadKind]: PeakOfKind } = {
  Deployment: deploymentPeak,
  Rollout: rolloutPeak,
};

/** Peak pods of a change, following the kind's controller. */
export function peakOf(change: WorkloadChange): Peak {
  return peakByKind[change.desired.kind](change);
}
