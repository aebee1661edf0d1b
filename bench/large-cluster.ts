/**
 * A large EKS cluster in the formats ipguard reads: 5,000 nodes, 150,000 pods, 3 zones, 6 subnets,
 * realistic DaemonSets, a few hundred workloads. Deterministic, so runs compare.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LargeClusterOptions {
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly zones: readonly string[];
}

export const LARGE: LargeClusterOptions = {
  nodes: 5000,
  podsPerNode: 30,
  zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
};

const DAEMONSETS: { name: string; ns: string; host: boolean; cpu: string; mem: string }[] = [
  { name: 'aws-node', ns: 'kube-system', host: true, cpu: '25m', mem: '0' },
  { name: 'kube-proxy', ns: 'kube-system', host: true, cpu: '100m', mem: '0' },
  { name: 'eks-pod-identity-agent', ns: 'kube-system', host: true, cpu: '25m', mem: '32Mi' },
  { name: 'ebs-csi-node', ns: 'kube-system', host: false, cpu: '30m', mem: '120Mi' },
  { name: 'fluent-bit', ns: 'amazon-cloudwatch', host: false, cpu: '100m', mem: '128Mi' },
  { name: 'otel-agent', ns: 'observability', host: false, cpu: '100m', mem: '256Mi' },
  { name: 'node-exporter', ns: 'observability', host: true, cpu: '50m', mem: '64Mi' },
];

/** Node groups: name, instance type, share of the nodes, allocatable cpu (m), memory (Ki), max pods. */
const GROUPS = [
  { name: 'general', type: 'm5.4xlarge', share: 0.6, cpu: 15890, memKi: 63_000_000, maxPods: 234 },
  { name: 'compute', type: 'c5.4xlarge', share: 0.3, cpu: 15890, memKi: 30_000_000, maxPods: 234 },
  { name: 'memory', type: 'r5.2xlarge', share: 0.1, cpu: 7910, memKi: 63_000_000, maxPods: 58 },
];

/** Subnet i is 10.(16+i).0.0/18: room for the 1,000 or so nodes each one holds. */
function ipOf(subnetIndex: number, n: number): string {
  return `10.${16 + subnetIndex}.${Math.floor(n / 256)}.${n % 256}`;
}

export interface GeneratedCluster {
  readonly dir: string;
  readonly nodes: number;
  readonly pods: number;
  readonly bigRollout: string;
}

export async function writeLargeCluster(
  dir: string,
  o: LargeClusterOptions = LARGE,
): Promise<GeneratedCluster> {
  await mkdir(dir, { recursive: true });
  const subnets = [];
  const subnetCount = o.zones.length * 2;
  for (let i = 0; i < subnetCount; i++) {
    subnets.push({
      SubnetId: `subnet-${(i + 1).toString(16).padStart(17, '0')}`,
      AvailabilityZone: o.zones[i % o.zones.length],
      AvailabilityZoneId: `use1-az${(i % o.zones.length) + 1}`,
      CidrBlock: `10.${16 + i}.0.0/18`,
      AvailableIpAddressCount: 4000 + 500 * i,
      VpcId: 'vpc-0123456789abcdef0',
      State: 'available',
      Tags: [{ Key: 'kubernetes.io/role/internal-elb', Value: '1' }],
    });
  }
  await writeFile(join(dir, 'subnets.json'), JSON.stringify({ Subnets: subnets }));
  const types = [
    { t: 'm5.4xlarge', vcpu: 16, mem: 65536, enis: 8, ipv4: 30 },
    { t: 'c5.4xlarge', vcpu: 16, mem: 32768, enis: 8, ipv4: 30 },
    { t: 'r5.2xlarge', vcpu: 8, mem: 65536, enis: 4, ipv4: 15 },
  ];
  await writeFile(
    join(dir, 'instance-types.json'),
    JSON.stringify({
      InstanceTypes: types.map(x => ({
        InstanceType: x.t,
        Hypervisor: 'nitro',
        BareMetal: false,
        VCpuInfo: { DefaultVCpus: x.vcpu },
        MemoryInfo: { SizeInMiB: x.mem },
        NetworkInfo: {
          MaximumNetworkInterfaces: x.enis,
          Ipv4AddressesPerInterface: x.ipv4,
          DefaultNetworkCardIndex: 0,
          NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: x.enis }],
        },
      })),
    }),
  );

  const items: unknown[] = [];
  const awsEnv = [
    { name: 'WARM_ENI_TARGET', value: '1' },
    { name: 'MINIMUM_IP_TARGET', value: '13' },
    { name: 'WARM_IP_TARGET', value: '2' },
    { name: 'ENABLE_PREFIX_DELEGATION', value: 'false' },
  ];
  for (const ns of [
    'kube-system',
    'amazon-cloudwatch',
    'observability',
    ...Array.from({ length: 40 }, (_, i) => `team-${i}`),
  ]) {
    items.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  for (const ds of DAEMONSETS) {
    items.push({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: ds.name, namespace: ds.ns },
      spec: {
        template: {
          metadata: { labels: { app: ds.name } },
          spec: {
            ...(ds.host && { hostNetwork: true }),
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: ds.name,
                resources: { requests: { cpu: ds.cpu, ...(ds.mem !== '0' && { memory: ds.mem }) } },
                ...(ds.name === 'aws-node' && { env: awsEnv }),
              },
            ],
          },
        },
      },
    });
  }
  // Nodes, spread over groups, zones and the two subnets of each zone.
  const nodes: { name: string; group: (typeof GROUPS)[number]; zone: number; ip: string }[] = [];
  const perSubnet = new Array<number>(subnetCount).fill(10);
  for (let i = 0; i < o.nodes; i++) {
    const g =
      i < o.nodes * GROUPS[0]!.share
        ? GROUPS[0]!
        : i < o.nodes * (GROUPS[0]!.share + GROUPS[1]!.share)
          ? GROUPS[1]!
          : GROUPS[2]!;
    const zone = i % o.zones.length;
    const subnetIndex = zone + o.zones.length * (Math.floor(i / o.zones.length) % 2);
    const ip = ipOf(subnetIndex, (perSubnet[subnetIndex] = (perSubnet[subnetIndex] ?? 0) + 1));
    const name = `ip-${ip.replace(/\./g, '-')}.ec2.internal`;
    nodes.push({ name, group: g, zone, ip });
    items.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'node.kubernetes.io/instance-type': g.type,
          'topology.kubernetes.io/zone': o.zones[zone],
          'eks.amazonaws.com/nodegroup': g.name,
          'kubernetes.io/os': 'linux',
          workload: g.name,
        },
      },
      spec: { providerID: `aws:///${o.zones[zone]}/i-${i.toString(16).padStart(17, '0')}` },
      status: {
        addresses: [{ type: 'InternalIP', address: ip }],
        allocatable: { cpu: `${g.cpu}m`, memory: `${g.memKi}Ki`, pods: String(g.maxPods) },
        capacity: { pods: String(g.maxPods) },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
  }
  // Workloads: 300 Deployments and 30 Rollouts; their pods fill the nodes to podsPerNode.
  let podCount = 0;
  const appPodsPerNode = o.podsPerNode - DAEMONSETS.length;
  const workloads: {
    kind: 'Deployment' | 'Rollout';
    name: string;
    ns: string;
    group: string;
    replicas: number;
    cpu: number;
  }[] = [];
  for (let w = 0; w < 330; w++) {
    const kind = w < 300 ? 'Deployment' : 'Rollout';
    workloads.push({
      kind,
      name: `svc-${w}`,
      ns: `team-${w % 40}`,
      group: GROUPS[w % GROUPS.length]!.name,
      replicas: 0,
      cpu: 200 + (w % 5) * 100,
    });
  }
  // The big one: a 1,000-replica blue/green Rollout, one pod on each of the first 1,000 general nodes.
  const storefront = {
    kind: 'Rollout' as const,
    name: 'storefront',
    ns: 'team-0',
    group: 'general',
    replicas: 0,
    cpu: 500,
  };
  workloads.push(storefront);
  const byGroup = new Map(
    GROUPS.map(g => [g.name, workloads.filter(w => w.group === g.name && w !== storefront)]),
  );
  for (const [n, node] of nodes.entries()) {
    for (const ds of DAEMONSETS) {
      items.push(
        pod(`${ds.name}-${n}`, ds.ns, node.name, ds.host, ds.cpu, ds.mem === '0' ? '0' : ds.mem, {
          kind: 'DaemonSet',
          name: ds.name,
        }),
      );
      podCount += 1;
    }
    const candidates = byGroup.get(node.group.name) ?? [];
    for (let k = 0; k < appPodsPerNode; k++) {
      const w =
        k === 0 && node.group.name === 'general' && storefront.replicas < 1000
          ? storefront
          : candidates[(n * 7 + k) % candidates.length]!;
      w.replicas += 1;
      items.push(
        pod(`${w.name}-${n}-${k}`, w.ns, node.name, false, `${w.cpu}m`, '256Mi', {
          kind: 'ReplicaSet',
          name: `${w.name}-abc123`,
        }),
      );
      podCount += 1;
    }
  }
  for (const w of workloads) {
    const template = {
      metadata: { labels: { app: w.name } },
      spec: {
        nodeSelector: { workload: w.group },
        containers: [
          {
            name: 'app',
            image: `${w.name}:1`,
            resources: { requests: { cpu: `${w.cpu}m`, memory: '256Mi' } },
          },
        ],
      },
    };
    const spec =
      w.kind === 'Deployment'
        ? { replicas: w.replicas, selector: { matchLabels: { app: w.name } }, template }
        : {
            replicas: w.replicas,
            selector: { matchLabels: { app: w.name } },
            template,
            strategy: { blueGreen: { activeService: w.name, autoPromotionEnabled: false } },
          };
    items.push({
      apiVersion: w.kind === 'Deployment' ? 'apps/v1' : 'argoproj.io/v1alpha1',
      kind: w.kind,
      metadata: { name: w.name, namespace: w.ns },
      spec,
      status: {
        replicas: w.replicas,
        ...(w.kind === 'Rollout' && { stableRS: 'abc123', currentPodHash: 'abc123' }),
      },
    });
    items.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${w.name}-abc123`,
        namespace: w.ns,
        labels: {
          [w.kind === 'Rollout' ? 'rollouts-pod-template-hash' : 'pod-template-hash']: 'abc123',
        },
        ownerReferences: [{ apiVersion: 'v1', kind: w.kind, name: w.name, controller: true }],
      },
      spec: { replicas: w.replicas },
      status: { replicas: w.replicas },
    });
  }
  await writeFile(
    join(dir, 'cluster.json'),
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
  );
  return { dir, nodes: o.nodes, pods: podCount, bigRollout: `${storefront.ns}/${storefront.name}` };
}

function pod(
  name: string,
  ns: string,
  node: string,
  host: boolean,
  cpu: string,
  mem: string,
  owner: { kind: string; name: string },
): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, controller: true },
      ],
    },
    spec: {
      nodeName: node,
      ...(host && { hostNetwork: true }),
      containers: [
        { name: 'c', resources: { requests: { cpu, ...(mem !== '0' && { memory: mem }) } } },
      ],
    },
    status: { phase: 'Running' },
  };
}
