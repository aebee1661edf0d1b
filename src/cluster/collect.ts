import { InputError } from '../errors.js';
import { isRecord } from './fields.js';
import type {
  AutoModeNodeClass,
  Autoscaler,
  DaemonSet,
  Ec2NodeClass,
  EniConfig,
  NodeClaim,
  NodePool,
  Namespace,
  Node,
  PodRecord,
  ReplicaSet,
  Workload,
} from './model.js';
import { Reader } from './reader.js';
import { projectDaemonSet } from './objects/daemonset.js';
import { projectEniConfig } from './objects/eniconfig.js';
import { projectNamespace } from './objects/namespace.js';
import { projectNode } from './objects/node.js';
import { projectAutoModeNodeClass, projectEc2NodeClass } from './objects/nodeclass.js';
import { projectNodeClaim, projectNodePool } from './objects/nodepool.js';
import { projectPod } from './objects/pod.js';
import { projectReplicaSet } from './objects/replicaset.js';
import { projectDeployment, projectRollout } from './objects/workload.js';
import { projectStatefulSet } from './objects/statefulset.js';
import { projectCronJob, projectJob } from './objects/job.js';
import { projectHpa, projectScaledObject } from './objects/autoscaler.js';

/**
 * Jobs and CronJobs come by the thousand (every run of every CronJob is a Job): the cluster keeps only
 * what judging a change to one of them needs, the same from files as from the live watch.
 */
export const BATCH_PROJECTION = { compact: true } as const;

/** The Kubernetes objects ipguard reads, projected. */
export interface ClusterObjects {
  readonly nodes: Node[];
  readonly pods: PodRecord[];
  readonly daemonSets: DaemonSet[];
  readonly namespaces: Namespace[];
  readonly workloads: Workload[];
  readonly replicaSets: ReplicaSet[];
  readonly eniConfigs: EniConfig[];
  /** Karpenter and EKS Auto Mode objects; absent until the first one is read. */
  nodePools?: NodePool[];
  ec2NodeClasses?: Ec2NodeClass[];
  autoModeNodeClasses?: AutoModeNodeClass[];
  nodeClaims?: NodeClaim[];
  /** HPAs and KEDA ScaledObjects; absent until the first one is read. */
  autoscalers?: Autoscaler[];
}

export function emptyClusterObjects(): ClusterObjects {
  return {
    nodes: [],
    pods: [],
    daemonSets: [],
    namespaces: [],
    workloads: [],
    replicaSets: [],
    eniConfigs: [],
  };
}

function group(apiVersion: string | undefined): string {
  if (apiVersion === undefined) return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Add one object; unknown kinds are ignored. */
export function addObject(
  into: ClusterObjects,
  obj: Reader,
  kind: string,
  apiVersion: string | undefined,
): void {
  switch (kind) {
    case 'Node':
      into.nodes.push(projectNode(obj));
      return;
    case 'Pod':
      into.pods.push(projectPod(obj));
      return;
    case 'DaemonSet':
      into.daemonSets.push(projectDaemonSet(obj));
      return;
    case 'Namespace':
      into.namespaces.push(projectNamespace(obj));
      return;
    case 'Deployment':
      into.workloads.push(projectDeployment(obj));
      return;
    case 'ReplicaSet':
      into.replicaSets.push(projectReplicaSet(obj));
      return;
    case 'Rollout':
      if (group(apiVersion) === 'argoproj.io') into.workloads.push(projectRollout(obj));
      return;
    case 'StatefulSet':
      if (group(apiVersion) === 'apps' || apiVersion === undefined)
        into.workloads.push(projectStatefulSet(obj));
      return;
    case 'Job':
      if (group(apiVersion) === 'batch' || apiVersion === undefined)
        into.workloads.push(projectJob(obj, BATCH_PROJECTION));
      return;
    case 'CronJob':
      if (group(apiVersion) === 'batch' || apiVersion === undefined)
        into.workloads.push(projectCronJob(obj, BATCH_PROJECTION));
      return;
    case 'HorizontalPodAutoscaler':
      if (group(apiVersion) === 'autoscaling' || apiVersion === undefined)
        (into.autoscalers ??= []).push(projectHpa(obj));
      return;
    case 'ScaledObject':
      if (group(apiVersion) === 'keda.sh') (into.autoscalers ??= []).push(projectScaledObject(obj));
      return;
    case 'ENIConfig':
      if (group(apiVersion) === 'crd.k8s.amazonaws.com')
        into.eniConfigs.push(projectEniConfig(obj));
      return;
    case 'NodePool':
      if (group(apiVersion) === 'karpenter.sh') (into.nodePools ??= []).push(projectNodePool(obj));
      return;
    case 'NodeClaim':
      if (group(apiVersion) === 'karpenter.sh')
        (into.nodeClaims ??= []).push(projectNodeClaim(obj));
      return;
    case 'EC2NodeClass':
      if (group(apiVersion) === 'karpenter.k8s.aws')
        (into.ec2NodeClasses ??= []).push(projectEc2NodeClass(obj));
      return;
    case 'NodeClass':
      if (group(apiVersion) === 'eks.amazonaws.com')
        (into.autoModeNodeClasses ??= []).push(projectAutoModeNodeClass(obj));
      return;
    default:
      return;
  }
}

function identity(obj: Record<string, unknown>, kind: string): string {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const ns = typeof meta.namespace === 'string' ? `${meta.namespace}/` : '';
  const name = typeof meta.name === 'string' ? meta.name : '?';
  return `${kind} ${ns}${name}`;
}

/**
 * Objects from what `kubectl get … -o json|yaml` prints: a List (or NodeList, PodList, …, whose items
 * may omit their kind) or single objects, several documents per file allowed.
 */
export function collectObjects(
  docs: readonly unknown[],
  source: string,
  into: ClusterObjects,
): void {
  docs.forEach((doc, d) => {
    const docAt = docs.length > 1 ? `document ${d + 1}` : '';
    if (!isRecord(doc))
      throw new InputError(
        `${source}${docAt === '' ? '' : `: ${docAt}`}: expected a Kubernetes object or List`,
      );
    const items = doc.items;
    if (Array.isArray(items)) {
      const listKind = typeof doc.kind === 'string' ? doc.kind : 'List';
      const impliedKind =
        listKind.endsWith('List') && listKind !== 'List' ? listKind.slice(0, -4) : undefined;
      items.forEach((item: unknown, i) => {
        const at = `${docAt === '' ? '' : `${docAt}.`}items[${i}]`;
        const r = Reader.of(item, source, at);
        const kind = r.string('kind') ?? impliedKind;
        if (kind === undefined) throw r.fail('kind', 'missing (and the list does not say)');
        const apiVersion =
          r.string('apiVersion') ??
          (typeof doc.apiVersion === 'string' ? doc.apiVersion : undefined);
        addWithIdentity(into, r, kind, apiVersion);
      });
      return;
    }
    const r = Reader.of(doc, source, docAt);
    const kind = r.string('kind');
    if (kind === undefined) throw r.fail('kind', 'missing');
    addWithIdentity(into, r, kind, r.string('apiVersion'));
  });
}

function addWithIdentity(
  into: ClusterObjects,
  r: Reader,
  kind: string,
  apiVersion: string | undefined,
): void {
  try {
    addObject(into, r, kind, apiVersion);
  } catch (err) {
    if (err instanceof InputError)
      throw new InputError(`${err.message} (${identity(r.value, kind)})`, { cause: err });
    throw err;
  }
}
