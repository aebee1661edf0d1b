import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeInformers, type KubeInformersOptions } from '../../src/kube/informers.js';
import { createKubeTransport } from '../../src/kube/transport.js';
import { LiveModelBuilder } from '../../src/state/live-model.js';
import { loadStateFiles, snapshotFiles } from '../../src/state/files.js';
import { PODS, ROLLOUTS, NODES } from '../../src/kube/resources.js';
import type { ClusterModel } from '../../src/cluster/model.js';
import { FakeKubeApi, type FakeKubeOptions, type KubeObject } from '../fakes/kube-api.js';
import { captureLog, scaledDelay, waitFor } from '../helpers/async.js';
import { BLUEGREEN_DIR, bluegreenObjects, clone } from '../helpers/examples.js';

const NODE = 'ip-10-20-1-20.ec2.internal';

async function expectedModel(): Promise<ClusterModel> {
  return loadStateFiles(await snapshotFiles(BLUEGREEN_DIR));
}

interface Harness {
  fake: FakeKubeApi;
  informers: KubeInformers;
  waits: number[];
  lines: Record<string, unknown>[];
  model: () => ClusterModel;
}

/** The fake loaded with the example, informers started and synced; torn down after the test. */
async function harness(
  t: { after: (fn: () => Promise<void>) => void },
  setup: (fake: FakeKubeApi) => void = fake => {
    fake.load(bluegreenObjects());
  },
  options: Partial<KubeInformersOptions> = {},
  fakeOptions: FakeKubeOptions = {},
): Promise<Harness> {
  const fake = await FakeKubeApi.start(fakeOptions);
  setup(fake);
  const { delay, waits } = scaledDelay();
  const { log, lines } = captureLog();
  const informers = new KubeInformers({
    transport: createKubeTransport(fake.kubeConfig()),
    log,
    now: Date.now,
    delay,
    pageSize: 7,
    random: () => 0.5,
    ...options,
  });
  t.after(async () => {
    // Bounded, so that a stop() that hangs fails the test instead of the whole run.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      informers.stop(),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error('informers.stop() did not finish within 5 s'));
        }, 5_000);
      }),
    ]).finally(() => {
      clearTimeout(timer);
    });
    await fake.close();
  });
  const files = await expectedModel();
  const builder = new LiveModelBuilder();
  const ec2 = { version: 1, subnets: files.subnets, instanceTypes: files.instanceTypes };
  informers.start();
  await informers.synced;
  return {
    fake,
    informers,
    waits,
    lines,
    model: () => builder.build(informers.store.view(), ec2),
  };
}

function pod(
  name: string,
  node: string,
  opts: { cpu?: string; phase?: string; rs?: string } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      ...(opts.rs !== undefined && {
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: opts.rs, uid: 'rs', controller: true },
        ],
      }),
    },
    spec: {
      nodeName: node,
      containers: [
        {
          name: 'c',
          image: 'x',
          resources: { requests: { cpu: opts.cpu ?? '250m', memory: '256Mi' } },
        },
      ],
    },
    status: { phase: opts.phase ?? 'Running' },
  };
}

test('the first sync gives the model the snapshot files give, through paginated lists', async t => {
  const h = await harness(t);
  assert.deepStrictEqual(h.model(), await expectedModel());
  const podLists = h.fake.requests.filter(
    r => r.path === '/api/v1/pods' && r.query.watch === undefined,
  );
  assert.ok(podLists.length > 10, `pods listed in pages of 7 (${podLists.length} requests)`);
  assert.ok(podLists.slice(1).every(r => r.query.continue !== undefined && r.query.limit === '7'));
  await waitFor(() => h.fake.watchers(PODS) === 1, 'the pod watch');
  const watch = h.fake.requests.find(r => r.path === '/api/v1/pods' && r.query.watch === 'true');
  assert.ok(watch);
  assert.equal(watch.query.allowWatchBookmarks, 'true');
  assert.equal(watch.auth, 'Bearer fake-token');
  assert.ok(Number(watch.query.resourceVersion) > 0, 'watches from the list resourceVersion');
  assert.equal(h.informers.health().synced, true);
});

test('added, modified and deleted pods move the node usage and the workload spread', async t => {
  const h = await harness(t);
  await waitFor(() => h.fake.watchers(PODS) === 1, 'the pod watch');
  const before = h.model().nodes.get(NODE)?.usage;
  assert.ok(before);
  const rs = h.model().replicaSets.find(r => r.ownerKind === 'Rollout');
  assert.ok(rs);
  const key = `Rollout/${rs.namespace}/${rs.ownerName ?? ''}`;
  const spreadBefore = h.model().workloadNodes.get(key)?.get(NODE) ?? 0;

  const p = pod('extra', NODE, { cpu: '500m', rs: rs.name });
  (p.metadata as { namespace: string }).namespace = rs.namespace;
  h.fake.add(p);
  await waitFor(() => h.model().nodes.get(NODE)?.usage.pods === before.pods + 1, 'the added pod');
  const added = h.model().nodes.get(NODE)?.usage;
  assert.ok(added);
  assert.equal(added.poolPods, before.poolPods + 1);
  assert.equal(added.cpuMilli, before.cpuMilli + 500);
  assert.equal(h.model().workloadNodes.get(key)?.get(NODE), spreadBefore + 1);

  const done = clone(p);
  done.status = { phase: 'Succeeded' };
  h.fake.update(done);
  await waitFor(() => h.model().nodes.get(NODE)?.usage.pods === before.pods, 'the finished pod');
  assert.deepStrictEqual(h.model().nodes.get(NODE)?.usage, before);
  assert.equal(h.model().workloadNodes.get(key)?.get(NODE) ?? 0, spreadBefore);

  const bigger = clone(p);
  (
    bigger.spec as { containers: { resources: { requests: { cpu: string } } }[] }
  ).containers[0]!.resources.requests.cpu = '1';
  h.fake.update(bigger);
  await waitFor(
    () => h.model().nodes.get(NODE)?.usage.cpuMilli === before.cpuMilli + 1000,
    'the running pod again',
  );
  h.fake.remove(bigger);
  await waitFor(() => h.model().nodes.get(NODE)?.usage.pods === before.pods, 'the deleted pod');
  assert.deepStrictEqual(h.model().nodes.get(NODE)?.usage, before);
});

test('a status-only pod update changes nothing the model reads', async t => {
  const h = await harness(t);
  await waitFor(() => h.fake.watchers(PODS) === 1, 'the pod watch');
  const m1 = h.model();
  const existing = bluegreenObjects().find(
    o => o.kind === 'Pod' && (o.spec as { nodeName?: string }).nodeName === NODE,
  );
  assert.ok(existing);
  const touched = clone(existing);
  touched.status = {
    ...(touched.status as object),
    conditions: [{ type: 'Ready', status: 'False' }],
  };
  const version = h.informers.store.version;
  h.fake.update(touched);
  h.fake.bookmark(PODS);
  // Events on one stream arrive in order: once this pod is in, the two above were handled.
  const other = [...m1.nodes.keys()].find(n => n !== NODE) ?? '';
  h.fake.add(pod('sentinel', other));
  await waitFor(() => h.informers.store.version > version, 'the sentinel pod');
  assert.equal(h.informers.store.version, version + 1, 'only the sentinel changed the state');
  assert.equal(h.model().nodes.get(NODE), m1.nodes.get(NODE), 'the node object is reused');
});

test('a dropped watch is restarted from the last resourceVersion, a broken one after a backoff', async t => {
  const h = await harness(t);
  await waitFor(() => h.fake.watchers(PODS) === 1, 'the pod watch');
  const before = h.model().nodes.get(NODE)?.usage.pods ?? 0;

  assert.equal(h.fake.dropWatches(PODS, 'end'), 1);
  h.fake.add(pod('while-closed', NODE));
  await waitFor(
    () => h.model().nodes.get(NODE)?.usage.pods === before + 1,
    'the event replayed after a clean close',
  );

  h.fake.dropWatches(PODS, 'destroy');
  h.fake.add(pod('while-broken', NODE));
  await waitFor(
    () => h.model().nodes.get(NODE)?.usage.pods === before + 2,
    'the event replayed after a broken watch',
  );
  const pods = h.informers.health().resources.find(r => r.resource === 'pods');
  assert.ok(pods);
  assert.equal(pods.relists, 0, 'no relist: the watch resumed');
  assert.ok(pods.watches >= 3);
});

test('failing watches back off exponentially up to the cap, and the state says it is behind meanwhile', async t => {
  const h = await harness(t, undefined, {
    backoff: { baseMs: 100, capMs: 400, jitter: 0 },
    // The watch dropped below closes at once without an event: not a failure for this test.
    minHealthyWatchMs: 0,
  });
  await waitFor(() => h.fake.watchers(NODES) === 1, 'the node watch');
  h.fake.failNext(NODES, 'watch', 500, 4);
  h.fake.dropWatches(NODES, 'end');
  await waitFor(() => h.informers.health().degraded !== undefined, 'degraded');
  assert.match(
    h.informers.health().degraded ?? '',
    /nodes watch failing for \d+ s: watch \/api\/v1\/nodes: HTTP 500: injected 500/,
  );
  assert.ok(h.informers.health().downSinceMs !== undefined);
  await waitFor(() => h.fake.watchers(NODES) === 1, 'the node watch back');
  await waitFor(() => h.informers.health().degraded === undefined, 'current again');
  assert.deepStrictEqual(
    h.waits.filter(w => w >= 100 && w <= 400),
    [100, 200, 400, 400],
  );
  const nodes = h.informers.health().resources.find(r => r.resource === 'nodes');
  assert.equal(nodes?.failures, 4);
});

for (const goneAs of ['event', 'http'] as const) {
  test(`410 Gone on the watch (${goneAs === 'event' ? 'an ERROR event' : 'HTTP 410'}) relists`, async t => {
    const h = await harness(t, undefined, {}, { goneAs });
    await waitFor(() => h.fake.watchers(PODS) === 1, 'the pod watch');
    const before = h.model().nodes.get(NODE)?.usage.pods ?? 0;
    // Events the watch will never see: the server forgets them, the reconnecting watch gets 410.
    h.fake.add(pod('unseen', NODE));
    h.fake.compact();
    h.fake.dropWatches(undefined, 'destroy');
    await waitFor(() => h.model().nodes.get(NODE)?.usage.pods === before + 1, 'the relisted pod');
    const pods = h.informers.health().resources.find(r => r.resource === 'pods');
    assert.ok((pods?.relists ?? 0) >= 1);
    const u = (await expectedModel()).nodes.get(NODE)?.usage;
    assert.ok(u);
    assert.deepStrictEqual(h.model().nodes.get(NODE)?.usage, {
      ...u,
      pods: u.pods + 1,
      poolPods: u.poolPods + 1,
      cpuMilli: u.cpuMilli + 250,
      memoryBytes: u.memoryBytes + 256 * 2 ** 20,
      scoreCpuMilli: u.scoreCpuMilli + 250,
      scoreMemoryBytes: u.scoreMemoryBytes + 256 * 2 ** 20,
    });
  });
}

test('an expired continue token restarts the list from the first page', async t => {
  let expired = false;
  const h = await harness(t, fake => {
    fake.load(bluegreenObjects());
    fake.listDelayMs = 1;
    // Expire tokens as soon as the first pod page has gone out.
    const origin = fake.requests;
    const timer = setInterval(() => {
      if (
        !expired &&
        origin.some(r => r.path === '/api/v1/pods' && r.query.continue !== undefined)
      ) {
        fake.expireContinueTokens();
        expired = true;
        clearInterval(timer);
      }
    }, 0);
  });
  assert.ok(expired);
  assert.deepStrictEqual(h.model(), await expectedModel());
  const pods = h.informers.health().resources.find(r => r.resource === 'pods');
  assert.ok((pods?.relists ?? 0) >= 1, 'the list started over');
});

test('an absent CRD is an empty collection, looked for again later', async t => {
  const h = await harness(t, fake => {
    fake.load(bluegreenObjects().filter(o => o.kind !== 'Rollout'));
  });
  const rollouts = h.informers.health().resources.find(r => r.resource === 'rollouts');
  assert.ok(rollouts);
  assert.equal(rollouts.phase, 'absent');
  assert.equal(rollouts.synced, true);
  assert.equal(h.informers.health().degraded, undefined, 'an absent CRD is not a problem');
  assert.equal([...h.model().workloads.values()].filter(w => w.kind === 'Rollout').length, 0);
  const rollout = bluegreenObjects().find(o => o.kind === 'Rollout');
  assert.ok(rollout);
  h.fake.load([rollout]);
  // The retry is 5 minutes; the scaled delay makes it 300 ms.
  await waitFor(
    () => [...h.model().workloads.values()].some(w => w.kind === 'Rollout'),
    'the CRD found again',
  );
  assert.equal(
    h.informers.health().resources.find(r => r.resource === 'rollouts')?.phase,
    'watching',
  );
  h.fake.setInstalled(ROLLOUTS, false);
  await waitFor(
    () => ![...h.model().workloads.values()].some(w => w.kind === 'Rollout'),
    'the CRD removed',
  );
});

test('a malformed object is logged and skipped; the rest keeps working', async t => {
  const h = await harness(t);
  await waitFor(() => h.fake.watchers(PODS) === 1, 'the pod watch');
  const before = h.model().nodes.get(NODE)?.usage.pods ?? 0;
  const bad = pod('bad', NODE);
  (bad.spec as Record<string, unknown>).containers = [
    { name: 'c', resources: { requests: { cpu: 'lots' } } },
  ];
  h.fake.add(bad);
  h.fake.sendRaw(PODS, { type: 'ADDED', object: { kind: 'Pod', metadata: {} } });
  h.fake.add(pod('good', NODE));
  await waitFor(() => h.model().nodes.get(NODE)?.usage.pods === before + 1, 'the good pod');
  const pods = h.informers.health().resources.find(r => r.resource === 'pods');
  assert.equal(pods?.skipped, 2);
  assert.ok(
    h.lines.some(
      l =>
        l.msg === 'skipping an object that cannot be read' &&
        String(l.err).includes('not a quantity'),
    ),
  );
});

test('a list that fails at start is retried; synced waits for it', async t => {
  const h = await harness(
    t,
    fake => {
      fake.load(bluegreenObjects());
      fake.failNext(PODS, 'list', 503, 2);
    },
    { backoff: { baseMs: 50, capMs: 1000, jitter: 0 } },
  );
  assert.deepStrictEqual(h.model(), await expectedModel());
  const pods = h.informers.health().resources.find(r => r.resource === 'pods');
  assert.equal(pods?.failures, 2);
  assert.ok(h.waits.includes(50) && h.waits.includes(100));
});

test('a watch silent for longer than the server would keep it is taken for dead and restarted', async t => {
  let nowMs = 1_000_000;
  const h = await harness(
    t,
    fake => {
      fake.load(bluegreenObjects());
      fake.ignoreWatchTimeout = true;
    },
    { now: () => nowMs, watchTimeoutSeconds: 10, minHealthyWatchMs: 0 },
  );
  await waitFor(() => h.fake.watchers(PODS) === 1, 'the pod watch');
  nowMs += 41_000;
  const podFailures = (): number =>
    h.informers.health().resources.find(r => r.resource === 'pods')?.failures ?? 0;
  await waitFor(() => podFailures() >= 1, 'the silent pod watch given up');
  await waitFor(() => h.fake.watchers(PODS) === 1, 'a new pod watch');
  assert.ok(h.lines.some(l => l.resource === 'pods' && l.err === 'the watch went silent for 40 s'));
  // Still current: the new watch replays from the last resourceVersion.
  const before = h.model().nodes.get(NODE)?.usage.pods ?? 0;
  h.fake.add(pod('after-silence', NODE));
  await waitFor(() => h.model().nodes.get(NODE)?.usage.pods === before + 1, 'the event');
});

test('a watch whose response never starts: degraded meanwhile, restarted by the watchdog, stop() at once', async t => {
  let nowMs = 1_000_000;
  const h = await harness(t, undefined, {
    now: () => nowMs,
    watchTimeoutSeconds: 10,
    minHealthyWatchMs: 0,
  });
  await waitFor(() => h.fake.watchers(PODS) === 1, 'the pod watch');
  const podWatches = (): number =>
    h.fake.requests.filter(r => r.path === '/api/v1/pods' && r.query.watch === 'true').length;
  const first = podWatches();
  h.fake.hangWatches = true;
  h.fake.dropWatches(PODS, 'end');
  await waitFor(() => podWatches() === first + 1, 'the pod watch asked for again');
  assert.equal(h.informers.health().degraded, undefined, 'a moment without an answer is normal');

  // The other watches are open (and quiet): only the pods are behind.
  nowMs += 11_000;
  assert.equal(
    h.informers.health().degraded,
    'pods watch failing for 11 s: no answer to the watch request for 11 s',
  );
  assert.equal(h.informers.health().downSinceMs, 1_000_000);

  // Past the server's timeout and the grace, the watchdog gives up on it and asks again.
  nowMs += 30_000;
  await waitFor(() => podWatches() === first + 2, 'a new pod watch request');
  const pods = h.informers.health().resources.find(r => r.resource === 'pods');
  assert.equal(pods?.failures, 1);
  assert.equal(pods.lastError, 'the watch went silent for 40 s');

  h.fake.hangWatches = false;
  nowMs += 41_000;
  await waitFor(() => h.fake.watchers(PODS) === 1, 'the pod watch open again');
  await waitFor(() => h.informers.health().degraded === undefined, 'current again');

  h.fake.hangWatches = true;
  h.fake.dropWatches(undefined, 'end');
  await waitFor(() => podWatches() === first + 4, 'the pod watch stuck again');
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    h.informers.stop(),
    new Promise((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error('stop() waited on a watch that never answered'));
      }, 2_000);
    }),
  ]).finally(() => {
    clearTimeout(timer);
  });
  assert.ok(Date.now() - t0 < 1_000);
});
