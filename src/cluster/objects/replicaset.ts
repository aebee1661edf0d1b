import type { ReplicaSet } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';

/** Argo Rollouts marks an old ReplicaSet kept after a switch with this annotation (RFC 3339). */
export const SCALE_DOWN_DEADLINE = 'scale-down-deadline';

export function projectReplicaSet(obj: Reader): ReplicaSet {
  const meta = readMeta(obj, true);
  const hash = meta.labels['rollouts-pod-template-hash'] ?? meta.labels['pod-template-hash'];
  const deadline =
    meta.annotations[SCALE_DOWN_DEADLINE] ??
    meta.annotations[`argo-rollouts.argoproj.io/${SCALE_DOWN_DEADLINE}`];
  return {
    namespace: meta.namespace,
    name: meta.name,
    ...(meta.owner && { ownerKind: meta.owner.kind, ownerName: meta.owner.name }),
    specReplicas: obj.child('spec')?.int('replicas') ?? 1,
    statusReplicas: obj.child('status')?.int('replicas') ?? 0,
    ...(hash !== undefined && { podTemplateHash: hash }),
    ...(deadline !== undefined && deadline !== '' && { scaleDownDeadline: deadline }),
  };
}
