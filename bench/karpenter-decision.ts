/**
 * A Karpenter NodePool decision on the large cluster: a Deployment whose pods only a NodePool with 50
 * candidate instance types can run, one pod per node (hostname anti-affinity), so every NodeClaim keeps
 * all 50 types and each type's addresses are worked out for the best / worst bounds.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { builtinInstanceLimits } from '../src/cni/builtin-instance-limits.js';
import type { ClusterModel, Workload } from '../src/cluster/model.js';
import { DEFAULT_POLICY } from '../src/policy/config.js';
import { decide } from '../src/policy/decide.js';
import { AddressBook } from '../src/simulate/address-book.js';
import { resolveChange } from '../src/simulate/resolve.js';
import { loadStateFiles, snapshotFiles } from '../src/state/files.js';
import { timeOnNewVersions, type Timing } from './timing.js';

/** GiB of memory per vCPU of the c, m and r families (EC2's published ratios). */
const GIB_PER_VCPU: Readonly<Record<string, number>> = { c: 2, m: 4, r: 8 };
const FAMILIES = ['c5', 'c6i', 'c7i', 'm5', 'm6i', 'm7i', 'r5', 'r6i', 'r7i'];
const SIZES = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge'];
export const KARPENTER_TYPES = 50;
const POOL = 'bench-general';

/** The 50 allowed types, described as describe-instance-types would: ENI figures from the CNI's table. */
function describedTypes(): { names: string[]; doc: unknown } {
  const table = builtinInstanceLimits();
  const names: string[] = [];
  const items: unknown[] = [];
  for (const family of FAMILIES)
    for (const size of SIZES) {
      const name = `${family}.${size}`;
      const l = table.get(name);
      if (!l?.vcpus || names.length >= KARPENTER_TYPES) continue;
      names.push(name);
      items.push({
        InstanceType: name,
        Hypervisor: 'nitro',
        BareMetal: false,
        VCpuInfo: { DefaultVCpus: l.vcpus },
        MemoryInfo: { SizeInMiB: l.vcpus * (GIB_PER_VCPU[family[0] ?? 'm'] ?? 4) * 1024 },
        ProcessorInfo: { SupportedArchitectures: ['x86_64'] },
        NetworkInfo: {
          MaximumNetworkInterfaces: l.maxEnis,
          Ipv4AddressesPerInterface: l.ipv4PerEni,
          DefaultNetworkCardIndex: 0,
          NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: l.maxEnis }],
        },
      });
    }
  if (names.length !== KARPENTER_TYPES)
    throw new Error(`only ${names.length} types in the CNI table for the bench NodePool`);
  return { names, doc: { InstanceTypes: items } };
}

/**
 * The large cluster with a NodePool (and its EC2NodeClass over the cluster's six subnets) and the 50
 * types described, read through the same file readers as `--snapshot`.
 */
export async function karpenterModel(clusterDir: string): Promise<ClusterModel> {
  const files = await snapshotFiles(clusterDir);
  if (files.instanceTypes === undefined) throw new Error(`${clusterDir}: no instance-types.json`);
  const base = JSON.parse(await readFile(files.instanceTypes, 'utf8')) as {
    InstanceTypes: unknown[];
  };
  const subnets = (
    JSON.parse(await readFile(files.subnets, 'utf8')) as {
      Subnets: { SubnetId: string; AvailabilityZone: string }[];
    }
  ).Subnets;
  const { names, doc } = describedTypes();
  const typesFile = join(clusterDir, 'karpenter-instance-types.json');
  await writeFile(
    typesFile,
    JSON.stringify({
      InstanceTypes: [
        ...base.InstanceTypes,
        ...(doc as { InstanceTypes: unknown[] }).InstanceTypes,
      ],
    }),
  );
  const karpenterFile = join(clusterDir, 'karpenter.json');
  await writeFile(
    karpenterFile,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'karpenter.sh/v1',
          kind: 'NodePool',
          metadata: { name: POOL },
          spec: {
            template: {
              spec: {
                nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
                requirements: [
                  { key: 'node.kubernetes.io/instance-type', operator: 'In', values: names },
                  { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
                  { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
                ],
              },
            },
            limits: { cpu: '20000' },
          },
        },
        {
          apiVersion: 'karpenter.k8s.aws/v1',
          kind: 'EC2NodeClass',
          metadata: { name: 'default' },
          spec: { amiSelectorTerms: [{ alias: 'al2023@latest' }], role: 'KarpenterNodeRole' },
          status: { subnets: subnets.map(s => ({ id: s.SubnetId, zone: s.AvailabilityZone })) },
        },
      ],
    }),
  );
  return loadStateFiles({
    ...files,
    cluster: [...files.cluster, karpenterFile],
    instanceTypes: typesFile,
  });
}

/** A Deployment of `replicas` pods that run only on the NodePool's nodes, one per node. */
function poolWorkload(replicas: number): Workload {
  return {
    kind: 'Deployment',
    namespace: 'team-1',
    name: 'bench-karpenter',
    labels: {},
    annotations: {},
    replicas,
    paused: false,
    templateKey: 'bench-karpenter-v1',
    pod: {
      requests: { cpuMilli: 500, memoryBytes: 512 * 2 ** 20 },
      network: 'pool',
      nodeSelector: { 'karpenter.sh/nodepool': POOL },
      requiredNodeTerms: [],
      tolerations: [],
      onePerNode: true,
      labels: { app: 'bench-karpenter' },
    },
    status: {},
  };
}

export interface KarpenterTiming extends Timing {
  readonly verdict: string;
  readonly newNodes: number;
  readonly candidateTypes: number;
  readonly summary: string;
}

/**
 * Timed on a new state version each run (timing.ts: nothing derived per model is reused), with a new
 * address book, as the first such request after a state change pays.
 */
export function timeKarpenterDecision(
  model: ClusterModel,
  replicas = 20,
  runs = 200,
  warmup = 20,
): KarpenterTiming {
  const desired = poolWorkload(replicas);
  const { timing, last } = timeOnNewVersions(model, warmup, runs, m => {
    const { change } = resolveChange(
      m,
      { type: 'workload', workload: desired },
      { nowMs: Date.now() },
    );
    const d = decide({ model: m, change, config: DEFAULT_POLICY, book: new AddressBook() });
    if (d.messages.length === 0) throw new Error('a decision without messages');
    return d;
  });
  return {
    ...timing,
    verdict: last?.verdict ?? '?',
    newNodes: last?.sim.newNodes ?? 0,
    candidateTypes: last?.sim.bounds?.candidateTypes.length ?? 0,
    summary: last?.messages.slice(0, 3).join('; ') ?? '',
  };
}
