import type { Labels, PodShape, Taint, Toleration } from '../cluster/model.js';
import { ownValue } from '../cluster/fields.js';
import { NODE_NAME_FIELD, requirementMatches } from '../cluster/objects/pod-shape.js';

/** What scheduling predicates look at on a node, existing or planned. */
export interface NodeFace {
  readonly name: string;
  readonly labels: Labels;
  readonly taints: readonly Taint[];
}

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== taint.effect) return false;
  if (t.key === undefined) return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/** NoSchedule and NoExecute taints must be tolerated; PreferNoSchedule only lowers the score. */
export function toleratesTaints(pod: PodShape, taints: readonly Taint[]): boolean {
  // Loops, not every/some: this runs for every node on every decision, and allocates no closure.
  for (const taint of taints) {
    if (taint.effect === 'PreferNoSchedule') continue;
    let tolerated = false;
    for (const t of pod.tolerations)
      if (tolerates(t, taint)) {
        tolerated = true;
        break;
      }
    if (!tolerated) return false;
  }
  return true;
}

/** nodeSelector and required node affinity (terms ORed, requirements ANDed). */
export function matchesNode(pod: PodShape, node: NodeFace): boolean {
  // for-in: this runs for every node of the cluster on every decision, and allocates nothing.
  for (const k in pod.nodeSelector) if (node.labels[k] !== pod.nodeSelector[k]) return false;
  if (pod.requiredNodeTerms.length === 0) return true;
  return pod.requiredNodeTerms.some(term =>
    term.every(req =>
      requirementMatches(
        req,
        req.key === NODE_NAME_FIELD ? node.name : ownValue(node.labels, req.key),
      ),
    ),
  );
}

export function podFitsNodeFace(pod: PodShape, node: NodeFace): boolean {
  return matchesNode(pod, node) && toleratesTaints(pod, node.taints);
}

const UNSCHEDULABLE_TAINT: Taint = {
  key: 'node.kubernetes.io/unschedulable',
  effect: 'NoSchedule',
};
const NOT_READY_TAINT: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };

/**
 * NodeUnschedulable: a cordoned node takes only pods that tolerate node.kubernetes.io/unschedulable
 * (nodeunschedulable/node_unschedulable.go). A node that is not ready carries the not-ready NoSchedule
 * taint the node lifecycle controller adds (TaintNodesByCondition), even where a capture predates it.
 */
export function schedulableNode(
  pod: PodShape,
  node: { readonly unschedulable: boolean; readonly ready: boolean },
): boolean {
  if (node.unschedulable && !pod.tolerations.some(t => tolerates(t, UNSCHEDULABLE_TAINT)))
    return false;
  if (!node.ready && !pod.tolerations.some(t => tolerates(t, NOT_READY_TAINT))) return false;
  return true;
}
