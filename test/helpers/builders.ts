import { buildClusterModel } from '../../src/cluster/build.js';
import type { ClusterObjects } from '../../src/cluster/collect.js';
import type {
  Autoscaler,
  ClusterModel,
  DaemonSet,
  Namespace,
  Node,
  PodRecord,
  PodShape,
  ReplicaSet,
  Subnet,
  Workload,
} from '../../src/cluster/model.js';
import { EMPTY_USAGE } from '../../src/cluster/model.js';
import type { InstanceLimits } from '../../src/cni/instance-limits.js';

export const GiB = 1024 ** 3;

/** m5.large and m5.2xlarge as the VPC CNI's limits table has them. */
export const M5_LARGE: InstanceLimits = {
  instanceType: 'm5.large',
  maxEnis: 3,
  ipv4PerEni: 10,
  vcpus: 2,
  nitro: true,
  prefixDelegationSupported: true,
};
export const M5_2XLARGE: InstanceLimits = {
  instanceType: 'm5.2xlarge',
  maxEnis: 4,
  ipv4PerEni: 15,
  vcpus: 8,
  nitro: true,
  prefixDelegationSupported: true,
};

export function aSubnet(o: Partial<Subnet> & Pick<Subnet, 'id' | 'zone' | 'cidr'>): Subnet {
  return { availableIps: 100, tags: {}, ...o };
}

let nodeSeq = 0;
/** A ready node; `ip` decides its subnet. */
export function aNode(o: Partial<Node> & { ip: string; zone: string }): Node {
  nodeSeq += 1;
  const { ip, ...rest } = o;
  return {
    name: `node-${nodeSeq}`,
    instanceType: 'm5.2xlarge',
    nodeGroup: 'apps',
    internalIp: ip,
    labels: {
      'eks.amazonaws.com/nodegroup': o.nodeGroup ?? 'apps',
      'topology.kubernetes.io/zone': o.zone,
      'kubernetes.io/os': 'linux',
      ...(o.labels ?? {}),
    },
    taints: [],
    allocatable: { cpuMilli: 7910, memoryBytes: 30 * GiB, pods: 58 },
    maxPods: 58,
    unschedulable: false,
    ready: true,
    usage: EMPTY_USAGE,
    ...rest,
  };
}

export function aPodShape(o: Partial<PodShape> = {}): PodShape {
  return {
    requests: { cpuMilli: 100, memoryBytes: 128 * 1024 ** 2 },
    network: 'pool',
    nodeSelector: {},
    requiredNodeTerms: [],
    tolerations: [],
    onePerNode: false,
    labels: {},
    ...o,
  };
}

export function aDaemonSet(
  name: string,
  o: Partial<PodShape> = {},
  namespace = 'kube-system',
): DaemonSet {
  return { namespace, name, pod: aPodShape(o) };
}

export function awsNode(env: Record<string, string>): DaemonSet {
  return {
    namespace: 'kube-system',
    name: 'aws-node',
    pod: aPodShape({ network: 'host', requests: { cpuMilli: 25, memoryBytes: 0 } }),
    env,
  };
}

export function aPod(node: string, o: Partial<PodRecord> = {}): PodRecord {
  return {
    namespace: 'default',
    name: `pod-${Math.random().toString(36).slice(2)}`,
    nodeName: node,
    terminal: false,
    network: 'pool',
    requests: { cpuMilli: 100, memoryBytes: 128 * 1024 ** 2 },
    ...o,
  };
}

export function aWorkload(o: Partial<Workload> & Pick<Workload, 'kind' | 'name'>): Workload {
  return {
    namespace: 'shop',
    labels: {},
    annotations: {},
    paused: false,
    templateKey: 'v1',
    status: {},
    ...o,
  };
}

export function aReplicaSet(
  owner: Workload,
  o: Partial<ReplicaSet> & Pick<ReplicaSet, 'name' | 'specReplicas'>,
): ReplicaSet {
  return {
    namespace: owner.namespace,
    ownerKind: owner.kind,
    ownerName: owner.name,
    statusReplicas: o.specReplicas,
    ...o,
  };
}

export function aNamespace(name: string, annotations: Record<string, string> = {}): Namespace {
  return { name, labels: {}, annotations };
}

export interface ClusterSpec {
  nodes?: Node[];
  pods?: PodRecord[];
  daemonSets?: DaemonSet[];
  namespaces?: Namespace[];
  workloads?: Workload[];
  replicaSets?: ReplicaSet[];
  autoscalers?: Autoscaler[];
  subnets?: Subnet[];
  instanceTypes?: InstanceLimits[];
  cniEnv?: Record<string, string>;
}

/** A cluster model built the way the real inputs are, from projected records. */
export function aCluster(spec: ClusterSpec): ClusterModel {
  const objects: ClusterObjects = {
    nodes: spec.nodes ?? [],
    pods: spec.pods ?? [],
    daemonSets: [awsNode(spec.cniEnv ?? {}), ...(spec.daemonSets ?? [])],
    namespaces: spec.namespaces ?? [],
    workloads: spec.workloads ?? [],
    replicaSets: spec.replicaSets ?? [],
    eniConfigs: [],
    autoscalers: spec.autoscalers ?? [],
  };
  return buildClusterModel({
    objects,
    subnets: new Map((spec.subnets ?? []).map(s => [s.id, s])),
    instanceTypes: new Map(
      (spec.instanceTypes ?? [M5_LARGE, M5_2XLARGE]).map(l => [l.instanceType ?? '', l]),
    ),
  });
}
