/**
 * Regenerates src/cni/data/instance-limits.json, the instance limits ipguard ships, from the files the
 * VPC CNI and the VPC resource controller generate from EC2 themselves:
 *
 *   npx tsx scripts/gen-instance-limits.ts \
 *     --cni-limits amazon-vpc-cni-k8s/pkg/vpc/vpc_ip_resource_limit.go --cni-commit SHA \
 *     [--branch-limits amazon-vpc-resource-controller-k8s/pkg/aws/vpc/limits.go --branch-commit SHA] \
 *     [--karpenter-instance-types karpenter-provider-aws/website/content/en/preview/reference/instance-types.md ...
 *      --karpenter-commit SHA] \
 *     [--describe-instance-types FILE ...] [--reference test/fixtures/eni-max-pods.json]
 *
 * ENIs and IPv4 per ENI come from the CNI's file (what ipamd itself uses); trunking and branch ENIs from
 * the resource controller's (what security groups for pods uses). vCPUs and memory, first found wins:
 * `aws ec2 describe-instance-types --output json` output; Karpenter's generated instance-type reference
 * (hack/docs/instancetypes_gen), whose labels karpenter.k8s.aws/instance-memory and instance-cpu are
 * DescribeInstanceTypes' MemoryInfo.SizeInMiB and VCpuInfo.DefaultVCpus (pkg/providers/instancetype/types.go
 * computeRequirements), several versions' pages allowed, the first listed first; then vCPUs from the
 * reference table. Neither Go file carries vCPUs or memory, so a type in no sizing source keeps them
 * unknown, never zero.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CniRow {
  readonly maxEnis: number;
  readonly ipv4PerEni: number;
  readonly networkCards: number;
  readonly hypervisor: string;
  readonly bareMetal: boolean;
}

interface BranchRow {
  readonly trunking: boolean;
  readonly branchEnis: number;
}

/** Each `"type": { ... }` block of a generated Go map literal, keyed by type. */
function goMapBlocks(text: string, file: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const starts = [...text.matchAll(/^\t"([a-z0-9.-]+)": \{$/gm)];
  if (starts.length === 0) throw new Error(`${file}: no instance type entries found`);
  starts.forEach((m, i) => {
    const end = i + 1 < starts.length ? (starts[i + 1]?.index ?? text.length) : text.length;
    blocks.set(m[1] ?? '', text.slice(m.index, end));
  });
  return blocks;
}

function intField(block: string, name: string, type: string, file: string): number {
  const m = new RegExp(`\\b${name}:\\s+(\\d+)`).exec(block);
  if (!m?.[1]) throw new Error(`${file}: ${type}: no ${name}`);
  return Number(m[1]);
}

function stringField(block: string, name: string): string | undefined {
  return new RegExp(`\\b${name}:\\s+"([^"]*)"`).exec(block)?.[1];
}

function boolField(block: string, name: string): boolean | undefined {
  const m = new RegExp(`\\b${name}:\\s+(true|false)`).exec(block);
  return m ? m[1] === 'true' : undefined;
}

function parseCniLimits(file: string): Map<string, CniRow> {
  const rows = new Map<string, CniRow>();
  for (const [type, block] of goMapBlocks(readFileSync(file, 'utf8'), file)) {
    const maxEnis = intField(block, 'ENILimit', type, file);
    const defaultCard = intField(block, 'DefaultNetworkCardIndex', type, file);
    const cards = [
      ...block.matchAll(/MaximumNetworkInterfaces:\s+(\d+),\s+NetworkCardIndex:\s+(\d+)/g),
    ];
    const card = cards.find(c => Number(c[2]) === defaultCard);
    // ipamd attaches pod ENIs on the default card only; the file's ENILimit is that card's figure.
    if (card && Number(card[1]) !== maxEnis)
      throw new Error(`${file}: ${type}: ENILimit ${maxEnis} differs from card ${defaultCard}`);
    rows.set(type, {
      maxEnis,
      ipv4PerEni: intField(block, 'IPv4Limit', type, file),
      networkCards: Math.max(1, cards.length),
      hypervisor: stringField(block, 'HypervisorType') ?? 'unknown',
      bareMetal: boolField(block, 'IsBareMetal') ?? false,
    });
  }
  return rows;
}

function parseBranchLimits(file: string): Map<string, BranchRow> {
  const rows = new Map<string, BranchRow>();
  for (const [type, block] of goMapBlocks(readFileSync(file, 'utf8'), file)) {
    rows.set(type, {
      trunking: boolField(block, 'IsTrunkingCompatible') ?? false,
      branchEnis: intField(block, 'BranchInterface', type, file),
    });
  }
  return rows;
}

interface Sizing {
  vcpus?: number;
  memoryMiB?: number;
}

function parseDescribeInstanceTypes(file: string, into: Map<string, Sizing>): void {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    InstanceTypes?: {
      InstanceType?: string;
      VCpuInfo?: { DefaultVCpus?: number };
      MemoryInfo?: { SizeInMiB?: number };
    }[];
  };
  for (const t of doc.InstanceTypes ?? []) {
    if (t.InstanceType === undefined) continue;
    into.set(t.InstanceType, {
      ...(t.VCpuInfo?.DefaultVCpus !== undefined && { vcpus: t.VCpuInfo.DefaultVCpus }),
      ...(t.MemoryInfo?.SizeInMiB !== undefined && { memoryMiB: t.MemoryInfo.SizeInMiB }),
    });
  }
}

/** Each `### \`type\`` section of Karpenter's instance-type reference, with its memory and vCPU labels. */
function parseKarpenterReference(file: string, into: Map<string, Sizing>): number {
  let type: string | undefined;
  let found = 0;
  const add = (t: string, s: Sizing): void => {
    const prev = into.get(t) ?? {};
    into.set(t, { ...s, ...prev });
  };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const heading = /^### `([a-z0-9.-]+)`/.exec(line);
    if (heading) {
      type = heading[1];
      continue;
    }
    const label = /^ \|karpenter\.k8s\.aws\/instance-(memory|cpu)\|(\d+)\|/.exec(line);
    if (!label || type === undefined) continue;
    const value = Number(label[2]);
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`${file}: ${type}: instance-${label[1]} ${label[2]} is not a positive count`);
    add(type, label[1] === 'memory' ? { memoryMiB: value } : { vcpus: value });
    if (label[1] === 'memory') found += 1;
  }
  if (found === 0) throw new Error(`${file}: no karpenter.k8s.aws/instance-memory labels found`);
  return found;
}

function parseReference(file: string, into: Map<string, Sizing>): void {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as { instanceType: string; vcpus?: number }[];
  for (const r of rows) {
    const prev = into.get(r.instanceType);
    if (r.vcpus !== undefined && prev?.vcpus === undefined)
      into.set(r.instanceType, { ...prev, vcpus: r.vcpus });
  }
}

const { values: v } = parseArgs({
  options: {
    'cni-limits': { type: 'string' },
    'cni-commit': { type: 'string' },
    'branch-limits': { type: 'string' },
    'branch-commit': { type: 'string' },
    'describe-instance-types': { type: 'string', multiple: true },
    'karpenter-instance-types': { type: 'string', multiple: true },
    'karpenter-commit': { type: 'string' },
    reference: { type: 'string' },
    out: { type: 'string', default: 'src/cni/data/instance-limits.json' },
  },
});
const cniFile = v['cni-limits'];
const cniCommit = v['cni-commit'];
if (cniFile === undefined || cniCommit === undefined) {
  process.stderr.write('usage: see the comment at the top of scripts/gen-instance-limits.ts\n');
  process.exit(2);
}
const cni = parseCniLimits(cniFile);
const branch = v['branch-limits'] === undefined ? undefined : parseBranchLimits(v['branch-limits']);
const sizing = new Map<string, Sizing>();
for (const f of v['describe-instance-types'] ?? []) parseDescribeInstanceTypes(f, sizing);
const karpenterPages = v['karpenter-instance-types'] ?? [];
if (karpenterPages.length > 0 && v['karpenter-commit'] === undefined) {
  process.stderr.write('--karpenter-instance-types needs --karpenter-commit SHA (provenance)\n');
  process.exit(2);
}
for (const f of karpenterPages) parseKarpenterReference(f, sizing);
if (v.reference !== undefined) parseReference(v.reference, sizing);

const columns = [
  'instanceType',
  'maxEnis',
  'ipv4PerEni',
  'networkCards',
  'hypervisor',
  'bareMetal',
  'trunking',
  'maxBranchEnis',
  'vcpus',
  'memoryMiB',
] as const;
const rows = [...cni.entries()]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([type, c]) => {
    const b = branch?.get(type);
    const s = sizing.get(type);
    return [
      type,
      c.maxEnis,
      c.ipv4PerEni,
      c.networkCards,
      c.hypervisor,
      c.bareMetal,
      b?.trunking ?? null,
      b === undefined ? null : b.trunking ? b.branchEnis : 0,
      s?.vcpus ?? null,
      s?.memoryMiB ?? null,
    ];
  });
const source = {
  limits: {
    repository: 'aws/amazon-vpc-cni-k8s',
    path: 'pkg/vpc/vpc_ip_resource_limit.go',
    commit: cniCommit,
    licence: 'Apache-2.0',
  },
  ...(v['branch-limits'] !== undefined && {
    branchEnis: {
      repository: 'aws/amazon-vpc-resource-controller-k8s',
      path: 'pkg/aws/vpc/limits.go',
      commit: v['branch-commit'] ?? 'unknown',
      licence: 'Apache-2.0',
    },
  }),
  sizing:
    [
      ...((v['describe-instance-types'] ?? []).length > 0
        ? ['aws ec2 describe-instance-types (VCpuInfo.DefaultVCpus, MemoryInfo.SizeInMiB)']
        : []),
      ...(karpenterPages.length > 0
        ? [
            `Karpenter's instance-type reference, labels karpenter.k8s.aws/instance-memory (MemoryInfo.SizeInMiB) and instance-cpu (VCpuInfo.DefaultVCpus)`,
          ]
        : []),
      ...(v.reference !== undefined ? ['vCPUs from the reference table (DefaultVCpus)'] : []),
    ].join('; then ') + '; a type in none keeps vCPUs or memory unknown',
  ...(karpenterPages.length > 0 && {
    memory: {
      repository: 'aws/karpenter-provider-aws',
      paths: karpenterPages.map(f => f.slice(Math.max(0, f.indexOf('website/')))),
      commit: v['karpenter-commit'],
      licence: 'Apache-2.0',
      types: rows.filter(r => r[9] !== null).length,
    },
  }),
};
// One row per line: the table stays diffable when it is refreshed.
const body = [
  '{',
  `  "source": ${JSON.stringify(source)},`,
  `  "columns": ${JSON.stringify(columns)},`,
  '  "types": [',
  rows.map(r => `    ${JSON.stringify(r)}`).join(',\n'),
  '  ]',
  '}',
  '',
].join('\n');
writeFileSync(v.out, body);
process.stdout.write(`${v.out}: ${rows.length} instance types\n`);
