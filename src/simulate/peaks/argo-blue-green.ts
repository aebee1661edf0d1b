/*
 * The replica rules of Argo Rollouts' blue/green strategy (argo-rollouts utils/replicaset/replicaset.go
 * NewRSNewReplicas, rollout/replicaset.go scaleDownDelayHelper), over plain numbers.
 */

export interface BlueGreenNewSetInput {
  readonly replicas: number;
  readonly previewReplicaCount?: number;
  /** status.blueGreen.activeSelector names a set, and it is not the new one. */
  readonly activeIsOther: boolean;
  readonly promoteFull: boolean;
  /** The new set is the one status.currentPodHash names (not a fresh update). */
  readonly newSetIsCurrent: boolean;
  /** Neither spec.paused nor any pause condition. */
  readonly notPaused: boolean;
  /** status.blueGreen.scaleUpPreviewCheckPoint */
  readonly scaleUpPreviewCheckPoint: boolean;
}

/**
 * NewRSNewReplicas for blue/green: the preview runs previewReplicaCount until it is promoted, the full
 * replicas otherwise (no other active set, a full promotion, or resumed past the scale-up checkpoint).
 */
export function blueGreenNewSetReplicas(input: BlueGreenNewSetInput): number {
  const { replicas, previewReplicaCount } = input;
  if (previewReplicaCount === undefined) return replicas;
  if (!input.activeIsOther || input.promoteFull) return replicas;
  if (!input.newSetIsCurrent) return previewReplicaCount;
  if (input.notPaused && input.scaleUpPreviewCheckPoint) return replicas;
  return previewReplicaCount;
}

/**
 * Pods of old sets while they wait out scaleDownDelaySeconds (scaleDownDelayHelper): a set not yet marked is
 * marked and kept at its size; a marked set whose deadline has not passed is sized to the Rollout's replicas,
 * so a superseded preview smaller than that grows for the delay. Past scaleDownDelayRevisionLimit marked
 * sets, the rest go to 0. `sizes` are the sets' pods now; the largest are kept first.
 */
export function retainedDuringDelay(
  sizes: readonly number[],
  replicas: number,
  revisionLimit: number | undefined,
): number {
  const kept = sizes
    .filter(n => n > 0)
    .map(n => Math.max(n, replicas))
    .sort((a, b) => b - a)
    .slice(0, revisionLimit ?? Number.MAX_SAFE_INTEGER);
  return kept.reduce((a, b) => a + b, 0);
}
