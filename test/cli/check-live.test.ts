import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ipguard } from '../helpers/cli.js';
import { ipguardProcess, liveEnv, startBluegreenFakes } from '../helpers/cli-process.js';
import { BLUEGREEN_DIR } from '../helpers/examples.js';
import { tempDir, type TempDirOwner } from '../helpers/temp.js';

const ROLLOUT = join(BLUEGREEN_DIR, 'rollout-v2.yaml');

/** The reference verdict: `check` against the bundled example's snapshot, types file included. */
function fromSnapshot(file: string) {
  return ipguard(['check', '--snapshot', BLUEGREEN_DIR, '-f', file, '--output', 'json']);
}

test('check -f with only a kubeconfig reads the live cluster and EC2, and judges as the snapshot does', async t => {
  const { kube, ec2 } = await startBluegreenFakes(t);
  const env = liveEnv(kube, ec2, tempDir(t, 'check-live'));
  const live = await ipguardProcess(['check', '-f', ROLLOUT, '--output', 'json'], env);
  const files = await fromSnapshot(ROLLOUT);
  assert.equal(files.code, 1, 'the example switch is denied');
  assert.equal(live.code, files.code, live.stderr);
  assert.deepStrictEqual(JSON.parse(live.stdout), JSON.parse(files.out));
  assert.ok(kube.requests.length > 0, 'the cluster was read');
  assert.ok(ec2.requests.length > 0, 'EC2 was asked at AWS_ENDPOINT_URL_EC2');
});

test('check -f reads an AdmissionReview against the live cluster too', async t => {
  const { kube, ec2 } = await startBluegreenFakes(t);
  const env = liveEnv(kube, ec2, tempDir(t, 'check-live'));
  const review = join(BLUEGREEN_DIR, 'review-switch.json');
  const live = await ipguardProcess(['check', '-f', review, '--output', 'json'], env);
  const files = await fromSnapshot(review);
  assert.equal(live.code, files.code, live.stderr);
  assert.deepStrictEqual(JSON.parse(live.stdout), JSON.parse(files.out));
});

test('types EC2 does not describe are judged by the bundled CNI table, never as zero', async t => {
  const { kube, ec2 } = await startBluegreenFakes(t, { instanceTypes: false });
  const env = liveEnv(kube, ec2, tempDir(t, 'check-live'));
  const live = await ipguardProcess(['check', '-f', ROLLOUT, '--output', 'json'], env);
  const files = await fromSnapshot(ROLLOUT);
  assert.equal(live.code, 1, live.stderr);
  const liveResult = (JSON.parse(live.stdout) as { results: { ipsRequired: number }[] }).results[0];
  const fileResult = (JSON.parse(files.out) as { results: { ipsRequired: number }[] }).results[0];
  assert.ok(liveResult && fileResult);
  assert.equal(liveResult.ipsRequired, fileResult.ipsRequired);
});

// Files without instance types: the bundled CNI table answers for the example's real types.
const withoutTypes = [
  {
    name: 'a snapshot without instance-types.json',
    args: (t: TempDirOwner): string[] => {
      const dir = tempDir(t, 'check-live');
      cpSync(BLUEGREEN_DIR, dir, { recursive: true });
      rmSync(join(dir, 'instance-types.json'));
      return ['--snapshot', dir];
    },
  },
  {
    name: '--cluster and --subnets without --instance-types',
    args: (): string[] => [
      '--cluster',
      join(BLUEGREEN_DIR, 'cluster.json'),
      '--subnets',
      join(BLUEGREEN_DIR, 'subnets.json'),
    ],
  },
];
for (const c of withoutTypes) {
  test(`${c.name} judges real types from the bundled table: the same verdict`, async t => {
    const without = await ipguard(['check', ...c.args(t), '-f', ROLLOUT, '--output', 'json']);
    const withTypes = await fromSnapshot(ROLLOUT);
    assert.equal(without.code, 1, without.err);
    assert.deepStrictEqual(JSON.parse(without.out), JSON.parse(withTypes.out));
  });
}
