import { collectObjects, emptyClusterObjects } from '../../src/cluster/collect.js';
import { buildClusterModel } from '../../src/cluster/build.js';
import { parseInstanceTypes } from '../../src/cluster/aws/instance-types.js';
import type { ClusterModel, Subnet } from '../../src/cluster/model.js';

/**
 * EC2 figures of a few instance types as DescribeInstanceTypes reports them: default vCPUs, memory in MiB,
 * ENIs of the default card and IPv4 per ENI (the ENI figures as in test/fixtures/eni-max-pods.json, from
 * aws/amazon-vpc-cni-k8s pkg/vpc/vpc_ip_resource_limit.go; memory as EC2 publishes it).
 */
export const EC2_TYPES: Readonly<
  Record<string, { vcpus: number; memoryMiB: number; enis: number; ips: number; arch?: string }>
> = {
  'c5.large': { vcpus: 2, memoryMiB: 4096, enis: 3, ips: 10 },
  'c5.xlarge': { vcpus: 4, memoryMiB: 8192, enis: 4, ips: 15 },
  'm5.large': { vcpus: 2, memoryMiB: 8192, enis: 3, ips: 10 },
  'm5.xlarge': { vcpus: 4, memoryMiB: 16384, enis: 4, ips: 15 },
  'm5.2xlarge': { vcpus: 8, memoryMiB: 32768, enis: 4, ips: 15 },
  'm5.4xlarge': { vcpus: 16, memoryMiB: 65536, enis: 8, ips: 30 },
  'm5.24xlarge': { vcpus: 96, memoryMiB: 393216, enis: 15, ips: 50 },
  't3.large': { vcpus: 2, memoryMiB: 8192, enis: 3, ips: 12 },
  'm6g.large': { vcpus: 2, memoryMiB: 8192, enis: 3, ips: 10, arch: 'arm64' },
  'r5.large': { vcpus: 2, memoryMiB: 16384, enis: 3, ips: 10 },
};

export function describeInstanceTypes(names: readonly string[]): unknown {
  return {
    InstanceTypes: names.map(name => {
      const t = EC2_TYPES[name];
      if (!t) throw new Error(`no figures for ${name}`);
      return {
        InstanceType: name,
        VCpuInfo: { DefaultVCpus: t.vcpus },
        MemoryInfo: { SizeInMiB: t.memoryMiB },
        ProcessorInfo: { SupportedArchitectures: [t.arch ?? 'x86_64'] },
        Hypervisor: 'nitro',
        BareMetal: false,
        NetworkInfo: {
          MaximumNetworkInterfaces: t.enis,
          DefaultNetworkCardIndex: 0,
          NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: t.enis }],
          Ipv4AddressesPerInterface: t.ips,
        },
      };
    }),
  };
}

export interface NodePoolSpec {
  name: string;
  weight?: number;
  requirements?: { key: string; operator: string; values?: string[]; minValues?: number }[];
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  limits?: Record<string, string | number>;
  nodeClass?: string;
  autoMode?: boolean;
}

export function nodePool(p: NodePoolSpec): Record<string, unknown> {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: p.name },
    spec: {
      ...(p.weight !== undefined && { weight: p.weight }),
      ...(p.limits && { limits: p.limits }),
      template: {
        ...(p.labels && { metadata: { labels: p.labels } }),
        spec: {
          nodeClassRef: p.autoMode
            ? { group: 'eks.amazonaws.com', kind: 'NodeClass', name: p.nodeClass ?? 'default' }
            : { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: p.nodeClass ?? 'default' },
          requirements: p.requirements ?? [],
          ...(p.taints && { taints: p.taints }),
        },
      },
    },
  };
}

export function ec2NodeClass(
  name: string,
  subnets: readonly { id: string; zone: string }[],
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name },
    spec: { amiSelectorTerms: [{ alias: 'al2023@latest' }], role: 'KarpenterNodeRole', ...spec },
    status: { subnets },
  };
}

export function autoModeNodeClass(
  name: string,
  subnets: readonly { id: string; zone: string }[],
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'eks.amazonaws.com/v1',
    kind: 'NodeClass',
    metadata: { name },
    spec: { role: 'AutoModeNodeRole', ...spec },
    status: { subnets },
  };
}

export function awsNodeDaemonSet(env: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { namespace: 'kube-system', name: 'aws-node' },
    spec: {
      template: {
        spec: {
          hostNetwork: true,
          containers: [
            {
              name: 'aws-node',
              env: Object.entries(env).map(([name, value]) => ({ name, value })),
              resources: { requests: { cpu: '25m' } },
            },
          ],
        },
      },
    },
  };
}

/** A cluster model built from kubectl-style objects, describe-subnets records and EC2 types. */
export function karpenterCluster(
  objects: readonly unknown[],
  subnets: readonly Subnet[],
  types: readonly string[] = Object.keys(EC2_TYPES),
): ClusterModel {
  const into = emptyClusterObjects();
  collectObjects([{ kind: 'List', items: objects }], 'cluster.json', into);
  return buildClusterModel({
    objects: into,
    subnets: new Map(subnets.map(s => [s.id, s])),
    instanceTypes: parseInstanceTypes(describeInstanceTypes(types), 'instance-types.json'),
  });
}

/** The Karpenter controller Deployment as its Helm chart renders it, with these settings in its env. */
export function karpenterController(
  env: Record<string, string | { valueFrom: unknown }> = {},
  o: { namespace?: string; name?: string } = {},
): Record<string, unknown> {
  const labels = {
    'app.kubernetes.io/name': 'karpenter',
    'app.kubernetes.io/instance': 'karpenter',
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { namespace: o.namespace ?? 'kube-system', name: o.name ?? 'karpenter', labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'controller',
              image:
                'public.ecr.aws/karpenter/controller:1.14.1@sha256:0000000000000000000000000000000000000000000000000000000000000000',
              env: [
                { name: 'KUBERNETES_MIN_VERSION', value: '1.19.0-0' },
                ...Object.entries(env).map(([name, v]) =>
                  typeof v === 'string' ? { name, value: v } : { name, ...v },
                ),
              ],
              resources: { requests: { cpu: '1', memory: '1Gi' } },
            },
          ],
        },
      },
    },
  };
}
