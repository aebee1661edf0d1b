import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, EXAMPLE } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { describeInstanceTypesEntry } from '../helpers/instance-types.js';
import { eniMaxPodsTable } from '../helpers/fixtures.js';

const TYPES = join(EXAMPLE, 'instance-types.json');

test('calc: the story node, m5.2xlarge with MINIMUM_IP_TARGET=13 and 6 pods', async () => {
  const r = await cli([
    'calc',
    '--instance-type',
    'm5.2xlarge',
    '--instance-types',
    TYPES,
    '--pods',
    '6',
    '--cni',
    'MINIMUM_IP_TARGET=13',
    '-o',
    'json',
  ]);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out), { enis: 1, ips: 14, poolIps: 13, prefixes: 0, maxPods: 58 });
  const eight = await cli([
    'calc',
    '--instance-type',
    'm5.2xlarge',
    '--instance-types',
    TYPES,
    '--pods',
    '6',
    '--cni',
    'MINIMUM_IP_TARGET=8',
    '-o',
    'json',
  ]);
  assert.deepEqual(JSON.parse(eight.out), {
    enis: 1,
    ips: 9,
    poolIps: 8,
    prefixes: 0,
    maxPods: 58,
  });
});

test('calc: t3.small with prefix delegation takes max pods from the calculator (110), so 58 pods get 5 prefixes', async () => {
  const r = await cli([
    'calc',
    '--max-enis',
    '3',
    '--ipv4-per-eni',
    '4',
    '--pods',
    '58',
    '--cni',
    'ENABLE_PREFIX_DELEGATION=true',
    '--cni',
    'WARM_PREFIX_TARGET=1',
    '-o',
    'json',
  ]);
  assert.deepEqual(JSON.parse(r.out), { enis: 2, ips: 82, poolIps: 80, prefixes: 5, maxPods: 110 });
});

test('calc: security groups for pods count the trunk and one address per branch pod', async () => {
  const r = await cli([
    'calc',
    '--max-enis',
    '3',
    '--ipv4-per-eni',
    '10',
    '--pods',
    '4',
    '--branch-pods',
    '3',
    '--cni',
    'ENABLE_POD_ENI=true',
    '-o',
    'json',
  ]);
  // Pod ENIs: ceil(4/9) + 1 = 2 (one slot kept for the trunk), the trunk, 18 pool addresses, 3 branch ENIs.
  assert.deepEqual(JSON.parse(r.out), {
    enis: 3,
    ips: 3 + 18 + 3,
    poolIps: 18,
    prefixes: 0,
    maxPods: 29,
  });
});

test('calc text shows the split under custom networking and why', async () => {
  const r = await cli([
    'calc',
    '--max-enis',
    '3',
    '--ipv4-per-eni',
    '10',
    '--pods',
    '6',
    '--cni',
    'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true',
  ]);
  assert.match(r.out, /node subnet +1 +\(the node's own address\)/);
  assert.match(r.out, /ENIConfig subnet +20/);
  // Two ENI slots are left for pods: ceil(6/9) + WARM_ENI_TARGET 1 = 2 fills them.
  assert.match(r.out, /why: WARM_ENI_TARGET=1 keeps a spare ENI of 9 addresses/);
});

test('calc: a bad CNI value falls back like the CNI, with a warning', async () => {
  const r = await cli([
    'calc',
    '--max-enis',
    '3',
    '--ipv4-per-eni',
    '10',
    '--pods',
    '1',
    '--cni',
    'WARM_ENI_TARGET=-2',
    '-o',
    'json',
  ]);
  assert.equal(r.code, 0);
  assert.match(r.err, /WARM_ENI_TARGET="-2" is not valid for the VPC CNI; it uses 1/);
  assert.equal((JSON.parse(r.out) as { enis: number }).enis, 2);
});

test('max-pods agrees with eni-max-pods.txt through the describe-instance-types file for a sample of types', async t => {
  const rows = eniMaxPodsTable();
  const sample = rows.filter((_, i) => i % 37 === 0);
  const dir = tempDir(t, 'maxpods');
  const file = join(dir, 'types.json');
  await writeFile(file, JSON.stringify({ InstanceTypes: sample.map(describeInstanceTypesEntry) }));
  for (const row of sample) {
    const r = await cli([
      'max-pods',
      '--instance-type',
      row.instanceType,
      '--instance-types',
      file,
      '--show-max-allowed',
    ]);
    assert.equal(r.out, `${row.expectedMaxPods}\n`, row.instanceType);
  }
});

test('max-pods flags as in the EKS calculator', async () => {
  const run = async (...a: string[]): Promise<string> => (await cli(['max-pods', ...a])).out.trim();
  assert.equal(await run('--instance-type', 'm5.2xlarge', '--instance-types', TYPES), '58');
  assert.equal(
    await run(
      '--instance-type',
      'm5.large',
      '--instance-types',
      TYPES,
      '--cni-prefix-delegation-enabled',
    ),
    '110',
  );
  assert.equal(
    await run(
      '--instance-type',
      'm5.large',
      '--instance-types',
      TYPES,
      '--cni-prefix-delegation-enabled',
      '--show-max-allowed',
    ),
    '434',
  );
  assert.equal(
    await run(
      '--instance-type',
      'm5.large',
      '--instance-types',
      TYPES,
      '--cni-prefix-delegation-enabled',
      '--cni-version',
      '1.8.0',
    ),
    '29',
  );
  assert.equal(
    await run(
      '--instance-type',
      'm5.large',
      '--instance-types',
      TYPES,
      '--cni-custom-networking-enabled',
    ),
    '20',
  );
  assert.equal(await run('--max-enis', '15', '--ipv4-per-eni', '50', '--vcpus', '96'), '250');
  assert.equal(
    await run(
      '--max-enis',
      '15',
      '--ipv4-per-eni',
      '50',
      '--cni-max-eni',
      '4',
      '--show-max-allowed',
    ),
    '198',
  );
  assert.equal(
    await run('--max-enis', '15', '--ipv4-per-eni', '50', '--cni-max-eni', '4'),
    '110',
    'vCPUs unknown: the 110 cap',
  );
  assert.deepEqual(
    JSON.parse(
      (await cli(['max-pods', '--max-enis', '3', '--ipv4-per-eni', '10', '-o', 'json'])).out,
    ),
    { maxPods: 29 },
  );
});

const bad = [
  { args: ['calc', '--max-enis', '3', '--ipv4-per-eni', '10'], err: /--pods is required/ },
  {
    args: ['calc', '--max-enis', 'three', '--ipv4-per-eni', '10', '--pods', '1'],
    err: /--max-enis: expected a whole number from 1 to 1000, got "three"/,
  },
  {
    args: ['calc', '--max-enis', '3', '--ipv4-per-eni', '1', '--pods', '1'],
    err: /--ipv4-per-eni: expected a whole number from 2 to 1000, got "1"/,
  },
  {
    args: ['calc', '--pods', '1'],
    err: /--instance-type T \[--instance-types FILE\], or as --max-enis N --ipv4-per-eni N/,
  },
  {
    args: ['max-pods', '--instance-type', 'x9.huge'],
    err: /x9\.huge is not in the VPC CNI's instance limits table \(aws\/amazon-vpc-cni-k8s /,
  },
  {
    args: ['max-pods', '--instance-type', 'x9.huge', '--instance-types', TYPES],
    err: /x9\.huge is not in .*instance-types\.json and not in the VPC CNI's instance limits table/,
  },
  {
    args: [
      'calc',
      '--max-enis',
      '3',
      '--ipv4-per-eni',
      '10',
      '--pods',
      '1',
      '--cni',
      'MINIMUM_IP_TARGET',
    ],
    err: /--cni: expected KEY=VALUE/,
  },
  {
    args: ['calc', '--max-enis', '3', '--ipv4-per-eni', '10', '--pods', '99999999999'],
    err: /--pods: expected a whole number from 0 to 1000000, got "99999999999"/,
  },
  {
    args: ['calc', '--max-enis', '5000', '--ipv4-per-eni', '10', '--pods', '1'],
    err: /--max-enis: expected a whole number from 1 to 1000/,
  },
  {
    args: ['calc', '--max-enis', '3', '--ipv4-per-eni', '10', '--pods', '1', '--max-pods', '0'],
    err: /--max-pods: expected a whole number from 1 to 1000000/,
  },
  {
    args: [
      'calc',
      '--max-enis',
      '3',
      '--ipv4-per-eni',
      '10',
      '--pods',
      '1',
      '--branch-pods',
      '1e9',
    ],
    err: /--branch-pods: expected a whole number from 0 to 10000, got "1e9"/,
  },
  { args: ['frobnicate'], err: /unknown command "frobnicate"/ },
] as const;
for (const b of bad) {
  test(`bad usage exits 2 naming the flag: ${b.args.join(' ')}`, async () => {
    const r = await cli([...b.args]);
    assert.equal(r.code, 2);
    assert.match(r.err, b.err);
  });
}

test('an absurd instance types field is refused, not modelled', async t => {
  const dir = tempDir(t, 'types');
  const file = join(dir, 't.json');
  await writeFile(
    file,
    JSON.stringify({
      InstanceTypes: [
        {
          InstanceType: 'm5.large',
          NetworkInfo: { MaximumNetworkInterfaces: 3, Ipv4AddressesPerInterface: 1e9 },
        },
      ],
    }),
  );
  const r = await cli([
    'calc',
    '--instance-type',
    'm5.large',
    '--instance-types',
    file,
    '--pods',
    '5',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.err, /Ipv4AddressesPerInterface: expected at most 1000, got 1000000000/);
});

test('a YAML alias bomb is an input error naming the file, not a crash', async t => {
  const dir = tempDir(t, 'types');
  const file = join(dir, 'bomb.yaml');
  const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    levels.push(
      `${name}: &${name} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
    );
  }
  await writeFile(file, levels.join('\n') + '\n');
  const r = await cli(['max-pods', '--instance-type', 'm5.large', '--instance-types', file]);
  assert.equal(r.code, 2);
  assert.match(r.err, /bomb\.yaml: YAML cannot be expanded/);
});

test('an instance types file with a bad field is named', async t => {
  const dir = tempDir(t, 'types');
  const file = join(dir, 't.json');
  await writeFile(
    file,
    JSON.stringify({
      InstanceTypes: [
        {
          InstanceType: 'm5.large',
          NetworkInfo: { MaximumNetworkInterfaces: 3, Ipv4AddressesPerInterface: '10' },
        },
      ],
    }),
  );
  const r = await cli(['max-pods', '--instance-type', 'm5.large', '--instance-types', file]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /t\.json: InstanceTypes\[0\]\.NetworkInfo\.Ipv4AddressesPerInterface: expected a positive integer, got "10"/,
  );
});

// The bundled table (ipamd's own) answers for real types with no --instance-types file; the figures are
// misc/eni-max-pods.txt's (c7g.16xlarge 737, m5.large 29) and the calculator's 250 cap above 30 vCPUs.
const bundled = [
  { args: ['max-pods', '--instance-type', 'c7g.16xlarge'], out: '250' },
  { args: ['max-pods', '--instance-type', 'c7g.16xlarge', '--show-max-allowed'], out: '737' },
  { args: ['max-pods', '--instance-type', 'm5.large'], out: '29' },
  { args: ['max-pods', '--instance-type', 't3.micro'], out: '4' },
] as const;
for (const b of bundled) {
  test(`real types need no file: ${b.args.join(' ')}`, async () => {
    const r = await cli([...b.args]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), b.out);
  });
}

test('calc on a real type with no file: m5.large holding 10 pods under the defaults', async () => {
  const r = await cli(['calc', '--instance-type', 'm5.large', '--pods', '10', '--output', 'json']);
  assert.equal(r.code, 0, r.err);
  // WARM_ENI_TARGET=1: 10 pods fill the primary ENI's 9 slots and one of the second's; the third ENI is
  // the warm spare. 3 ENIs x 9 secondary addresses + 3 primaries.
  assert.deepStrictEqual(JSON.parse(r.out), {
    enis: 3,
    ips: 30,
    poolIps: 27,
    prefixes: 0,
    maxPods: 29,
  });
});
