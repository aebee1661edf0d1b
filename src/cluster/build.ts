import { withBuiltinTypes } from '../cni/instance-catalog.js';
import {
  parseCniSettings,
  type CniEnv,
  type CniSettingName,
  isCniSettingName,
} from '../cni/settings.js';
import type { InstanceLimits } from '../cni/instance-limits.js';
import type { ClusterObjects } from './collect.js';
import {
  EMPTY_USAGE,
  autoscalerKey,
  workloadKey,
  type ClusterModel,
  type DaemonSet,
  type EniHoldings,
  type Node,
  type NodeUsage,
  type PodRecord,
  type ReplicaSet,
  type Subnet,
} from './model.js';
import { cidrContains } from './aws/subnets.js';
import { pickSubnet, preferenceOf, type SubnetPreference } from './aws/subnet-selection.js';
import { holdingsByInstance, type NetworkInterface } from './aws/network-interfaces.js';
import { eniConfigKeysOf, eniConfigNameOf, type EniConfigKeys } from '../cni/eni-config-name.js';

export interface ClusterInputs {
  readonly objects: ClusterObjects;
  readonly subnets: ReadonlyMap<string, Subnet>;
  readonly instanceTypes: ReadonlyMap<string, InstanceLimits>;
  readonly networkInterfaces?: readonly NetworkInterface[];
}

/** The VPC CNI runs as the aws-node DaemonSet in kube-system; its env holds the settings. */
export function findAwsNode(daemonSets: readonly DaemonSet[]): DaemonSet | undefined {
  return daemonSets.find(d => d.namespace === 'kube-system' && d.name === 'aws-node');
}

export function cniEnvOf(awsNode: DaemonSet | undefined): CniEnv {
  const env: Partial<Record<CniSettingName, string>> = {};
  for (const [k, v] of Object.entries(awsNode?.env ?? {})) if (isCniSettingName(k)) env[k] = v;
  return env;
}

/** Add (sign 1) or remove (sign -1) one pod's share of its node's usage. */
export function addPodUsage(
  u: NodeUsage,
  pod: Pick<PodRecord, 'terminal' | 'network' | 'requests' | 'scoreRequests'>,
  sign: 1 | -1,
): NodeUsage {
  if (pod.terminal) return u;
  return {
    pods: u.pods + sign,
    poolPods: u.poolPods + (pod.network === 'pool' ? sign : 0),
    hostNetworkPods: u.hostNetworkPods + (pod.network === 'host' ? sign : 0),
    branchPods: u.branchPods + (pod.network === 'branch' ? sign : 0),
    cpuMilli: u.cpuMilli + sign * pod.requests.cpuMilli,
    memoryBytes: u.memoryBytes + sign * pod.requests.memoryBytes,
    scoreCpuMilli: u.scoreCpuMilli + sign * (pod.scoreRequests ?? pod.requests).cpuMilli,
    scoreMemoryBytes: u.scoreMemoryBytes + sign * (pod.scoreRequests ?? pod.requests).memoryBytes,
  };
}

/**
 * The subnet holding a node's address, chosen as the live subnet selection chooses it (pickSubnet), so a
 * CIDR reused by another VPC in the same files resolves the same way from files and from EC2.
 */
export function subnetOfIp(
  subnets: Iterable<Subnet>,
  ip: string | undefined,
  zone?: string,
  prefer: SubnetPreference = {},
): string | undefined {
  if (ip === undefined) return undefined;
  const candidates: Subnet[] = [];
  for (const s of subnets) if (cidrContains(s.cidr, ip)) candidates.push(s);
  return pickSubnet(candidates, zone, prefer)?.id;
}

/** Node fields that depend on the rest of the cluster: its subnet and the ENIConfig aws-node would pick. */
export function resolveNode(
  node: Node,
  subnets: ReadonlyMap<string, Subnet>,
  eniConfigKeys: EniConfigKeys,
  prefer: SubnetPreference = {},
): Node {
  const subnetId = subnetOfIp(subnets.values(), node.internalIp, node.zone, prefer);
  return {
    ...node,
    ...(subnetId !== undefined && { subnetId }),
    eniConfig: eniConfigNameOf(node.labels, node.annotations, eniConfigKeys),
  };
}

/** The workload (Deployment or Rollout) that owns a ReplicaSet, keyed by namespace/name of the set. */
export function replicaSetOwners(replicaSets: readonly ReplicaSet[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const rs of replicaSets) {
    if (rs.ownerKind === 'Deployment' || rs.ownerKind === 'Rollout') {
      owners.set(
        `${rs.namespace}/${rs.name}`,
        workloadKey(rs.ownerKind, rs.namespace, rs.ownerName ?? ''),
      );
    }
  }
  return owners;
}

/**
 * The workload a running pod counts for (its own anti-affinity, topology spread): the Deployment or Rollout
 * behind its ReplicaSet, or the StatefulSet or Job that owns it directly.
 */
export function podWorkloadKey(
  pod: PodRecord,
  replicaSetOwner: (rsKey: string) => string | undefined,
): string | undefined {
  if (pod.ownerKind === 'ReplicaSet')
    return replicaSetOwner(`${pod.namespace}/${pod.ownerName ?? ''}`);
  if (pod.ownerKind === 'StatefulSet' || pod.ownerKind === 'Job')
    return workloadKey(pod.ownerKind, pod.namespace, pod.ownerName ?? '');
  return undefined;
}

function workloadNodesOf(objects: ClusterObjects): Map<string, Map<string, number>> {
  const owners = replicaSetOwners(objects.replicaSets);
  const out = new Map<string, Map<string, number>>();
  for (const pod of objects.pods) {
    if (pod.terminal || pod.nodeName === undefined) continue;
    const key = podWorkloadKey(pod, rs => owners.get(rs));
    if (key === undefined) continue;
    let nodes = out.get(key);
    if (!nodes) out.set(key, (nodes = new Map<string, number>()));
    nodes.set(pod.nodeName, (nodes.get(pod.nodeName) ?? 0) + 1);
  }
  return out;
}

/** Assemble the model the simulation reads from projected objects and EC2 answers. */
export function buildClusterModel(inputs: ClusterInputs): ClusterModel {
  const { objects, subnets, instanceTypes } = inputs;
  const awsNode = findAwsNode(objects.daemonSets);
  const cniEnv = cniEnvOf(awsNode);
  const eniConfigKeys = eniConfigKeysOf(awsNode?.env);
  const prefer = preferenceOf(awsNode?.env);

  const usage = new Map<string, NodeUsage>();
  for (const pod of objects.pods) {
    if (pod.nodeName === undefined) continue;
    usage.set(pod.nodeName, addPodUsage(usage.get(pod.nodeName) ?? EMPTY_USAGE, pod, 1));
  }
  const nodes = new Map<string, Node>();
  for (const n of objects.nodes) {
    nodes.set(n.name, {
      ...resolveNode(n, subnets, eniConfigKeys, prefer),
      usage: usage.get(n.name) ?? EMPTY_USAGE,
    });
  }

  let holdings: Map<string, EniHoldings> | undefined;
  if (inputs.networkInterfaces) {
    const byInstance = holdingsByInstance(inputs.networkInterfaces);
    holdings = new Map();
    for (const n of nodes.values()) {
      const h = n.instanceId === undefined ? undefined : byInstance.get(n.instanceId);
      if (h) holdings.set(n.name, h);
    }
  }

  return {
    nodes,
    workloadNodes: workloadNodesOf(objects),
    daemonSets: objects.daemonSets,
    namespaces: new Map(objects.namespaces.map(ns => [ns.name, ns])),
    workloads: new Map(objects.workloads.map(w => [workloadKey(w.kind, w.namespace, w.name), w])),
    replicaSets: objects.replicaSets,
    eniConfigs: new Map(objects.eniConfigs.map(e => [e.name, e])),
    ...(objects.autoscalers && {
      autoscalers: new Map(
        objects.autoscalers.map(a => [autoscalerKey(a.kind, a.namespace, a.name), a]),
      ),
    }),
    subnets,
    instanceTypes: withBuiltinTypes(instanceTypes),
    cniEnv,
    cni: parseCniSettings(cniEnv).settings,
    eniConfigKeys,
    ...(holdings && { holdings }),
    ...karpenterObjectsOf(objects),
  };
}

/** NodePools and node classes by name (a later capture of the same object wins); NodeClaims as listed. */
function karpenterObjectsOf(objects: ClusterObjects): Partial<ClusterModel> {
  const byName = <T extends { readonly name: string }>(list: readonly T[] | undefined) =>
    list === undefined ? undefined : new Map(list.map(x => [x.name, x]));
  const nodePools = byName(objects.nodePools);
  const ec2NodeClasses = byName(objects.ec2NodeClasses);
  const autoModeNodeClasses = byName(objects.autoModeNodeClasses);
  return {
    ...(nodePools && { nodePools }),
    ...(ec2NodeClasses && { ec2NodeClasses }),
    ...(autoModeNodeClasses && { autoModeNodeClasses }),
    ...(objects.nodeClaims && { nodeClaims: objects.nodeClaims }),
  };
}
