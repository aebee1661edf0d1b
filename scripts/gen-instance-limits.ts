/**
 * Regenerates src/cni/data/instance-limits.json, the instance limits ipguard ships, from the files the
 * VPC CNI and the VPC resource controller generate from EC2 themselves:
 *
 *   npx tsx scripts/gen-instance-limits.ts \
 *     --cni-limits amazon-vpc-cni-k8s/pkg/vpc/vpc_ip_resource_limit.go --cni-commit SHA \
 *     [--branch-limits amazon-vpc-resource-controller-k8s/pkg/aws/vpc/limits.go --branch-commit SHA] \
 *     [--describe-instance-types FILE ...] [--reference test/fixtures/eni-max-pods.json]
 *
 * ENIs and IPv4 per ENI come from the CNI's file (what ipamd itself uses); trunking and branch ENIs from
 * the resource controller's (what security groups for pods uses); vCPUs and memory from
 * `aws ec2 describe-instance-types --output json` output when given, else vCPUs from the reference table.
 * Neither Go file carries vCPUs or memory, so a type without them keeps them unknown, never zero.
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

function parseReference(file: string, into: Map<string, Sizing>): void {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as { instanceType: string; vcpus?: number }[];
  for (const r of rows) {
    if (r.vcpus !== undefined && !into.has(r.instanceType))
      into.set(r.instanceType, { vcpus: r.vcpus });
  }
}

const { values: v } = parseArgs({
  options: {
    'cni-limits': { type: 'string' },
    'cni-commit': { type: 'string' },
    'branch-limits': { type: 'string' },
    'branch-commit': { type: 'string' },
    'describe-instance-types': { type: 'string', multiple: true },
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
    (v['describe-instance-types'] ?? []).length > 0
      ? 'aws ec2 describe-instance-types (VCpuInfo.DefaultVCpus, MemoryInfo.SizeInMiB)'
      : 'vCPUs from the reference table test/fixtures/eni-max-pods.json (DefaultVCpus); memory unknown',
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
