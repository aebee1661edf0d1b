import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { collectionPath, PODS } from '../../src/kube/resources.js';
import { createKubeTransport, KubeHttpError } from '../../src/kube/transport.js';
import { FakeKubeApi } from '../fakes/kube-api.js';
import { waitFor } from '../helpers/async.js';
import { bluegreenObjects } from '../helpers/examples.js';

const PATH = collectionPath(PODS);

async function fake(t: { after: (fn: () => Promise<void>) => void }): Promise<FakeKubeApi> {
  const kube = await FakeKubeApi.start();
  kube.load(bluegreenObjects());
  t.after(() => kube.close());
  return kube;
}

/** `p`, or a rejection after `ms`: a test of something that used to hang fails instead of hanging. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not settle within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('aborting a watch whose response has not started ends it at once', async t => {
  const kube = await fake(t);
  kube.hangWatches = true;
  const transport = createKubeTransport(kube.kubeConfig());
  const ac = new AbortController();
  let opened = false;
  const watch = transport.watch(
    PATH,
    { resourceVersion: kube.resourceVersion },
    () => undefined,
    ac.signal,
    () => {
      opened = true;
    },
  );
  await waitFor(() => kube.counts.watch === 1, 'the watch request');
  ac.abort();
  await within(watch, 1_000, 'the aborted watch');
  assert.equal(opened, false);
});

test('a watch whose response does not start in time fails, so the caller can retry', async t => {
  const kube = await fake(t);
  kube.hangWatches = true;
  const transport = createKubeTransport(kube.kubeConfig(), { watchStartTimeoutMs: 100 });
  await assert.rejects(
    within(
      transport.watch(PATH, {}, () => undefined, new AbortController().signal),
      2_000,
      'the watch',
    ),
    /^Error: watch \/api\/v1\/pods: no response within 0.1 s$/,
  );
});

test('events split across chunks, or several in one, arrive whole and in order', async t => {
  const kube = await fake(t);
  const transport = createKubeTransport(kube.kubeConfig());
  const ac = new AbortController();
  const events: [string, unknown][] = [];
  const watch = transport.watch(
    PATH,
    { resourceVersion: kube.resourceVersion },
    (type, object) => events.push([type, object]),
    ac.signal,
  );
  await waitFor(() => kube.watchers(PODS) === 1, 'the watch');
  const line = (n: number): string =>
    `${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(n) } } })}\n`;
  const two = line(2);
  kube.sendText(PODS, line(1) + two.slice(0, 10));
  kube.sendText(PODS, two.slice(10) + line(3) + line(4).slice(0, 5));
  kube.sendText(PODS, line(4).slice(5));
  await waitFor(() => events.length === 4, 'four events');
  assert.deepStrictEqual(
    events.map(([type, o]) => [type, (o as { metadata: { resourceVersion: string } }).metadata]),
    [1, 2, 3, 4].map(n => ['BOOKMARK', { resourceVersion: String(n) }]),
  );
  ac.abort();
  await within(watch, 1_000, 'the aborted watch');
});

test('a refused watch rejects with the status code and the server message', async t => {
  const kube = await fake(t);
  kube.failNext(PODS, 'watch', 403);
  const transport = createKubeTransport(kube.kubeConfig());
  const err = await transport
    .watch(PATH, {}, () => undefined, new AbortController().signal)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.ok(err instanceof KubeHttpError);
  assert.equal(err.statusCode, 403);
  assert.equal(err.reason, 'Forbidden');
  assert.equal(err.message, 'watch /api/v1/pods: HTTP 403: injected 403');
});

test('a watch the server ends cleanly resolves; one whose connection breaks rejects', async t => {
  const kube = await fake(t);
  const transport = createKubeTransport(kube.kubeConfig());
  const signal = new AbortController().signal;
  const clean = transport.watch(PATH, { resourceVersion: kube.resourceVersion }, () => 0, signal);
  await waitFor(() => kube.watchers(PODS) === 1, 'the first watch');
  kube.dropWatches(PODS, 'end');
  await within(clean, 1_000, 'the closed watch');
  const broken = transport.watch(PATH, { resourceVersion: kube.resourceVersion }, () => 0, signal);
  await waitFor(() => kube.watchers(PODS) === 1, 'the second watch');
  kube.dropWatches(PODS, 'destroy');
  await assert.rejects(within(broken, 1_000, 'the broken watch'));
});

test('a list that does not answer in time fails; aborting one ends it at once', async t => {
  const kube = await fake(t);
  kube.hang = true;
  const transport = createKubeTransport(kube.kubeConfig(), { getTimeoutMs: 100 });
  await assert.rejects(
    within(transport.getJson(PATH, {}, new AbortController().signal), 2_000, 'the list'),
    /no answer within 0.1 s/,
  );
  const ac = new AbortController();
  const slow = createKubeTransport(kube.kubeConfig()).getJson(PATH, {}, ac.signal);
  await waitFor(() => kube.requests.length === 2, 'the second list request');
  ac.abort();
  await assert.rejects(within(slow, 1_000, 'the aborted list'), { name: 'AbortError' });
});

/**
 * What a long-lived signal holds on behalf of calls made with it: its abort listeners, and the
 * dependent signals Node keeps for AbortSignal.any (found by symbol; Node 20 never removes them).
 */
function heldBy(s: AbortSignal): number {
  const dependants = Object.getOwnPropertySymbols(s).find(
    k => k.description === 'kDependantSignals',
  );
  const set =
    dependants === undefined ? undefined : (s as unknown as Record<symbol, unknown>)[dependants];
  // Node's own SafeSet, which is not instanceof Set.
  const size = (set as { size?: unknown } | undefined)?.size;
  return getEventListeners(s, 'abort').length + (typeof size === 'number' ? size : 0);
}

test('lists and watches leave nothing behind on the long-lived signal they are made with', async t => {
  const kube = await fake(t);
  const transport = createKubeTransport(kube.kubeConfig());
  const stop = new AbortController();
  for (let i = 0; i < 20; i++) await transport.getJson(PATH, { limit: 1 }, stop.signal);
  for (let i = 0; i < 5; i++) {
    const watch = transport.watch(
      PATH,
      { resourceVersion: kube.resourceVersion },
      () => 0,
      stop.signal,
    );
    await waitFor(() => kube.watchers(PODS) === 1, 'the watch');
    kube.dropWatches(PODS, 'end');
    await watch;
  }
  assert.equal(heldBy(stop.signal), 0);
});

test('credentials from an exec plugin that hangs neither hold a stopping watch nor wait for ever', async t => {
  const kube = await fake(t);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: kube.url, skipTLSVerify: true }],
    // `aws eks get-token` waiting on an SSO login nobody completes, as far as we can tell.
    users: [
      {
        name: 'exec',
        exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'sleep', args: ['1'] },
      },
    ],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'exec' }],
    currentContext: 'fake',
  });
  const ac = new AbortController();
  const stopped = createKubeTransport(kc).watch(PATH, {}, () => 0, ac.signal);
  setTimeout(() => {
    ac.abort();
  }, 50);
  await within(stopped, 500, 'the watch stopped while waiting for credentials');
  await assert.rejects(
    within(
      createKubeTransport(kc, { watchStartTimeoutMs: 100 }).watch(
        PATH,
        {},
        () => 0,
        new AbortController().signal,
      ),
      500,
      'the watch',
    ),
    /^Error: watch \/api\/v1\/pods: no credentials from the kubeconfig within 0.1 s$/,
  );
  assert.equal(kube.counts.watch, 0);
});
