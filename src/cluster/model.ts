import type { CniEnv, CniSettings } from '../cni/settings.js';
import type { InstanceLimits } from '../cni/instance-limits.js';
import type { EniConfigKeys } from '../cni/eni-config-name.js';

/**
 * The cluster as the simulation sees it: compact projections of Kubernetes objects and EC2 answers,
 * built the same way from `kubectl get -o json` files and from live informers. Pods are not kept one by
 * one; each node carries the sums the simulation needs.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Resources {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: TaintEffect;
}

export interface Toleration {
  readonly key?: string;
  readonly operator: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: TaintEffect;
}

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** One nodeSelectorTerm: all requirements must hold (terms are ORed). */
export type NodeSelectorTerm = readonly SelectorRequirement[];

/** A label selector (matchLabels and matchExpressions, ANDed). */
export interface LabelSelector {
  readonly matchLabels: Labels;
  readonly matchExpressions: readonly SelectorRequirement[];
}

/**
 * A pod's topologySpreadConstraints entry with whenUnsatisfiable DoNotSchedule: a filter. ScheduleAnyway
 * entries only score and are not kept (kube-scheduler podtopologyspread filterTopologySpreadConstraints).
 */
export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  /** Absent: a null selector, which matches no pod (metav1.LabelSelectorAsSelector(nil) is Nothing). */
  readonly labelSelector?: LabelSelector;
  readonly matchLabelKeys: readonly string[];
  /** Unset is 1. */
  readonly minDomains: number;
  /** Unset: Honor (nodeAffinityPolicy) and Ignore (nodeTaintsPolicy). */
  readonly nodeAffinityPolicy: 'Honor' | 'Ignore';
  readonly nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/** How a pod takes its address. */
export type PodNetwork = 'pool' | 'host' | 'branch';

/** What placement needs from a pod template. */
export interface PodShape {
  /** Effective requests: containers (and sidecars) vs the largest init step, plus overhead. */
  readonly requests: Resources;
  /**
   * The same with a container's missing cpu or memory request counted as 100m / 200Mi: what the
   * scheduler's scoring sees (pkg/scheduler/util pod_resources.go, DefaultMilliCPURequest and
   * DefaultMemoryRequest), so pods without requests still spread. `requests` when absent.
   */
  readonly scoreRequests?: Resources;
  readonly network: PodNetwork;
  readonly nodeSelector: Labels;
  /** requiredDuringSchedulingIgnoredDuringExecution terms; empty means no constraint. */
  readonly requiredNodeTerms: readonly NodeSelectorTerm[];
  readonly tolerations: readonly Toleration[];
  /** Required pod anti-affinity on the hostname against its own pods: one per node. */
  readonly onePerNode: boolean;
  readonly labels: Labels;
  /** Hard topology spread constraints; absent when the pod has none. */
  readonly spread?: readonly SpreadConstraint[];
}

/** Sums over the pods bound to a node that still hold resources (not Succeeded or Failed). */
export interface NodeUsage {
  readonly pods: number;
  readonly poolPods: number;
  readonly hostNetworkPods: number;
  readonly branchPods: number;
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  /** Requests as the scheduler scores them (NodeInfo.NonZeroRequested): missing ones count as defaults. */
  readonly scoreCpuMilli: number;
  readonly scoreMemoryBytes: number;
}

export const EMPTY_USAGE: NodeUsage = {
  pods: 0,
  poolPods: 0,
  hostNetworkPods: 0,
  branchPods: 0,
  cpuMilli: 0,
  memoryBytes: 0,
  scoreCpuMilli: 0,
  scoreMemoryBytes: 0,
};

export interface Node {
  readonly name: string;
  readonly instanceType?: string;
  readonly zone?: string;
  readonly nodeGroup?: string;
  readonly internalIp?: string;
  /** The subnet whose CIDR holds the InternalIP; resolved when the model is built. */
  readonly subnetId?: string;
  /** EC2 instance id from spec.providerID (aws:///zone/i-...). */
  readonly instanceId?: string;
  readonly labels: Labels;
  readonly taints: readonly Taint[];
  readonly allocatable: Resources & { readonly pods: number };
  /** status.capacity.pods: the kubelet's max pods, which ipamd uses as its growth cap. */
  readonly maxPods: number;
  readonly unschedulable: boolean;
  readonly ready: boolean;
  /**
   * Annotations short enough to name an object (253 characters): enough for the ENIConfig annotation,
   * without keeping JSON blobs per node.
   */
  readonly annotations?: Labels;
  /** The ENIConfig this node's pods use under custom networking; resolved when the model is built. */
  readonly eniConfig?: string;
  readonly usage: NodeUsage;
}

/** A pod reduced to what node sums and workload counts need. */
export interface PodRecord {
  readonly namespace: string;
  readonly name: string;
  readonly nodeName?: string;
  /** Pods in Succeeded or Failed hold no address and no resources. */
  readonly terminal: boolean;
  readonly network: PodNetwork;
  readonly requests: Resources;
  /** Requests as the scheduler scores them; `requests` when absent. */
  readonly scoreRequests?: Resources;
  readonly ownerKind?: string;
  readonly ownerName?: string;
}

export interface DaemonSetStrategy {
  readonly type: 'RollingUpdate' | 'OnDelete';
  /** apps/v1 defaults: maxUnavailable 1, maxSurge 0. */
  readonly maxSurge?: IntOrPercent;
  readonly maxUnavailable?: IntOrPercent;
}

export interface DaemonSet {
  readonly namespace: string;
  readonly name: string;
  readonly pod: PodShape;
  /** Container env of the aws-node DaemonSet: the VPC CNI settings. */
  readonly env?: Readonly<Record<string, string>>;
  /** A canonical text of spec.template: equal text, same pods. */
  readonly templateKey?: string;
  /** spec.template as decoded, for comparing a manifest with the cluster's (defaulted) object. */
  readonly template?: Readonly<Record<string, unknown>>;
  readonly strategy?: DaemonSetStrategy;
  /** Only the ipguard.io/ annotations: the policy reads nothing else, and a DaemonSet is kept per cluster. */
  readonly annotations?: Labels;
}

export interface Namespace {
  readonly name: string;
  readonly labels: Labels;
  readonly annotations: Labels;
}

export type IntOrPercent = number | string;

export interface DeploymentStrategy {
  readonly type: 'RollingUpdate' | 'Recreate';
  readonly maxSurge?: IntOrPercent;
  readonly maxUnavailable?: IntOrPercent;
}

export interface CanaryStep {
  readonly setWeight?: number;
  readonly setCanaryScale?: {
    readonly replicas?: number;
    readonly weight?: number;
    readonly matchTrafficWeight?: boolean;
  };
  readonly pause?: boolean;
}

export interface RolloutStrategy {
  readonly blueGreen?: {
    readonly previewReplicaCount?: number;
    readonly autoPromotionEnabled: boolean;
    readonly scaleDownDelaySeconds: number;
    readonly scaleDownDelayRevisionLimit?: number;
    readonly abortScaleDownDelaySeconds: number;
    readonly activeService?: string;
  };
  readonly canary?: {
    readonly maxSurge?: IntOrPercent;
    readonly maxUnavailable?: IntOrPercent;
    readonly steps: readonly CanaryStep[];
    readonly trafficRouting: boolean;
    readonly maxTrafficWeight: number;
    readonly dynamicStableScale: boolean;
    readonly minPodsPerReplicaSet?: number;
  };
}

export interface WorkloadRef {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
  readonly scaleDown?: string;
}

export interface WorkloadStatus {
  readonly replicas?: number;
  readonly updatedReplicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  /** Rollout: pause conditions present (a blue/green waiting for promotion). */
  readonly paused?: boolean;
  readonly abort?: boolean;
  readonly promoteFull?: boolean;
  readonly currentPodHash?: string;
  readonly stableRS?: string;
  /** Rollout canary: the step the rollout is at (status.currentStepIndex). */
  readonly currentStepIndex?: number;
  readonly activeSelector?: string;
  /** Job: pods running now, and pods that succeeded (status.active, status.succeeded). */
  readonly active?: number;
  readonly succeeded?: number;
}

export interface StatefulSetStrategy {
  readonly type: 'RollingUpdate' | 'OnDelete';
  readonly partition?: number;
  readonly maxUnavailable?: IntOrPercent;
}

/** What the Job controller reads to decide how many pods run at once (manageJob). */
export interface JobSpec {
  /** Defaulted to 1 by the apiserver (SetDefaults_Job). */
  readonly parallelism?: number;
  /** Unset: a work queue, done at the first success. */
  readonly completions?: number;
  readonly suspend: boolean;
}

export interface CronJobSpec {
  /** The apiserver's default is Allow (SetDefaults_CronJob). */
  readonly concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  readonly suspend: boolean;
  readonly job: JobSpec;
}

export type WorkloadKind =
  'Deployment' | 'Rollout' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob';

export interface Workload {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  /** spec.replicas; undefined when the object does not say (Deployment defaults 1, Rollout 1). */
  readonly replicas?: number;
  readonly paused: boolean;
  /** A digest of spec.template's canonical JSON: equal digest, same pods. Empty when there is no template. */
  readonly templateKey: string;
  /** spec.template as decoded, for comparing a manifest with the cluster's (defaulted) object. */
  readonly template?: Readonly<Record<string, unknown>>;
  readonly pod?: PodShape;
  readonly deploymentStrategy?: DeploymentStrategy;
  readonly rolloutStrategy?: RolloutStrategy;
  readonly workloadRef?: WorkloadRef;
  readonly statefulSetStrategy?: StatefulSetStrategy;
  readonly daemonSetStrategy?: DaemonSetStrategy;
  readonly job?: JobSpec;
  readonly cronJob?: CronJobSpec;
  readonly status: WorkloadStatus;
}

export type AutoscalerKind = 'HorizontalPodAutoscaler' | 'ScaledObject';

/** An HPA (autoscaling/v2) or a KEDA ScaledObject: the ceiling it may scale its target to. */
export interface Autoscaler {
  readonly kind: AutoscalerKind;
  readonly namespace: string;
  readonly name: string;
  readonly target: { readonly kind: string; readonly name: string; readonly apiVersion?: string };
  readonly minReplicas?: number;
  readonly maxReplicas: number;
  /** KEDA's autoscaling.keda.sh/paused-replicas: the target is held at this count instead. */
  readonly pausedReplicas?: number;
  readonly annotations: Labels;
}

export interface ReplicaSet {
  readonly namespace: string;
  readonly name: string;
  readonly ownerKind?: string;
  readonly ownerName?: string;
  readonly specReplicas: number;
  readonly statusReplicas: number;
  readonly podTemplateHash?: string;
  /** Argo Rollouts `scale-down-deadline` annotation (RFC 3339), on old sets kept after a switch. */
  readonly scaleDownDeadline?: string;
}

export interface EniConfig {
  readonly name: string;
  readonly subnetId: string;
}

export interface Subnet {
  readonly id: string;
  readonly zone: string;
  readonly zoneId?: string;
  readonly vpcId?: string;
  readonly cidr: string;
  readonly availableIps: number;
  readonly tags: Labels;
}

/** What a node really holds, counted from its ENIs (describe-network-interfaces). */
export interface EniHoldings {
  readonly enis: number;
  /** Secondary addresses and 16 per prefix, on ENIs that serve pods. */
  readonly poolIps: number;
  readonly prefixes: number;
  readonly branchEnis: number;
  /** Every address: ENI primaries, pool, branch ENIs. */
  readonly ips: number;
  /** Addresses per subnet. */
  readonly bySubnet: Readonly<Record<string, number>>;
}

/** A NodeSelectorRequirement of a Karpenter NodePool, with its optional minValues. */
export interface NodePoolRequirement extends SelectorRequirement {
  readonly minValues?: number;
}

/** karpenter.sh/v1 NodePool: what Karpenter may launch for pending pods. */
export interface NodePool {
  readonly name: string;
  /** spec.weight: higher is tried first; 0 when unset. */
  readonly weight: number;
  readonly requirements: readonly NodePoolRequirement[];
  /** spec.template.metadata.labels. */
  readonly labels: Labels;
  /** spec.template.spec.taints (startupTaints are gone once the node is ready). */
  readonly taints: readonly Taint[];
  readonly nodeClassRef: { readonly group: string; readonly kind: string; readonly name: string };
  /** spec.limits: cpu (millicores), memory (bytes), nodes; absent when not limited. */
  readonly limits: {
    readonly cpuMilli?: number;
    readonly memoryBytes?: number;
    readonly nodes?: number;
  };
}

/** One subnet a node class resolved (status.subnets), in the order the controller wrote them. */
export interface NodeClassSubnet {
  readonly id: string;
  readonly zone: string;
  readonly zoneId?: string;
}

/** karpenter.k8s.aws/v1 EC2NodeClass: the AWS side of a NodePool's nodes. */
export interface Ec2NodeClass {
  readonly name: string;
  readonly subnets: readonly NodeClassSubnet[];
  /** AL2, AL2023, Bottlerocket, Windows2019/2022/2025, Custom: from spec.amiFamily or the AMI alias. */
  readonly amiFamily?: string;
  /** spec.kubelet.maxPods when an integer (a CEL expression is kept in maxPodsExpression). */
  readonly maxPods?: number;
  readonly maxPodsExpression?: string;
  readonly podsPerCore?: number;
  /** spec.ipPrefixCount: /28 prefixes the launch template assigns at launch. */
  readonly ipPrefixCount?: number;
  /** EFA-only interfaces on network card 0 (spec.networkInterfaces): each takes an ENI from pods. */
  readonly efaOnlyInterfaces: number;
  readonly kubeReserved: { readonly cpuMilli?: number; readonly memoryBytes?: number };
  readonly systemReserved: { readonly cpuMilli?: number; readonly memoryBytes?: number };
  /** evictionHard memory.available: a quantity in bytes, or a percentage of memory. */
  readonly evictionHardMemory?: { readonly bytes: number } | { readonly percent: number };
}

/** eks.amazonaws.com/v1 NodeClass: EKS Auto Mode's node class. */
export interface AutoModeNodeClass {
  readonly name: string;
  readonly subnets: readonly NodeClassSubnet[];
  /** spec.advancedNetworking.ipv4PrefixSize: "Auto" (prefixes, falling back to addresses) or "32". */
  readonly ipv4PrefixSize?: string;
  /** spec.podSubnetSelectorTerms is set: pods take addresses from other subnets than their node. */
  readonly separatePodSubnets: boolean;
}

/** karpenter.sh/v1 NodeClaim: a node Karpenter has asked for; in flight until its Node registers. */
export interface NodeClaim {
  readonly name: string;
  readonly nodePool?: string;
  readonly instanceType?: string;
  readonly zone?: string;
  /** status.nodeName once the node registered. */
  readonly nodeName?: string;
  readonly capacity: { readonly cpuMilli: number; readonly memoryBytes: number };
  /** status.allocatable: what its pods get once it runs (Karpenter's estimate), when launched. */
  readonly allocatable?: {
    readonly cpuMilli: number;
    readonly memoryBytes: number;
    readonly pods: number;
  };
  /** metadata.labels: the labels its Node will carry (nodepool, type, zone, template labels). */
  readonly labels?: Labels;
  /** spec.taints. */
  readonly taints?: readonly Taint[];
  /** The Initialized condition is True: the node is ready and its startup taints are gone. */
  readonly initialized?: true;
}

export interface ClusterModel {
  readonly nodes: ReadonlyMap<string, Node>;
  readonly daemonSets: readonly DaemonSet[];
  readonly namespaces: ReadonlyMap<string, Namespace>;
  /** Keyed by workloadKey(kind, namespace, name). */
  readonly workloads: ReadonlyMap<string, Workload>;
  readonly replicaSets: readonly ReplicaSet[];
  readonly eniConfigs: ReadonlyMap<string, EniConfig>;
  readonly subnets: ReadonlyMap<string, Subnet>;
  readonly instanceTypes: ReadonlyMap<string, InstanceLimits>;
  /** The aws-node env as found (for messages); `cni` is what the CNI makes of it. */
  readonly cniEnv: CniEnv;
  readonly cni: CniSettings;
  /** The annotation and label naming a node's ENIConfig (ENI_CONFIG_ANNOTATION_DEF, ENI_CONFIG_LABEL_DEF). */
  readonly eniConfigKeys: EniConfigKeys;
  /** Keyed by node name, present when network interfaces were given. */
  readonly holdings?: ReadonlyMap<string, EniHoldings>;
  /** Per workload (workloadKey), the nodes its pods run on and how many on each. */
  readonly workloadNodes: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Karpenter and EKS Auto Mode objects, keyed by name; absent when the inputs have none. */
  readonly nodePools?: ReadonlyMap<string, NodePool>;
  readonly ec2NodeClasses?: ReadonlyMap<string, Ec2NodeClass>;
  readonly autoModeNodeClasses?: ReadonlyMap<string, AutoModeNodeClass>;
  readonly nodeClaims?: readonly NodeClaim[];
  /** HPAs and ScaledObjects, keyed by autoscalerKey; absent where none were given. */
  readonly autoscalers?: ReadonlyMap<string, Autoscaler>;
}

export function workloadKey(kind: WorkloadKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function autoscalerKey(kind: AutoscalerKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}
