import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, EXAMPLE, REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const CLUSTER = join(EXAMPLE, 'cluster.json');
const SUBNETS = join(EXAMPLE, 'subnets.json');
const TYPES = join(EXAMPLE, 'instance-types.json');
const ROLLOUT = join(EXAMPLE, 'rollout-v2.yaml');
/** Real describe-subnets output (aws/aws-cli examples): subnets of other VPCs. */
const AWS_CLI_SUBNETS = join(REPO, 'test', 'fixtures', 'aws-cli', 'describe-subnets.json');

const dir = tempDir({ after }, 'incomplete');
async function temp(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

const readJson = async (path: string): Promise<Record<string, unknown[]>> =>
  JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown[]>;

/** The bundled cluster with its m5.2xlarge nodes labelled with a type no table knows. */
async function clusterOfType(type: string): Promise<string> {
  const text = (await readFile(CLUSTER, 'utf8')).replaceAll('"m5.2xlarge"', JSON.stringify(type));
  return temp(`cluster-${type}.json`, text);
}

/** The bundled instance types, plus `type` with m5.2xlarge's figures. */
async function typesWith(type: string): Promise<string> {
  const doc = await readJson(TYPES);
  const list = doc.InstanceTypes ?? [];
  const m5 = list.find(t => (t as { InstanceType: string }).InstanceType === 'm5.2xlarge');
  return temp(`types-with-${type}.json`, {
    InstanceTypes: [...list, { ...(m5 as object), InstanceType: type }],
  });
}

const SCALE_400 = `apiVersion: autoscaling/v1
kind: Scale
metadata: {namespace: shop, name: checkout}
spec: {replicas: 400}
`;

test('a scale whose new nodes are of a type nothing describes: exit 2, one line naming it', async () => {
  const scale = await temp('scale-400.yaml', SCALE_400);
  const cluster = await clusterOfType('x1.big');
  const known = await typesWith('x1.big');
  const full = await cli([
    'check',
    '-f',
    scale,
    '--cluster',
    cluster,
    '--subnets',
    SUBNETS,
    '--instance-types',
    known,
  ]);
  assert.equal(full.code, 1, 'with the type described it is a deny');

  const r = await cli([
    'check',
    '-f',
    scale,
    '--cluster',
    cluster,
    '--subnets',
    SUBNETS,
    '--instance-types',
    TYPES,
  ]);
  assert.equal(r.code, 2);
  assert.equal(r.out, '', 'no verdict on stdout');
  assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
  assert.match(r.err, /Rollout shop\/checkout/);
  assert.match(r.err, /instance type x1\.big in neither the instance types nor the built-in table/);
  assert.ok(r.err.includes(`--instance-types ${TYPES}`), r.err);
  assert.doesNotMatch(r.err, /fits|needs 0/);
});

test('nodes whose InternalIP lies in no given subnet: exit 2, said once with a count', async () => {
  const scale = await temp('scale-400.yaml', SCALE_400);
  const none = await temp('no-subnets.json', await readFile(AWS_CLI_SUBNETS, 'utf8'));
  for (const output of ['text', 'json']) {
    const r = await cli([
      'check',
      '-f',
      scale,
      '--cluster',
      CLUSTER,
      '--subnets',
      none,
      '--instance-types',
      TYPES,
      '--output',
      output,
    ]);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    const lines = r.err.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.err);
    assert.match(
      r.err,
      /node group apps: no listed subnet holds its nodes in us-east-1a, us-east-1b, us-east-1c/,
    );
    assert.equal(r.err.match(/no listed subnet/g)?.length, 1, 'one cause, one message');
    assert.ok(r.err.includes(`--subnets ${none}`), r.err);
  }
});

test('a Deployment landing on existing nodes in no listed subnet names the nodes with a count', async () => {
  const none = await temp('no-subnets.json', await readFile(AWS_CLI_SUBNETS, 'utf8'));
  const small = await temp(
    'small.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: tiny, namespace: shop}
spec:
  replicas: 6
  selector: {matchLabels: {app: tiny}}
  template:
    metadata: {labels: {app: tiny}}
    spec:
      containers:
        - {name: app, image: app:1, resources: {requests: {cpu: 10m, memory: 16Mi}}}
`,
  );
  const r = await cli([
    'check',
    '-f',
    small,
    '--cluster',
    CLUSTER,
    '--subnets',
    none,
    '--instance-types',
    TYPES,
  ]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /\d+ nodes: InternalIP in no listed subnet: ip-10-20-\d+-\d+\.ec2\.internal \(10\.20\.\d+\.\d+\)/,
  );
  assert.equal(r.err.match(/InternalIP in no listed subnet/g)?.length, 1);
});

test('a deny that stands without the missing parts stays a deny, and names them', async () => {
  const none = await temp('no-subnets.json', await readFile(AWS_CLI_SUBNETS, 'utf8'));
  // 60 pods: the frozen system pools (MINIMUM_IP_TARGET=13) can never serve some of them, wherever
  // the nodes' subnets are.
  const many = await temp(
    'many.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: tiny, namespace: shop}
spec:
  replicas: 60
  selector: {matchLabels: {app: tiny}}
  template:
    metadata: {labels: {app: tiny}}
    spec:
      containers:
        - {name: app, image: app:1, resources: {requests: {cpu: 10m, memory: 16Mi}}}
`,
  );
  const r = await cli([
    'check',
    '-f',
    many,
    '--cluster',
    CLUSTER,
    '--subnets',
    none,
    '--output',
    'json',
  ]);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.out) as { results: { verdict: string; messages: string[] }[] };
  assert.equal(out.results[0]?.verdict, 'deny');
  assert.ok(
    out.results[0]?.messages.some(m =>
      /^not counted: \d+ nodes: InternalIP in no listed subnet/.test(m),
    ),
  );
});

test('real describe-subnets output of other VPCs beside the cluster subnets changes no verdict', async () => {
  const mine = await readJson(SUBNETS);
  const theirs = await readJson(AWS_CLI_SUBNETS);
  const both = await temp('both.json', {
    Subnets: [...(mine.Subnets ?? []), ...(theirs.Subnets ?? [])],
  });
  const base = [
    'check',
    '-f',
    ROLLOUT,
    '--cluster',
    CLUSTER,
    '--instance-types',
    TYPES,
    '--output',
    'json',
  ];
  const before = await cli([...base, '--subnets', SUBNETS]);
  const afterAdding = await cli([...base, '--subnets', both]);
  assert.equal(before.code, 1);
  assert.equal(afterAdding.code, before.code);
  assert.equal(afterAdding.out, before.out);
});

test('report leads with what it cannot see and prints no runway over unknown subnets', async () => {
  const none = await temp('no-subnets.json', await readFile(AWS_CLI_SUBNETS, 'utf8'));
  const args = ['report', '--cluster', CLUSTER, '--subnets', none, '--instance-types', TYPES];
  const text = await cli(args);
  assert.equal(text.code, 0);
  const lines = text.out.split('\n');
  assert.match(lines[1] ?? '', /INCOMPLETE/, 'in the headline, not a footnote');
  assert.match(lines[2] ?? '', /13 nodes: InternalIP in no listed subnet: .* and 10 more/);
  assert.equal(text.out.match(/InternalIP in no listed subnet/g)?.length, 1, text.out);
  assert.doesNotMatch(text.out, /runway: (at least )?\d+ more pods/);
  assert.match(text.out, /runway: unknown \(see INCOMPLETE above\)/);

  const json = await cli([...args, '--output', 'json']);
  const report = JSON.parse(json.out) as { incomplete: string[] };
  assert.ok(report.incomplete.some(l => /^13 nodes: InternalIP in no listed subnet/.test(l)));

  const whole = await cli(['report', '--snapshot', EXAMPLE, '--output', 'json']);
  assert.deepEqual((JSON.parse(whole.out) as { incomplete: string[] }).incomplete, []);
});
