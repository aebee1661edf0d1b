import type { Node, PodShape } from '../cluster/model.js';

/**
 * kube-scheduler's default node score for a pod, as far as it depends on the node's own requests.
 *
 * Default profile (kubernetes pkg/scheduler/apis/config/v1/default_plugins.go): NodeResourcesFit
 * weight 1 with the LeastAllocated strategy over cpu and memory, weight 1 each (defaults.go
 * `defaultResourceSpec`, SetDefaults_NodeResourcesFitArgs), and NodeResourcesBalancedAllocation
 * weight 1. The other default scorers (TaintToleration 3 for PreferNoSchedule, NodeAffinity 2 for
 * preferred terms, PodTopologySpread 2 for the system default soft spread, InterPodAffinity 2,
 * ImageLocality 1) are not modelled: they need pod details the simulation does not keep.
 */

/** framework.MaxNodeScore. */
export const MAX_NODE_SCORE = 100;

/**
 * leastRequestedScore (noderesources/least_allocated.go): the unused share on a 0-100 integer scale,
 * 0 when nothing is allocatable or the request exceeds it.
 */
export function leastRequestedScore(requested: number, allocatable: number): number {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * MAX_NODE_SCORE) / allocatable);
}

/**
 * balancedResourceScorer (noderesources/balanced_allocation.go) for cpu and memory: 100 times one less
 * half the gap between the two requested fractions (each capped at 1), truncated.
 */
export function balancedScore(
  cpuRequested: number,
  cpuAllocatable: number,
  memRequested: number,
  memAllocatable: number,
): number {
  // With one resource or none the gap is 0. No array: this runs for every candidate node of a decision.
  const std =
    cpuAllocatable > 0 && memAllocatable > 0
      ? Math.abs(
          (Math.min(1, cpuRequested / cpuAllocatable) -
            Math.min(1, memRequested / memAllocatable)) /
            2,
        )
      : 0;
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** A node as scoring sees it: allocatable resources and what its pods request now. */
export type ScoredNode = Pick<Node, 'allocatable' | 'usage'>;

/** NodeResourcesFit's LeastAllocated score for one more pod with `placed` of the same already bound there. */
export function leastAllocatedScore(node: ScoredNode, pod: PodShape, placed: number): number {
  const { allocatable: a, usage: u } = node;
  const s = pod.scoreRequests ?? pod.requests;
  const n = placed + 1;
  return Math.floor(
    (leastRequestedScore(u.scoreCpuMilli + n * s.cpuMilli, a.cpuMilli) +
      leastRequestedScore(u.scoreMemoryBytes + n * s.memoryBytes, a.memoryBytes)) /
      2,
  );
}

/** NodeResourcesBalancedAllocation's score, 0 for a best-effort pod (PreScore skips it, kubernetes#129138). */
export function balancedAllocationScore(node: ScoredNode, pod: PodShape, placed: number): number {
  const { allocatable: a, usage: u } = node;
  const r = pod.requests;
  if (r.cpuMilli === 0 && r.memoryBytes === 0) return 0;
  const n = placed + 1;
  return balancedScore(
    u.cpuMilli + n * r.cpuMilli,
    a.cpuMilli,
    u.memoryBytes + n * r.memoryBytes,
    a.memoryBytes,
  );
}

/**
 * The node's score for one more pod of this shape with `placed` of them already bound there (higher is
 * better), both plugins at their default weight of 1. LeastAllocated counts requests with the
 * scheduler's defaults for missing ones (NonZeroRequested), so pods without requests still spread;
 * BalancedAllocation counts the real requests.
 */
export function nodeScore(node: ScoredNode, pod: PodShape, placed: number): number {
  return leastAllocatedScore(node, pod, placed) + balancedAllocationScore(node, pod, placed);
}
