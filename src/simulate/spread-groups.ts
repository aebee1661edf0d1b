import type { ClusterModel, Labels, WorkloadKind } from '../cluster/model.js';
import type { PodGroup } from './topology-spread.js';

/**
 * The label each controller stamps on its pods to tell revisions apart: what `matchLabelKeys` usually names
 * (pkg/controller/deployment pod-template-hash, Argo Rollouts rollouts-pod-template-hash, StatefulSet
 * controller-revision-hash, Job batch.kubernetes.io/controller-uid).
 */
const REVISION_LABEL: Readonly<Partial<Record<WorkloadKind, readonly string[]>>> = {
  Deployment: ['pod-template-hash'],
  Rollout: ['rollouts-pod-template-hash'],
  StatefulSet: ['controller-revision-hash'],
  Job: ['batch.kubernetes.io/controller-uid', 'controller-uid'],
};

/**
 * The workload's pod labels as its controller writes them on pods: the template's plus a revision label.
 * The value is not the controller's hash (the inputs do not carry one per pod) but stands for it: the pods
 * running now share one, the next revision's pods another, other workloads' pods their own.
 */
export function podLabelsOf(
  kind: WorkloadKind,
  key: string,
  template: Labels,
  revision: 'current' | 'next',
): Labels {
  const names = REVISION_LABEL[kind];
  if (!names) return template;
  const out: Record<string, string> = { ...template };
  for (const n of names) out[n] = `${key}@${revision}`;
  return out;
}

/** `Kind/namespace/name` (workloadKey) → its parts. */
export function parseWorkloadKey(
  key: string,
): { kind: WorkloadKind; namespace: string; name: string } | undefined {
  const i = key.indexOf('/');
  const j = key.indexOf('/', i + 1);
  if (i < 0 || j < 0) return undefined;
  return {
    kind: key.slice(0, i) as WorkloadKind,
    namespace: key.slice(i + 1, j),
    name: key.slice(j + 1),
  };
}

const byNamespace = new WeakMap<ClusterModel, Map<string, PodGroup[]>>();

/**
 * The pods that run now in a namespace, per workload: the workload-node index with the labels of each
 * workload's template. Pods no workload owns (bare pods, DaemonSet pods) are not counted. Derived once per
 * model and namespace: the model is immutable.
 */
export function podGroupsIn(model: ClusterModel, namespace: string): readonly PodGroup[] {
  let cache = byNamespace.get(model);
  if (!cache) byNamespace.set(model, (cache = new Map<string, PodGroup[]>()));
  const hit = cache.get(namespace);
  if (hit) return hit;
  const out: PodGroup[] = [];
  for (const [key, w] of model.workloads) {
    if (w.namespace !== namespace || !w.pod) continue;
    const nodes = model.workloadNodes.get(key);
    if (!nodes || nodes.size === 0) continue;
    out.push({ namespace, labels: podLabelsOf(w.kind, key, w.pod.labels, 'current'), nodes });
  }
  cache.set(namespace, out);
  return out;
}
