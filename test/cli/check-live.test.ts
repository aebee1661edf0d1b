import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ipguard } from '../helpers/cli.js';
import { ipguardProcess, liveEnv, startBluegreenFakes } from '../helpers/cli-process.js';
import { BLUEGREEN_DIR } from '../helpers/examples.js';

const ROLLOUT = join(BLUEGREEN_DIR, 'rollout-v2.yaml');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ipguard-check-live-'));
}

test('check -f with only a kubeconfig reads the live cluster and EC2, and judges as the snapshot does', async t => {
  const { kube, ec2 } = await startBluegreenFakes(t);
  const env = liveEnv(kube, ec2, tmp());
  const live = await ipguardProcess(['check', '-f', ROLLOUT, '--output', 'json'], env);
  const files = await ipguard([
    'check',
    '--snapshot',
    BLUEGREEN_DIR,
    '-f',
    ROLLOUT,
    '--output',
    'json',
  ]);
  assert.equal(files.code, 1, 'the example switch is denied');
  assert.equal(live.code, files.code, live.stderr);
  assert.deepStrictEqual(JSON.parse(live.stdout), JSON.parse(files.out));
  assert.ok(kube.requests.length > 0, 'the cluster was read');
  assert.ok(ec2.requests.length > 0, 'EC2 was asked at AWS_ENDPOINT_URL_EC2');
});

test('check -f reads an AdmissionReview against the live cluster too', async t => {
  const { kube, ec2 } = await startBluegreenFakes(t);
  const env = liveEnv(kube, ec2, tmp());
  const review = join(BLUEGREEN_DIR, 'review-switch.json');
  const live = await ipguardProcess(['check', '-f', review, '--output', 'json'], env);
  const files = await ipguard([
    'check',
    '--snapshot',
    BLUEGREEN_DIR,
    '-f',
    review,
    '--output',
    'json',
  ]);
  assert.equal(live.code, files.code, live.stderr);
  assert.deepStrictEqual(JSON.parse(live.stdout), JSON.parse(files.out));
});

test('types EC2 does not describe are judged by the bundled CNI table, never as zero', async t => {
  const { kube, ec2 } = await startBluegreenFakes(t, { instanceTypes: false });
  const env = liveEnv(kube, ec2, tmp());
  const live = await ipguardProcess(['check', '-f', ROLLOUT, '--output', 'json'], env);
  const files = await ipguard([
    'check',
    '--snapshot',
    BLUEGREEN_DIR,
    '-f',
    ROLLOUT,
    '--output',
    'json',
  ]);
  assert.equal(live.code, 1, live.stderr);
  const liveResult = (JSON.parse(live.stdout) as { results: { ipsRequired: number }[] }).results[0];
  const fileResult = (JSON.parse(files.out) as { results: { ipsRequired: number }[] }).results[0];
  assert.ok(liveResult && fileResult);
  assert.equal(liveResult.ipsRequired, fileResult.ipsRequired);
});

test('a snapshot without instance-types.json uses the bundled table: the same verdict', async () => {
  const dir = tmp();
  cpSync(BLUEGREEN_DIR, dir, { recursive: true });
  rmSync(join(dir, 'instance-types.json'));
  const without = await ipguard(['check', '--snapshot', dir, '-f', ROLLOUT, '--output', 'json']);
  const withTypes = await ipguard([
    'check',
    '--snapshot',
    BLUEGREEN_DIR,
    '-f',
    ROLLOUT,
    '--output',
    'json',
  ]);
  assert.equal(without.code, 1, without.err);
  assert.deepStrictEqual(JSON.parse(without.out), JSON.parse(withTypes.out));
});

test('--cluster and --subnets without --instance-types judge real types from the table', async () => {
  const args = [
    '--cluster',
    join(BLUEGREEN_DIR, 'cluster.json'),
    '--subnets',
    join(BLUEGREEN_DIR, 'subnets.json'),
  ];
  const without = await ipguard(['check', ...args, '-f', ROLLOUT, '--output', 'json']);
  const withTypes = await ipguard([
    'check',
    '--snapshot',
    BLUEGREEN_DIR,
    '-f',
    ROLLOUT,
    '--output',
    'json',
  ]);
  assert.equal(without.code, 1, without.err);
  assert.deepStrictEqual(JSON.parse(without.out), JSON.parse(withTypes.out));
});
