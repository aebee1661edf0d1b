import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClusterModel } from '../../src/cluster/model.js';
import { NODES, PODS } from '../../src/kube/resources.js';
import { loadStateFiles, snapshotFiles } from '../../src/state/files.js';
import { liveStateAvailable, probeLiveState } from '../../src/state/live-available.js';
import { chooseLiveSource, createLiveSource, LiveSource } from '../../src/state/live-source.js';
import { DEFAULT_POLICY } from '../../src/policy/config.js';
import { DEFAULT_SERVE } from '../../src/config.js';
import { InputError } from '../../src/errors.js';
import { FakeKubeApi } from '../fakes/kube-api.js';
import { captureLog, waitFor } from '../helpers/async.js';
import { liveSetup as setup } from '../helpers/live.js';
import {
  BLUEGREEN_DIR,
  bluegreenInstanceTypes,
  bluegreenObjects,
  clone,
} from '../helpers/examples.js';
import { tempDir } from '../helpers/temp.js';

const PRIVATE_SUBNETS = [
  'subnet-0a1f2e3d4c5b6a701',
  'subnet-0b2f3e4d5c6b7a802',
  'subnet-0c3f4e5d6c7b8a903',
];

/** What the live source should show: the files' model, with only the subnets the cluster uses. */
async function expectedModel(): Promise<ClusterModel> {
  const m = await loadStateFiles(await snapshotFiles(BLUEGREEN_DIR));
  return {
    ...m,
    subnets: new Map([...m.subnets].filter(([id]) => PRIVATE_SUBNETS.includes(id))),
  };
}

test('start() resolves with the model the snapshot files give, from the API server and EC2', async t => {
  const h = await setup(t);
  assert.equal(h.source.current(), undefined, 'nothing before start');
  await h.source.start();
  const view = h.source.current();
  assert.ok(view);
  assert.deepStrictEqual(view.model, await expectedModel());
  assert.equal(view.kubeSyncedAtMs, h.nowMs());
  assert.equal(view.subnetsRefreshedAtMs, h.nowMs());
  assert.equal(view.degraded, undefined);
  assert.equal(h.source.health().ready, true);
});

test('current() never calls EC2 and returns the same model until something changes', async t => {
  const h = await setup(t);
  await h.source.start();
  const calls = h.calls.total;
  const first = h.source.current()?.model;
  for (let i = 0; i < 10_000; i++) assert.equal(h.source.current()?.model, first);
  assert.equal(h.calls.total, calls);
});

test('a node of a type only EC2 knows is seen, and its type fetched from EC2 in the background', async t => {
  const h = await setup(t);
  await h.source.start();
  const types = bluegreenInstanceTypes();
  h.ec2.load({
    InstanceTypes: [
      ...types.InstanceTypes,
      { ...types.InstanceTypes[0], InstanceType: 'x9.large' },
    ],
  });
  const node = clone(bluegreenObjects().find(o => o.kind === 'Node'));
  assert.ok(node);
  node.metadata.name = 'ip-10-20-1-99.ec2.internal';
  const labels = node.metadata.labels as Record<string, string>;
  labels['node.kubernetes.io/instance-type'] = 'x9.large';
  (node.status as { addresses: { type: string; address: string }[] }).addresses = [
    { type: 'InternalIP', address: '10.20.1.99' },
  ];
  // Not in the bundled CNI table: only EC2's answer can describe it.
  h.kube.add(node);
  await waitFor(
    () => h.source.current()?.model.instanceTypes.has('x9.large') === true,
    'the new instance type',
  );
  const m = h.source.current()?.model;
  assert.equal(m?.nodes.get('ip-10-20-1-99.ec2.internal')?.subnetId, PRIVATE_SUBNETS[0]);
});

test('during an EC2 outage requests still get the last state, marked degraded with its age', async t => {
  const h = await setup(t);
  await h.source.start();
  const before = h.source.current();
  h.ec2.down(503, 'RequestLimitExceeded');
  h.advance(180_000);
  await waitFor(() => h.source.health().ec2.consecutiveFailures > 0, 'a failed refresh');
  const view = h.source.current();
  assert.ok(view);
  assert.equal(view.model, before?.model);
  assert.equal(view.subnetsRefreshedAtMs, before?.subnetsRefreshedAtMs);
  assert.match(
    view.degraded ?? '',
    /^EC2 failing since 0 s ago \(RequestLimitExceeded: injected outage\); subnets as of 3 min ago$/,
  );
});

test('while a watch is down the state says since when it is behind, and why', async t => {
  const h = await setup(t);
  await h.source.start();
  await waitFor(() => h.kube.watchers(NODES) === 1, 'the node watch');
  h.kube.failNext(NODES, 'watch', 500, 1000);
  const downAt = h.nowMs();
  h.kube.dropWatches(NODES, 'destroy');
  await waitFor(() => h.source.current()?.degraded !== undefined, 'degraded');
  h.advance(30_000);
  const view = h.source.current();
  assert.ok(view);
  assert.equal(view.kubeSyncedAtMs, downAt);
  assert.match(view.degraded ?? '', /^Kubernetes: nodes watch failing for 30 s: /);
});

test('close() while start() waits ends both', async t => {
  const h = await setup(t);
  h.ec2.down(503, 'Unavailable');
  const started = h.source.start();
  await waitFor(() => h.calls.total > 0, 'EC2 asked');
  await h.source.close();
  await assert.rejects(started);
});

test('createLiveSource needs a cluster; liveStateAvailable says whether one answers', async t => {
  const empty = tempDir(t, 'home');
  const config = { ...DEFAULT_SERVE, policy: DEFAULT_POLICY };
  const { log } = captureLog();
  assert.throws(() => createLiveSource(config, log, { HOME: empty }), InputError);
  const t0 = Date.now();
  assert.equal(await liveStateAvailable({ HOME: empty }), false);
  assert.ok(Date.now() - t0 < 100, 'false at once when nothing is configured');

  const kube = await FakeKubeApi.start();
  t.after(() => kube.close());
  const file = join(empty, 'kubeconfig');
  writeFileSync(file, kube.kubeConfigYaml());
  assert.deepStrictEqual(await probeLiveState({ KUBECONFIG: file }), {
    available: true,
    reason: `cluster at ${file} (${kube.url})`,
  });
  kube.hang = true;
  const t1 = Date.now();
  const probe = await probeLiveState({ KUBECONFIG: file }, 200);
  assert.equal(probe.available, false);
  assert.match(probe.reason, /did not answer/);
  assert.ok(Date.now() - t1 < 1_000, 'gives up after the timeout');
});

test('chooseLiveSource gives serve a live source when a cluster answers, undefined otherwise', async t => {
  const home = tempDir(t, 'home');
  const config = { ...DEFAULT_SERVE, policy: DEFAULT_POLICY };
  const { log, lines } = captureLog();
  assert.equal(await chooseLiveSource(config, log, { HOME: home }), undefined);
  assert.ok(lines.some(l => l.msg === 'no live cluster'));

  const kube = await FakeKubeApi.start();
  t.after(() => kube.close());
  const file = join(home, 'kubeconfig');
  writeFileSync(file, kube.kubeConfigYaml());
  const choice = await chooseLiveSource(config, log, { KUBECONFIG: file });
  assert.ok(choice);
  assert.ok(choice.source instanceof LiveSource);
  assert.equal(choice.why, `cluster at ${file} (${kube.url})`);
  assert.equal(choice.source.description, `live cluster ${file} (${kube.url})`);
  assert.equal(choice.source.current(), undefined);
  await choice.source.close();
});

test('in a pod, an API that does not answer yet still means live state, never the bundled example', async t => {
  const home = tempDir(t, 'home');
  const config = { ...DEFAULT_SERVE, policy: DEFAULT_POLICY };
  const { log, lines } = captureLog();
  // A kubeconfig for a server nobody listens on (port 9 is discard, closed here).
  const file = join(home, 'kubeconfig');
  writeFileSync(
    file,
    'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:9\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n',
  );
  assert.equal(
    await chooseLiveSource(config, log, { KUBECONFIG: file }),
    undefined,
    'on a laptop: fall back',
  );
  const choice = await chooseLiveSource(config, log, {
    KUBECONFIG: file,
    KUBERNETES_SERVICE_HOST: '10.100.0.1',
  });
  assert.ok(choice, 'in a pod: wait for the API');
  t.after(() => choice.source.close());
  assert.match(choice.why, /^in-cluster; the cluster at .* did not answer/);
  assert.ok(lines.some(l => l.msg === 'the cluster API does not answer yet; waiting for it'));
  assert.equal(choice.source.current(), undefined, '/readyz fails until the first sync');

  // No token mounted and no kubeconfig: it can never see the cluster, so it says so instead of
  // serving the example.
  await assert.rejects(
    chooseLiveSource(config, log, { HOME: home, KUBERNETES_SERVICE_HOST: '10.100.0.1' }),
    (err: Error) =>
      err instanceof InputError &&
      /no service account token .*automountServiceAccountToken/.test(err.message),
  );
});

test('a watch the API server never answers: degraded after a while, and close() does not wait on it', async t => {
  const h = await setup(t);
  await h.source.start();
  await waitFor(() => h.kube.watchers(PODS) === 1, 'the pod watch');
  h.kube.hangWatches = true;
  const asked = h.kube.counts.watch;
  // A watch that lasted a while, then ended as the server ends them every few minutes.
  h.advance(2_000);
  h.kube.dropWatches(PODS, 'end');
  await waitFor(() => h.kube.counts.watch > asked, 'the pod watch asked for again');
  assert.equal(h.source.current()?.degraded, undefined);
  h.advance(15_000);
  assert.equal(
    h.source.current()?.degraded,
    'Kubernetes: pods watch failing for 15 s: no answer to the watch request for 15 s',
  );
  const t0 = Date.now();
  await h.source.close();
  assert.ok(Date.now() - t0 < 1_000, `close() took ${Date.now() - t0} ms`);
});
