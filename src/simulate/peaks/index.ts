import type { WorkloadKind } from '../../cluster/model.js';
import type { Peak, PeakOfKind, WorkloadChange } from './change.js';
import { cronJobPeak } from './cronjob.js';
import { daemonSetPeak } from './daemonset.js';
import { deploymentPeak } from './deployment.js';
import { jobPeak } from './job.js';
import { rolloutPeak } from './rollout.js';
import { statefulSetPeak } from './statefulset.js';

export type {
  BlueGreenPeak,
  ChangeKind,
  DaemonSetNodes,
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
  StatefulSet: statefulSetPeak,
  DaemonSet: daemonSetPeak,
  Job: jobPeak,
  CronJob: cronJobPeak,
};

/** Peak pods of a change, following the kind's controller. */
export function peakOf(change: WorkloadChange): Peak {
  return peakByKind[change.desired.kind](change);
}
