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

/** What a List says about the items that omit their kind or apiVersion (a PodList from the API). */
export interface ListContext {
  readonly impliedKind: string | undefined;
  readonly apiVersion: string | undefined;
}

/** The context a List document gives its items: its kind less `List`, and its apiVersion. */
export function listContext(kind: unknown, apiVersion: unknown): ListContext {
  const listKind = typeof kind === 'string' ? kind : 'List';
  return {
    impliedKind:
      listKind.endsWith('List') && listKind !== 'List' ? listKind.slice(0, -4) : undefined,
    apiVersion: typeof apiVersion === 'string' ? apiVersion : undefined,
  };
}

/** The path of item `i` of document `d` of `documents`, as errors name it. */
export function listItemAt(documents: number, d: number, i: number): string {
  return documents > 1 ? `document ${d + 1}.items[${i}]` : `items[${i}]`;
}

/**
 * Whether an item names its own kind and apiVersion, so the List's (which may come after the items, as
 * kubectl prints them) need not be known to add it. Throws as collecting it would when a field is not a string.
 */
export function itemIsSelfDescribing(item: unknown, source: string, at: string): boolean {
  const r = Reader.of(item, source, at);
  return r.string('kind') !== undefined && r.string('apiVersion') !== undefined;
}

/** Add item `at` of a List. */
export function collectListItem(
  into: ClusterObjects,
  item: unknown,
  source: string,
  at: string,
  list: ListContext,
): void {
  const r = Reader.of(item, source, at);
  const kind = r.string('kind') ?? list.impliedKind;
  if (kind === undefined) throw r.fail('kind', 'missing (and the list does not say)');
  const apiVersion = r.string('apiVersion') ?? list.apiVersion;
  addWithIdentity(into, r, kind, apiVersion);
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
      const list = listContext(doc.kind, doc.apiVersion);
      items.forEach((item: unknown, i) => {
        collectListItem(into, item, source, listItemAt(docs.length, d, i), list);
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
