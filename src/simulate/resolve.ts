import { InputError } from '../errors.js';
import {
  workloadKey,
  type ClusterModel,
  type ReplicaSet,
  type Workload,
  type WorkloadKind,
} from '../cluster/model.js';
import type { Scale } from '../cluster/objects/scale.js';
import type { WorkloadChange } from './peaks/index.js';

/** A change as it arrives: the desired object, or a Scale of one, with the current object when known. */
export type Desired =
  | { readonly type: 'workload'; readonly workload: Workload }
  | { readonly type: 'scale'; readonly scale: Scale; readonly parentKind?: WorkloadKind };

export interface ResolvedChange {
  readonly change: WorkloadChange;
  /** What was asked about (a Deployment that is a Rollout's template reports as itself). */
  readonly subject: {
    readonly kind: WorkloadKind;
    readonly namespace: string;
    readonly name: string;
  };
  /** Set when the change is simulated through another workload (a Rollout's workloadRef). */
  readonly via?: string;
}

export class UnresolvableChange extends InputError {}

export function replicaSetsOf(
  model: ClusterModel,
  kind: WorkloadKind,
  namespace: string,
  name: string,
): ReplicaSet[] {
  return model.replicaSets.filter(
    rs => rs.namespace === namespace && rs.ownerKind === kind && rs.ownerName === name,
  );
}

/** Rollouts whose spec.workloadRef names this Deployment: its template is theirs. */
function rolloutsReferencing(model: ClusterModel, deployment: Workload): Workload[] {
  const out: Workload[] = [];
  for (const w of model.workloads.values()) {
    if (
      w.kind === 'Rollout' &&
      w.namespace === deployment.namespace &&
      w.workloadRef?.kind === 'Deployment' &&
      w.workloadRef.name === deployment.name
    ) {
      out.push(w);
    }
  }
  return out;
}

/** A Rollout with a workloadRef takes its template from the referenced Deployment. */
function withReferencedTemplate(
  rollout: Workload,
  lookup: (name: string) => Workload | undefined,
): Workload {
  const ref = rollout.workloadRef;
  if (!ref || rollout.templateKey !== '' || ref.kind !== 'Deployment') return rollout;
  const source = lookup(ref.name);
  if (!source) return rollout;
  return { ...rollout, templateKey: source.templateKey, ...(source.pod && { pod: source.pod }) };
}

/**
 * Turn a desired object into the change to simulate: find the current object (given, or in the model),
 * the parent of a Scale, and the template behind a workloadRef.
 */
export function resolveChange(
  model: ClusterModel,
  desired: Desired,
  given: {
    readonly current?: Workload;
    readonly nowMs: number;
    readonly alsoDesired?: readonly Workload[];
  },
): ResolvedChange {
  const inModel = (kind: WorkloadKind, ns: string, name: string): Workload | undefined =>
    model.workloads.get(workloadKey(kind, ns, name));
  const desiredDeployment = (ns: string, name: string): Workload | undefined =>
    given.alsoDesired?.find(
      w => w.kind === 'Deployment' && w.namespace === ns && w.name === name,
    ) ?? inModel('Deployment', ns, name);

  if (desired.type === 'scale') {
    const { scale } = desired;
    const kinds: WorkloadKind[] = desired.parentKind
      ? [desired.parentKind]
      : ['Deployment', 'Rollout'];
    const parents = kinds.flatMap(k => {
      const w = inModel(k, scale.namespace, scale.name);
      return w ? [w] : [];
    });
    const parent = parents[0];
    if (!parent) {
      throw new UnresolvableChange(
        `Scale ${scale.namespace}/${scale.name}: no ${kinds.join(' or ')} of that name in the cluster state`,
      );
    }
    if (parents.length > 1) {
      throw new UnresolvableChange(
        `Scale ${scale.namespace}/${scale.name}: both a Deployment and a Rollout have that name; send the AdmissionReview, which says which`,
      );
    }
    const current = withReferencedTemplate(parent, n => inModel('Deployment', parent.namespace, n));
    return {
      change: {
        current,
        desired: { ...current, replicas: scale.replicas },
        replicaSets: replicaSetsOf(model, parent.kind, parent.namespace, parent.name),
        nowMs: given.nowMs,
      },
      subject: { kind: parent.kind, namespace: parent.namespace, name: parent.name },
    };
  }

  const w = desired.workload;
  const subject = { kind: w.kind, namespace: w.namespace, name: w.name };
  const current = given.current ?? inModel(w.kind, w.namespace, w.name);

  if (w.kind === 'Deployment' && current) {
    const rollout = rolloutsReferencing(model, w)[0];
    if (rollout && current.templateKey !== w.templateKey) {
      // The Deployment only holds the template; the Rollout's strategy decides the pods.
      const before = {
        ...rollout,
        templateKey: current.templateKey,
        ...(current.pod && { pod: current.pod }),
      };
      const after = { ...rollout, templateKey: w.templateKey, ...(w.pod && { pod: w.pod }) };
      return {
        change: {
          current: before,
          desired: after,
          replicaSets: replicaSetsOf(model, 'Rollout', rollout.namespace, rollout.name),
          nowMs: given.nowMs,
        },
        subject,
        via: `Rollout ${rollout.namespace}/${rollout.name} (workloadRef)`,
      };
    }
  }
  const lookup = (n: string): Workload | undefined => desiredDeployment(w.namespace, n);
  const lookupCurrent = (n: string): Workload | undefined => inModel('Deployment', w.namespace, n);
  return {
    change: {
      ...(current && { current: withReferencedTemplate(current, lookupCurrent) }),
      desired: withReferencedTemplate(w, lookup),
      replicaSets: replicaSetsOf(model, w.kind, w.namespace, w.name),
      nowMs: given.nowMs,
    },
    subject,
  };
}
