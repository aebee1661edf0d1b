import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PODS } from '../../src/kube/resources.js';
import { FakeEc2 } from '../fakes/ec2.js';
import { FakeKubeApi } from '../fakes/kube-api.js';
import { ipguard } from '../helpers/cli.js';
import { bluegreenObjects } from '../helpers/examples.js';
import { tempDir } from '../helpers/temp.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

test('a cluster that refuses the list is one line on stderr, exit 2, with what to check', async t => {
  const kube = await FakeKubeApi.start();
  t.after(() => kube.close());
  kube.load(bluegreenObjects());
  kube.failNext(PODS, 'list', 403);
  const dir = tempDir(t, 'live');
  writeFileSync(join(dir, 'kubeconfig'), kube.kubeConfigYaml());
  const r = await ipguard(['report'], { KUBECONFIG: join(dir, 'kubeconfig') });
  assert.equal(r.code, 2);
  assert.equal(
    r.err,
    `ipguard report: the cluster at ${join(dir, 'kubeconfig')} (${kube.url}): GET /api/v1/pods: HTTP 403: injected 403 (check the kubeconfig credentials and RBAC: get, list, watch on the resources in docs/live-state.md)\n`,
  );
});

test('EC2 refusing the credentials is one line on stderr, exit 2, pointing at the IAM policy', async t => {
  const kube = await FakeKubeApi.start();
  const ec2 = await FakeEc2.start();
  t.after(async () => {
    await kube.close();
    await ec2.close();
  });
  kube.load(bluegreenObjects());
  ec2.down(401, 'AuthFailure');
  const dir = tempDir(t, 'live');
  writeFileSync(join(dir, 'kubeconfig'), kube.kubeConfigYaml());
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    KUBECONFIG: join(dir, 'kubeconfig'),
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_EC2: ec2.url,
    AWS_ACCESS_KEY_ID: 'AKIDFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const result = await new Promise<{ code: number | null; stderr: string }>(resolve => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, 'snapshot', '--out', join(dir, 'snap')],
      { env, timeout: 30_000 },
      (err, _stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr });
      },
    );
  });
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    'ipguard snapshot: EC2: AuthFailure: injected outage (check the AWS credentials and the IAM policy in docs/iam-policy.json)\n',
  );
});

test('a kubeconfig that cannot be read is one line on stderr naming the file, exit 2', async t => {
  const dir = tempDir(t, 'live');
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, 'clusters:\n- name: a\n  cluster: {}\n');
  for (const argv of [['snapshot', '--out', join(dir, 'snap')], ['report']]) {
    const r = await ipguard(argv, { KUBECONFIG: file });
    assert.equal(r.code, 2, r.err);
    assert.equal(
      r.err,
      `ipguard ${argv[0] ?? ''}: kubeconfig ${file}: clusters[0].cluster.server is missing\n`,
    );
  }
});

test('KUBECONFIG files that repeat a name merge as kubectl merges them, not an error', async t => {
  const kube = await FakeKubeApi.start();
  t.after(() => kube.close());
  kube.load(bluegreenObjects());
  kube.failNext(PODS, 'list', 403);
  const dir = tempDir(t, 'live');
  const first = join(dir, 'first');
  const second = join(dir, 'second');
  writeFileSync(first, kube.kubeConfigYaml());
  // The same names again, for a server nobody listens on: the first file's entries win.
  writeFileSync(second, kube.kubeConfigYaml().replace(kube.url, 'http://127.0.0.1:9'));
  const kubeconfig = `${first}${delimiter}${second}`;
  const r = await ipguard(['report'], { KUBECONFIG: kubeconfig });
  assert.equal(r.code, 2);
  // The fake's refusal, so the first file's server was asked.
  assert.match(r.err, /HTTP 403: injected 403/);
  assert.ok(r.err.includes(`the cluster at ${kubeconfig} (${kube.url})`), r.err);
});
