import type { PodShape, ReplicaSet, Workload } from '../../cluster/model.js';

/** What the change does to the workload's pods (SPEC `change`). */
export type ChangeKind = 'create' | 'scale' | 'rollout' | 'switch' | 'settings' | 'none';

/** One change to a workload: the object as it is (absent on create) and as it will be. */
export interface WorkloadChange {
  readonly current?: Workload;
  readonly desired: Workload;
  /** The workload's ReplicaSets now; their pods are the current pods. */
  readonly replicaSets: readonly ReplicaSet[];
  /** Time of the decision (epoch ms), for Argo's scale-down deadlines. */
  readonly nowMs: number;
  /** A DaemonSet change: the nodes its current and its desired pod run on. */
  readonly daemonSetNodes?: DaemonSetNodes;
}

/** Nodes a DaemonSet runs on: now (current template), as desired, and both. */
export interface DaemonSetNodes {
  readonly current: number;
  readonly desired: number;
  readonly both: number;
}

export interface BlueGreenPeak {
  readonly replicas: number;
  /** previewReplicaCount, or the full size when unset. */
  readonly preview: number;
  readonly previewSet: boolean;
  readonly manualPromotion: boolean;
  /** Old ReplicaSets still running inside their scale-down delay. */
  readonly retainedPods: number;
}

export interface Peak {
  readonly change: ChangeKind;
  readonly currentPods: number;
  readonly peakPods: number;
  /** Pods added at the peak run this template. */
  readonly pod?: PodShape;
  /** How the peak was worked out, in a person's words. */
  readonly reason: string;
  readonly desiredReplicas: number;
  readonly blueGreen?: BlueGreenPeak;
  /**
   * The workload's pods after each step its controller takes, from the pods now, where the peak was found
   * by walking the controller (RollingUpdate, basic canary). Absent where it is worked out in one step.
   */
  readonly podsOverTime?: readonly number[];
  /** A DaemonSet rolling update with maxSurge: nodes that run the old and the new pod at once. */
  readonly surgeNodes?: number;
}

/** The fields every kind's peak shares: the size asked for and the pod template. */
export type PeakBase = Pick<Peak, 'desiredReplicas' | 'pod'>;

/** One kind's peak: a pure function of the change. */
export type PeakOfKind = (change: WorkloadChange) => Peak;
