import { Ec2CallCounter } from '../../src/ec2/calls.js';
import { createEc2Api } from '../../src/ec2/client.js';
import { createKubeTransport } from '../../src/kube/transport.js';
import { LiveSource, type LiveSourceOptions } from '../../src/state/live-source.js';
import { FakeEc2 } from '../fakes/ec2.js';
import { FakeKubeApi } from '../fakes/kube-api.js';
import { captureLog, scaledDelay } from './async.js';
import { bluegreenInstanceTypes, bluegreenObjects, bluegreenSubnets } from './examples.js';

/**
 * A LiveSource on the loopback fakes serving the blue/green example, with a clock the test moves and
 * backoff and refresh waits scaled down a thousandfold. Everything is closed after the test.
 */
export async function liveSetup(
  t: { after: (fn: () => Promise<void>) => void },
  o: {
    /** Instance types beyond the example's, for tests that bring in new types. */
    readonly instanceTypes?: readonly Record<string, unknown>[];
    readonly config?: Partial<LiveSourceOptions['config']>;
    readonly kube?: LiveSourceOptions['kube'];
  } = {},
) {
  const kube = await FakeKubeApi.start();
  kube.load(bluegreenObjects());
  const ec2 = await FakeEc2.start();
  ec2.load(bluegreenSubnets());
  const types = bluegreenInstanceTypes();
  ec2.load({ InstanceTypes: [...types.InstanceTypes, ...(o.instanceTypes ?? [])] });
  const client = ec2.client();
  const calls = new Ec2CallCounter();
  const { delay } = scaledDelay();
  const { log, lines } = captureLog();
  let nowMs = 5_000_000;
  const source = new LiveSource({
    transport: createKubeTransport(kube.kubeConfig()),
    ec2: createEc2Api(client, calls),
    ec2Calls: calls,
    config: {
      subnetRefreshSeconds: 60,
      instanceTypeRefreshSeconds: 6 * 3600,
      describeNetworkInterfaces: false,
      ...o.config,
    },
    log,
    now: () => nowMs,
    delay,
    kube: o.kube ?? {
      pageSize: 50,
      random: () => 0.5,
      backoff: { baseMs: 50, capMs: 200, jitter: 0 },
    },
    ec2Options: { random: () => 0.5 },
    onClose: () => {
      client.destroy();
    },
  });
  t.after(async () => {
    await source.close();
    await kube.close();
    await ec2.close();
  });
  return {
    kube,
    ec2,
    calls,
    source,
    lines,
    advance: (ms: number) => {
      nowMs += ms;
    },
    nowMs: () => nowMs,
  };
}
