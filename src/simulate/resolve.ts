import { InputError } from '../errors.js';
import {
  workloadKey,
  type Autoscaler,
  type AutoscalerKind,
  type ClusterModel,
  type ReplicaSet,
  type Workload,
  type WorkloadKind,
} from '../cluster/model.js';
import { daemonSetWorkload } from '../cluster/objects/daemonset.js';
import type { Scale } from '../cluster/objects/scale.js';
import { daemonSetNodes } from './daemonset-demand.js';
import type { WorkloadChange } from './peaks/index.js';

/** A change as it arrives: the desired object, or a Scale of one, with the current object when known. */
export type Desired =
  | { readonly type: 'workload'; readonly workload: Workload }
  | { readonly type: 'scale'; readonly scale: Scale; readonly parentKind?: WorkloadKind }
  | { readonly type: 'autoscaler'; readonly autoscaler: Autoscaler };

/** An autoscaler's ceiling, judged as a scale of its target to it: never denied, nothing grows yet. */
export interface Ceiling {
  readonly kind: AutoscalerKind;
  readonly name: string;
  /** The field a person would lower: maxReplicas (HPA) or maxReplicaCount (KEDA). */
  readonly field: 'maxReplicas' | 'maxReplicaCount';
  readonly maxReplicas: number;
  /** The target's replicas now. */
  readonly fromReplicas: number;
}

export interface ResolvedChange {
  readonly change: WorkloadChange;
  /** What was asked about (a Deployment that is a Rollout's template reports as itself). */
  readonly subject: {
    readonly kind: WorkloadKind | AutoscalerKind;
    readonly namespace: string;
    readonly name: string;
  };
  /** Set when the change is simulated through another workload (a Rollout's workloadRef). */
  readonly via?: string;
  /** Set for an HPA or a ScaledObject. */
  readonly ceiling?: Ceiling;
  /** What a person should know about how the change was read. */
  readonly notes?: readonly string[];
}

/** The kinds an autoscaler can scale that ipguard judges, by scaleTargetRef kind and API group. */
function targetKind(target: Autoscaler['target']): WorkloadKind | undefined {
  const group = target.apiVersion?.includes('/') === true ? target.apiVersion.split('/')[0] : '';
  if (target.kind === 'Deployment' && (group === 'apps' || group === '' || group === 'extensions'))
    return 'Deployment';
  if (target.kind === 'StatefulSet' && (group === 'apps' || group === '')) return 'StatefulSet';
  if (target.kind === 'Rollout' && (group === 'argoproj.io' || group === '')) return 'Rollout';
  return undefined;
}

export class UnresolvableChange extends InputError {}

/** `Deployment, Rollout or StatefulSet` */
function orList(words: readonly string[]): string {
  return words.length <= 1
    ? words.join('')
    : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}

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
  const inModel = (kind: WorkloadKind, ns: string, name: string): Workload | undefined => {
    if (kind !== 'DaemonSet') return model.workloads.get(workloadKey(kind, ns, name));
    const ds = model.daemonSets.find(d => d.namespace === ns && d.name === name);
    return ds && daemonSetWorkload(ds);
  };
  const desiredDeployment = (ns: string, name: string): Workload | undefined =>
    given.alsoDesired?.find(
      w => w.kind === 'Deployment' && w.namespace === ns && w.name === name,
    ) ?? inModel('Deployment', ns, name);

  if (desired.type === 'autoscaler') return resolveCeiling(model, desired.autoscaler, given);

  if (desired.type === 'scale') {
    const { scale } = desired;
    const parent = scaleParent(model, scale, desired.parentKind, inModel);
    return {
      change: {
        current: parent.current,
        desired: { ...parent.current, replicas: scale.replicas },
        replicaSets: parent.replicaSets,
        nowMs: given.nowMs,
      },
      subject: parent.subject,
      ...(parent.notes && { notes: parent.notes }),
    };
  }

  const w = desired.workload;
  const subject = { kind: w.kind, namespace: w.namespace, name: w.name };
  const current = given.current ?? inModel(w.kind, w.namespace, w.name);

  if (w.kind === 'DaemonSet') {
    return {
      change: {
        ...(current && { current }),
        desired: w,
        replicaSets: [],
        nowMs: given.nowMs,
        daemonSetNodes: daemonSetNodes(model, current, w),
      },
      subject,
    };
  }

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
    ...withCeilingNotes(model, w),
  };
}

/** What a Scale of a workload resolves to on a model, whatever replica count it asks for. */
interface ScaleParent {
  readonly current: Workload;
  readonly replicaSets: readonly ReplicaSet[];
  readonly subject: ResolvedChange['subject'];
  readonly notes?: readonly string[];
}

/**
 * Scale parents per model, by the Scale's kind, namespace and name. Only parents the model holds are
 * kept (one or two keys per workload in it), so a stream of invented names keeps nothing.
 */
const scaleParents = new WeakMap<ClusterModel, Map<string, ScaleParent>>();

/**
 * The workload a Scale resizes, its sets and notes: found once per model and workload, since a scale to
 * a new count (an HPA's every step) asks the same of the same state.
 */
function scaleParent(
  model: ClusterModel,
  scale: Scale,
  parentKind: WorkloadKind | undefined,
  inModel: (kind: WorkloadKind, ns: string, name: string) => Workload | undefined,
): ScaleParent {
  let parents = scaleParents.get(model);
  if (!parents) scaleParents.set(model, (parents = new Map<string, ScaleParent>()));
  const key = JSON.stringify([parentKind ?? null, scale.namespace, scale.name]);
  const kept = parents.get(key);
  if (kept) return kept;
  const kinds: WorkloadKind[] = parentKind
    ? [parentKind]
    : ['Deployment', 'Rollout', 'StatefulSet'];
  const found = kinds.flatMap(k => {
    const w = inModel(k, scale.namespace, scale.name);
    return w ? [w] : [];
  });
  const parent = found[0];
  if (!parent) {
    throw new UnresolvableChange(
      `Scale ${scale.namespace}/${scale.name}: no ${orList(kinds)} of that name in the cluster state`,
    );
  }
  if (found.length > 1) {
    throw new UnresolvableChange(
      `Scale ${scale.namespace}/${scale.name}: ${found.length === 2 ? 'both ' : ''}a ${found.map(p => p.kind).join(' and a ')} have that name; send the AdmissionReview, which says which`,
    );
  }
  const resolved: ScaleParent = {
    current: withReferencedTemplate(parent, n => inModel('Deployment', parent.namespace, n)),
    replicaSets: replicaSetsOf(model, parent.kind, parent.namespace, parent.name),
    subject: { kind: parent.kind, namespace: parent.namespace, name: parent.name },
    ...withCeilingNotes(model, parent),
  };
  parents.set(key, resolved);
  return resolved;
}

/** A note per autoscaler of the workload: what it may scale it to is judged when that is set. */
function withCeilingNotes(model: ClusterModel, w: Workload): { notes?: readonly string[] } {
  const notes = autoscalersOf(model, w).map(
    a =>
      `${a.kind} ${a.namespace}/${a.name} may scale it to ${a.pausedReplicas ?? a.maxReplicas} replicas: check that ceiling too`,
  );
  return notes.length > 0 ? { notes } : {};
}

const byTarget = new WeakMap<ClusterModel, Map<string, Autoscaler[]>>();

/** The HPAs and ScaledObjects that scale this workload, indexed once per model. */
function autoscalersOf(model: ClusterModel, w: Workload): readonly Autoscaler[] {
  if (!model.autoscalers || model.autoscalers.size === 0) return [];
  let index = byTarget.get(model);
  if (!index) {
    index = new Map();
    for (const a of model.autoscalers.values()) {
      const kind = targetKind(a.target);
      if (!kind) continue;
      const key = workloadKey(kind, a.namespace, a.target.name);
      const list = index.get(key);
      if (list) list.push(a);
      else index.set(key, [a]);
    }
    byTarget.set(model, index);
  }
  return index.get(workloadKey(w.kind, w.namespace, w.name)) ?? [];
}

/**
 * An HPA or a ScaledObject as the scale of its target to its ceiling. KEDA holds a target with
 * autoscaling.keda.sh/paused-replicas at that count (newHPAForScaledObject sets min and max to it).
 */
function resolveCeiling(
  model: ClusterModel,
  a: Autoscaler,
  given: { readonly nowMs: number; readonly alsoDesired?: readonly Workload[] },
): ResolvedChange {
  const who = `${a.kind} ${a.namespace}/${a.name}`;
  const kind = targetKind(a.target);
  if (!kind) {
    throw new UnresolvableChange(
      `${who}: scaleTargetRef ${a.target.apiVersion ?? ''} ${a.target.kind} ${a.target.name} is not a kind ipguard judges (Deployment, StatefulSet, Rollout)`,
    );
  }
  const inModel = (k: WorkloadKind, n: string): Workload | undefined =>
    given.alsoDesired?.find(w => w.kind === k && w.namespace === a.namespace && w.name === n) ??
    model.workloads.get(workloadKey(k, a.namespace, n));
  const found = inModel(kind, a.target.name);
  if (!found) {
    throw new UnresolvableChange(
      `${who}: its scaleTargetRef ${kind} ${a.namespace}/${a.target.name} is not in the cluster state`,
    );
  }
  const target = withReferencedTemplate(found, n => inModel('Deployment', n));
  const paused = a.kind === 'ScaledObject' ? a.pausedReplicas : undefined;
  const ceiling = paused ?? a.maxReplicas;
  const fromReplicas = target.replicas ?? 1;
  const notes: string[] = [];
  if (paused !== undefined)
    notes.push(`${who} is paused at ${paused} replicas (autoscaling.keda.sh/paused-replicas)`);
  if (a.kind === 'HorizontalPodAutoscaler' && target.replicas === 0 && (a.minReplicas ?? 1) > 0)
    notes.push(
      `${kind} ${a.namespace}/${a.target.name} has 0 replicas: the HPA does not scale it until someone scales it up`,
    );
  if (a.minReplicas !== undefined && a.minReplicas > fromReplicas && paused === undefined)
    notes.push(
      `minReplicas ${a.minReplicas} is above the ${fromReplicas} replicas now: the autoscaler scales up to it at once`,
    );
  return {
    change: {
      current: target,
      desired: { ...target, replicas: ceiling },
      replicaSets: replicaSetsOf(model, kind, a.namespace, a.target.name),
      nowMs: given.nowMs,
    },
    subject: { kind: a.kind, namespace: a.namespace, name: a.name },
    via: `${kind} ${a.namespace}/${a.target.name} (scaleTargetRef)`,
    ceiling: {
      kind: a.kind,
      name: a.name,
      field: a.kind === 'HorizontalPodAutoscaler' ? 'maxReplicas' : 'maxReplicaCount',
      maxReplicas: ceiling,
      fromReplicas,
    },
    ...(notes.length > 0 && { notes }),
  };
}
