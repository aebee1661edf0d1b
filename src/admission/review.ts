import { InputError } from '../errors.js';
import { describeValue, isRecord } from '../cluster/fields.js';
import { jsonEqual } from '../cluster/json-walk.js';
import type { Workload, WorkloadKind } from '../cluster/model.js';
import { Reader } from '../cluster/reader.js';
import { projectScale } from '../cluster/objects/scale.js';
import { projectDeployment, projectRollout } from '../cluster/objects/workload.js';
import { daemonSetWorkload, projectDaemonSet } from '../cluster/objects/daemonset.js';
import { projectStatefulSet } from '../cluster/objects/statefulset.js';
import { projectCronJob, projectJob } from '../cluster/objects/job.js';
import { projectHpa, projectScaledObject } from '../cluster/objects/autoscaler.js';
import type { ProjectOptions } from '../cluster/objects/workload.js';
import type { Desired } from '../simulate/resolve.js';
import { awsNodeTarget, isAwsNodeRequest, type SettingsTarget } from './aws-node.js';
import { isAwsNode } from '../cluster/objects/aws-node.js';

export { jsonEqual };

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** The fields of an admission.k8s.io/v1 AdmissionRequest that ipguard uses. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly resource: GroupVersionResource;
  readonly subResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: string;
  readonly username?: string;
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly dryRun: boolean;
}

/** A bad AdmissionReview: the webhook answers it with a 400 that names the field. */
export class BadReview extends InputError {
  readonly uid: string | undefined;

  constructor(message: string, uid?: string) {
    super(message);
    this.uid = uid;
  }
}

function gvk(r: Reader, key: string): GroupVersionKind {
  const c = r.child(key);
  if (!c) throw r.fail(key, 'missing');
  return {
    group: c.string('group') ?? '',
    version: c.requireString('version'),
    kind: c.requireString('kind'),
  };
}

function gvr(r: Reader, key: string): GroupVersionResource {
  const c = r.child(key);
  if (!c) throw r.fail(key, 'missing');
  return {
    group: c.string('group') ?? '',
    version: c.requireString('version'),
    resource: c.requireString('resource'),
  };
}

/** Validate the envelope the kube-apiserver sends; the embedded objects are read later. */
export function parseAdmissionReview(body: unknown, source = 'AdmissionReview'): AdmissionRequest {
  if (!isRecord(body)) throw new BadReview(`${source}: expected a JSON object`);
  const request = isRecord(body.request) ? body.request : undefined;
  const uid = typeof request?.uid === 'string' && request.uid !== '' ? request.uid : undefined;
  if (body.apiVersion !== ADMISSION_API_VERSION) {
    throw new BadReview(
      `${source}: apiVersion: expected ${ADMISSION_API_VERSION}, got ${describeValue(body.apiVersion)}`,
      uid,
    );
  }
  if (body.kind !== 'AdmissionReview') {
    throw new BadReview(
      `${source}: kind: expected AdmissionReview, got ${describeValue(body.kind)}`,
      uid,
    );
  }
  if (!request) throw new BadReview(`${source}: request: missing`);
  if (uid === undefined) throw new BadReview(`${source}: request.uid: missing`);
  try {
    const r = new Reader(request, source, 'request');
    const subResource = r.string('subResource');
    const name = r.string('name');
    const namespace = r.string('namespace');
    const username = r.child('userInfo')?.string('username');
    return {
      uid,
      kind: gvk(r, 'kind'),
      resource: gvr(r, 'resource'),
      ...(subResource !== undefined && subResource !== '' && { subResource }),
      ...(name !== undefined && { name }),
      ...(namespace !== undefined && { namespace }),
      operation: r.requireString('operation'),
      ...(username !== undefined && { username }),
      ...(request.object !== undefined && request.object !== null && { object: request.object }),
      ...(request.oldObject !== undefined &&
        request.oldObject !== null && { oldObject: request.oldObject }),
      dryRun: r.bool('dryRun') === true,
    };
  } catch (err) {
    if (err instanceof InputError) throw new BadReview(err.message, uid);
    throw err;
  }
}

/** What a request asks ipguard to judge, or why it does not. */
export type Target =
  | { readonly type: 'ignore'; readonly reason: string }
  | { readonly type: 'change'; readonly desired: Desired; readonly current?: Workload }
  | SettingsTarget;

const DEPLOYMENT_GROUPS = new Set(['apps', 'extensions']);

function workloadKind(resource: GroupVersionResource): WorkloadKind | undefined {
  const { group } = resource;
  switch (resource.resource) {
    case 'deployments':
      return DEPLOYMENT_GROUPS.has(group) ? 'Deployment' : undefined;
    case 'rollouts':
      return group === 'argoproj.io' ? 'Rollout' : undefined;
    case 'statefulsets':
      return group === 'apps' ? 'StatefulSet' : undefined;
    case 'daemonsets':
      return group === 'apps' ? 'DaemonSet' : undefined;
    case 'jobs':
      return group === 'batch' ? 'Job' : undefined;
    case 'cronjobs':
      return group === 'batch' ? 'CronJob' : undefined;
    default:
      return undefined;
  }
}

type Projector = (obj: Reader, o?: ProjectOptions) => Workload;

const PROJECTORS: { readonly [K in WorkloadKind]: Projector } = {
  Deployment: projectDeployment,
  Rollout: projectRollout,
  StatefulSet: projectStatefulSet,
  // A DaemonSet's old pod shape is needed too: which nodes it runs on now, and with which network.
  DaemonSet: obj => daemonSetWorkload(projectDaemonSet(obj)),
  Job: projectJob,
  CronJob: projectCronJob,
};

/** Kinds whose /scale subresource carries a replica count ipguard judges. */
const SCALABLE = new Set<WorkloadKind>(['Deployment', 'Rollout', 'StatefulSet']);

/** An HPA or a ScaledObject: its ceiling for its target, judged as a scale that has not happened. */
function autoscalerTarget(req: AdmissionRequest, source: string): Target | undefined {
  const { resource } = req;
  const hpa = resource.resource === 'horizontalpodautoscalers' && resource.group === 'autoscaling';
  const keda = resource.resource === 'scaledobjects' && resource.group === 'keda.sh';
  if (!hpa && !keda) return undefined;
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE')
    return { type: 'ignore', reason: `${req.operation} frees addresses or changes none` };
  if (req.subResource !== undefined)
    return {
      type: 'ignore',
      reason: `${resource.resource}/${req.subResource} does not change pods`,
    };
  if (req.object === undefined)
    throw new BadReview(`${source}: request.object: missing for ${req.operation}`, req.uid);
  if (unchangedSpecAndStatus(req.object, req.oldObject, true))
    return { type: 'ignore', reason: 'only metadata changed' };
  try {
    const project = hpa ? projectHpa : projectScaledObject;
    const autoscaler = withRequestIdentity(
      project(Reader.of(req.object, source, 'request.object')),
      req,
    );
    return { type: 'change', desired: { type: 'autoscaler', autoscaler } };
  } catch (err) {
    if (err instanceof InputError && !(err instanceof BadReview))
      throw new BadReview(err.message, req.uid);
    throw err;
  }
}

/**
 * Dispatch on request.resource and subResource, never on the embedded object: captured objects may lack
 * apiVersion and kind, and a /scale request carries a Scale, not the workload.
 */
export function targetOf(req: AdmissionRequest, source = 'AdmissionReview'): Target {
  // The VPC CNI's settings: judged on every node, apart from any workload kind.
  if (isAwsNodeRequest(req)) {
    try {
      return awsNodeTarget(req, source);
    } catch (err) {
      if (err instanceof InputError && !(err instanceof BadReview))
        throw new BadReview(err.message, req.uid);
      throw err;
    }
  }
  const autoscaler = autoscalerTarget(req, source);
  if (autoscaler) return autoscaler;
  const kind = workloadKind(req.resource);
  if (!kind)
    return {
      type: 'ignore',
      reason: `${req.resource.group}/${req.resource.resource} is not a workload ipguard checks`,
    };
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE')
    return { type: 'ignore', reason: `${req.operation} frees addresses or changes none` };
  // The VPC CNI itself is never judged as a DaemonSet: only its settings are, above.
  if (kind === 'DaemonSet' && isAwsNode(req.namespace, req.name))
    return {
      type: 'ignore',
      reason: 'kube-system/aws-node is the VPC CNI: only its settings are judged',
    };
  const sub = req.subResource;
  const judged =
    sub === undefined ||
    (sub === 'scale' && SCALABLE.has(kind)) ||
    (sub === 'status' && kind === 'Rollout');
  if (!judged) {
    return { type: 'ignore', reason: `${req.resource.resource}/${sub} does not change pods` };
  }
  if (req.object === undefined)
    throw new BadReview(`${source}: request.object: missing for ${req.operation}`, req.uid);
  if (sub === undefined && unchangedSpecAndStatus(req.object, req.oldObject)) {
    // Most updates of a workload touch only its metadata (labels, annotations from GitOps tools):
    // nothing about its pods can change, and there is nothing to simulate.
    return { type: 'ignore', reason: 'only metadata changed' };
  }
  try {
    const object = Reader.of(req.object, source, 'request.object');
    if (sub === 'scale') {
      return {
        type: 'change',
        desired: {
          type: 'scale',
          scale: withRequestIdentity(projectScale(object), req),
          parentKind: kind,
        },
      };
    }
    const project = PROJECTORS[kind];
    const desired = withRequestIdentity(project(object), req);
    const current =
      req.oldObject === undefined
        ? undefined
        : withRequestIdentity(
            project(Reader.of(req.oldObject, source, 'request.oldObject'), { pod: false }),
            req,
          );
    return {
      type: 'change',
      desired: { type: 'workload', workload: desired },
      ...(current && { current }),
    };
  } catch (err) {
    if (err instanceof InputError && !(err instanceof BadReview))
      throw new BadReview(err.message, req.uid);
    throw err;
  }
}

/** The request's namespace and name are authoritative (an object created with generateName has no name yet). */
function withRequestIdentity<T extends { namespace: string; name: string }>(
  obj: T,
  req: AdmissionRequest,
): T {
  return {
    ...obj,
    namespace: req.namespace !== undefined && req.namespace !== '' ? req.namespace : obj.namespace,
    name: req.name !== undefined && req.name !== '' ? req.name : obj.name,
  };
}

/**
 * spec and status the same in the object and its old version. An autoscaler's ceiling is in its spec,
 * and KEDA's paused-replicas in its annotations (`withAnnotations`).
 */
function unchangedSpecAndStatus(
  object: unknown,
  oldObject: unknown,
  withAnnotations = false,
): boolean {
  if (!isRecord(object) || !isRecord(oldObject)) return false;
  const annotations = (o: Record<string, unknown>): unknown =>
    isRecord(o.metadata) ? o.metadata.annotations : undefined;
  return (
    object.spec !== undefined &&
    jsonEqual(object.spec, oldObject.spec) &&
    jsonEqual(object.status, oldObject.status) &&
    (!withAnnotations || jsonEqual(annotations(object), annotations(oldObject)))
  );
}
