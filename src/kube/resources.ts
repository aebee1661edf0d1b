/** A Kubernetes resource ipguard lists and watches, cluster-wide. */
export interface KubeResource {
  /** The plural, as in the URL and in RBAC rules. */
  readonly plural: string;
  readonly kind: string;
  /** group/version, or `v1` for the core group. */
  readonly apiVersion: string;
  readonly namespaced: boolean;
  /** A CRD that many clusters do not have: a 404 means "none", not an error. */
  readonly optional: boolean;
}

export const NODES: KubeResource = {
  plural: 'nodes',
  kind: 'Node',
  apiVersion: 'v1',
  namespaced: false,
  optional: false,
};
export const PODS: KubeResource = {
  plural: 'pods',
  kind: 'Pod',
  apiVersion: 'v1',
  namespaced: true,
  optional: false,
};
export const NAMESPACES: KubeResource = {
  plural: 'namespaces',
  kind: 'Namespace',
  apiVersion: 'v1',
  namespaced: false,
  optional: false,
};
export const DAEMON_SETS: KubeResource = {
  plural: 'daemonsets',
  kind: 'DaemonSet',
  apiVersion: 'apps/v1',
  namespaced: true,
  optional: false,
};
export const DEPLOYMENTS: KubeResource = {
  plural: 'deployments',
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  namespaced: true,
  optional: false,
};
export const REPLICA_SETS: KubeResource = {
  plural: 'replicasets',
  kind: 'ReplicaSet',
  apiVersion: 'apps/v1',
  namespaced: true,
  optional: false,
};
export const ROLLOUTS: KubeResource = {
  plural: 'rollouts',
  kind: 'Rollout',
  apiVersion: 'argoproj.io/v1alpha1',
  namespaced: true,
  optional: true,
};
export const ENI_CONFIGS: KubeResource = {
  plural: 'eniconfigs',
  kind: 'ENIConfig',
  apiVersion: 'crd.k8s.amazonaws.com/v1alpha1',
  namespaced: false,
  optional: true,
};

/** Karpenter and EKS Auto Mode: what new nodes a NodePool would launch, and which are on their way. */
export const NODE_POOLS: KubeResource = {
  plural: 'nodepools',
  kind: 'NodePool',
  apiVersion: 'karpenter.sh/v1',
  namespaced: false,
  optional: true,
};
export const NODE_CLAIMS: KubeResource = {
  plural: 'nodeclaims',
  kind: 'NodeClaim',
  apiVersion: 'karpenter.sh/v1',
  namespaced: false,
  optional: true,
};
export const EC2_NODE_CLASSES: KubeResource = {
  plural: 'ec2nodeclasses',
  kind: 'EC2NodeClass',
  apiVersion: 'karpenter.k8s.aws/v1',
  namespaced: false,
  optional: true,
};
export const AUTO_MODE_NODE_CLASSES: KubeResource = {
  plural: 'nodeclasses',
  kind: 'NodeClass',
  apiVersion: 'eks.amazonaws.com/v1',
  namespaced: false,
  optional: true,
};
export const STATEFUL_SETS: KubeResource = {
  plural: 'statefulsets',
  kind: 'StatefulSet',
  apiVersion: 'apps/v1',
  namespaced: true,
  optional: false,
};
export const JOBS: KubeResource = {
  plural: 'jobs',
  kind: 'Job',
  apiVersion: 'batch/v1',
  namespaced: true,
  optional: false,
};
export const CRON_JOBS: KubeResource = {
  plural: 'cronjobs',
  kind: 'CronJob',
  apiVersion: 'batch/v1',
  namespaced: true,
  optional: false,
};
export const HPAS: KubeResource = {
  plural: 'horizontalpodautoscalers',
  kind: 'HorizontalPodAutoscaler',
  apiVersion: 'autoscaling/v2',
  namespaced: true,
  optional: false,
};
export const SCALED_OBJECTS: KubeResource = {
  plural: 'scaledobjects',
  kind: 'ScaledObject',
  apiVersion: 'keda.sh/v1alpha1',
  namespaced: true,
  optional: true,
};

/** Everything the cluster model is built from, in the order a snapshot writes them. */
export const RESOURCES: readonly KubeResource[] = [
  NODES,
  PODS,
  DAEMON_SETS,
  NAMESPACES,
  DEPLOYMENTS,
  REPLICA_SETS,
  ROLLOUTS,
  ENI_CONFIGS,
  NODE_POOLS,
  NODE_CLAIMS,
  EC2_NODE_CLASSES,
  AUTO_MODE_NODE_CLASSES,
  STATEFUL_SETS,
  JOBS,
  CRON_JOBS,
  HPAS,
  SCALED_OBJECTS,
];

/** `/api/v1/pods`, `/apis/apps/v1/deployments`: the cluster-wide collection. */
export function collectionPath(r: KubeResource): string {
  return r.apiVersion.includes('/') ? `/apis/${r.apiVersion}/${r.plural}` : `/api/v1/${r.plural}`;
}

/** namespace/name, or name for cluster-scoped objects; undefined when metadata.name is missing. */
export function objectKey(obj: unknown): string | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const meta = (obj as { metadata?: unknown }).metadata;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const { name, namespace } = meta as { name?: unknown; namespace?: unknown };
  if (typeof name !== 'string' || name === '') return undefined;
  return typeof namespace === 'string' && namespace !== '' ? `${namespace}/${name}` : name;
}

export function resourceVersionOf(obj: unknown): string | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const meta = (obj as { metadata?: unknown }).metadata;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const rv = (meta as { resourceVersion?: unknown }).resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}
