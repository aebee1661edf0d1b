import type { Logger } from 'pino';
import type { ServeConfig } from '../config.js';
import type { Ec2Api } from '../ec2/api.js';
import { Ec2CallCounter } from '../ec2/calls.js';
import { createEc2Api, createEc2Client } from '../ec2/client.js';
import { Ec2State, type Ec2Health, type Ec2StateOptions } from '../ec2/ec2-state.js';
import { demandOf } from '../cluster/aws/subnet-selection.js';
import { KubeInformers, type KubeHealth, type KubeInformersOptions } from '../kube/informers.js';
import { loadKubeConfig, SERVICE_ACCOUNT_TOKEN } from '../kube/kubeconfig.js';
import { createKubeTransport, type KubeTransport } from '../kube/transport.js';
import { realDelay, type Clock, type Delay } from '../timing/delay.js';
import { InputError } from '../errors.js';
import { probeLiveState } from './live-available.js';
import { LiveModelBuilder } from './live-model.js';
import type { ClusterModel } from '../cluster/model.js';
import type { StateSource, StateView } from './source.js';

export type LiveConfig = Pick<
  ServeConfig,
  | 'subnetRefreshSeconds'
  | 'instanceTypeRefreshSeconds'
  | 'describeNetworkInterfaces'
  | 'clusterName'
>;

export interface LiveSourceOptions {
  readonly transport: KubeTransport;
  readonly ec2: Ec2Api;
  /** The counter `ec2` records into: the benchmark and /metrics read it through `ec2Calls`. */
  readonly ec2Calls: Ec2CallCounter;
  readonly config: LiveConfig;
  readonly log: Logger;
  readonly now?: Clock;
  readonly delay?: Delay;
  /** Tuning for tests and benchmarks (page size, backoff policies, jitter source). */
  readonly kube?: Partial<Omit<KubeInformersOptions, 'transport' | 'log' | 'now' | 'delay'>>;
  readonly ec2Options?: Partial<Omit<Ec2StateOptions, 'api' | 'log' | 'now' | 'delay'>>;
  readonly description?: string;
  /** Runs last in close(): release what the factory made (the EC2 client's sockets). */
  readonly onClose?: () => void;
}

export interface LiveHealth {
  /** start() has finished: Kubernetes listed in full and EC2 loaded once. */
  readonly ready: boolean;
  readonly kube: KubeHealth;
  readonly ec2: Ec2Health;
}

function ago(nowMs: number, atMs: number): string {
  const s = Math.max(0, Math.round((nowMs - atMs) / 1000));
  return s < 120 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

/**
 * State from the running cluster and EC2: informers keep compact projections current, a background
 * refresher keeps subnets and instance types from EC2, and `current()` assembles the model from both
 * without waiting on either. When a watch is down or EC2 fails, the last state is still served, with
 * its age and the reason in `degraded`.
 */
/** How long one model serves decisions while the watches keep changing the state under it. */
export const MODEL_REFRESH_MS = 1000;

export class LiveSource implements StateSource {
  readonly description: string;
  readonly ec2Calls: Ec2CallCounter;
  readonly #kube: KubeInformers;
  readonly #ec2: Ec2State;
  readonly #builder = new LiveModelBuilder();
  readonly #now: Clock;
  readonly #log: Logger;
  readonly #onClose: (() => void) | undefined;
  readonly #closed = new AbortController();
  #ready = false;
  #model: ClusterModel | undefined;
  #modelBuiltAtMs = 0;
  /** The EC2 answers the model was built on: new ones (every minute at most) rebuild it at once. */
  #modelEc2: unknown;
  #demandTopology = -1;
  #demandTimer: NodeJS.Immediate | undefined;

  constructor(o: LiveSourceOptions) {
    this.description = o.description ?? 'live cluster';
    this.ec2Calls = o.ec2Calls;
    this.#now = o.now ?? Date.now;
    this.#log = o.log;
    this.#onClose = o.onClose;
    const delay = o.delay ?? realDelay;
    this.#kube = new KubeInformers({
      ...o.kube,
      transport: o.transport,
      log: o.log,
      now: this.#now,
      delay,
    });
    this.#ec2 = new Ec2State({
      subnetRefreshMs: o.config.subnetRefreshSeconds * 1000,
      instanceTypeRefreshSeconds: o.config.instanceTypeRefreshSeconds,
      describeNetworkInterfaces: o.config.describeNetworkInterfaces,
      ...(o.config.clusterName !== undefined && { clusterName: o.config.clusterName }),
      ...o.ec2Options,
      api: o.ec2,
      log: o.log,
      now: this.#now,
      delay,
    });
    // New nodes, instance types or ENIConfigs mean new questions for EC2; ask outside the event path.
    this.#kube.store.onTopologyChange = () => {
      if (!this.#ready || this.#demandTimer) return;
      this.#demandTimer = setImmediate(() => {
        this.#demandTimer = undefined;
        this.#updateDemand();
      });
    };
  }

  async start(): Promise<void> {
    const t0 = this.#now();
    this.#kube.start();
    const closed = new Promise<never>((_, reject) => {
      this.#closed.signal.addEventListener(
        'abort',
        () => {
          reject(new Error('the live state was closed before it loaded'));
        },
        { once: true },
      );
    });
    closed.catch(() => undefined);
    await Promise.race([this.#kube.synced, closed]);
    this.#log.info(
      {
        pods: this.#kube.store.view().pods,
        nodes: this.#kube.store.view().nodes.size,
        ms: this.#now() - t0,
      },
      'Kubernetes state synced',
    );
    this.#updateDemand();
    await Promise.race([this.#ec2.start(), closed]);
    this.#ready = true;
    this.#updateDemand();
    // Build the first model now (tens of ms for thousands of nodes), not in the first admission request.
    this.current();
    this.#log.info({ ms: this.#now() - t0, ec2Calls: this.ec2Calls.total }, 'live state ready');
  }

  #updateDemand(): void {
    const v = this.#kube.store.view();
    if (v.topologyVersion === this.#demandTopology) return;
    this.#demandTopology = v.topologyVersion;
    this.#ec2.setDemand({
      ...demandOf(
        v.nodes.values(),
        v.eniConfigs.values(),
        v.daemonSets,
        [
          ...(v.karpenter.ec2NodeClasses?.values() ?? []),
          ...(v.karpenter.autoModeNodeClasses?.values() ?? []),
        ].flatMap(c => c.subnets.map(s => s.id)),
      ),
      // NodePools launch any type the region offers that their requirements allow.
      ...(v.karpenter.nodePools !== undefined && { regionInstanceTypes: true }),
    });
  }

  current(): StateView | undefined {
    if (!this.#ready) return undefined;
    const ec2 = this.#ec2.view();
    if (!ec2) return undefined;
    const nowMs = this.#now();
    // Under pod churn every event changes the view. Rebuilding per admission would also throw away
    // what decisions derive from the model (candidate nodes, placements), so a model serves for up to
    // MODEL_REFRESH_MS; reservations cover what was admitted meanwhile.
    let model = this.#model;
    if (!model || nowMs - this.#modelBuiltAtMs >= MODEL_REFRESH_MS || this.#modelEc2 !== ec2) {
      model = this.#builder.build(this.#kube.store.view(), ec2);
      this.#model = model;
      this.#modelEc2 = ec2;
      this.#modelBuiltAtMs = nowMs;
    }
    const kube = this.#kube.health();
    const e = this.#ec2.health();
    const subnetsAt = e.subnetsRefreshedAtMs ?? nowMs;
    const reasons: string[] = [];
    if (kube.degraded !== undefined) reasons.push(`Kubernetes: ${kube.degraded}`);
    if (e.failingSinceMs !== undefined) {
      reasons.push(
        `EC2 failing since ${ago(nowMs, e.failingSinceMs)} (${e.lastError ?? 'unknown error'}); subnets as of ${ago(nowMs, subnetsAt)}`,
      );
    }
    return {
      model,
      kubeSyncedAtMs: kube.downSinceMs ?? nowMs,
      subnetsRefreshedAtMs: subnetsAt,
      ...(reasons.length > 0 && { degraded: reasons.join('; ') }),
    };
  }

  health(): LiveHealth {
    return { ready: this.#ready, kube: this.#kube.health(), ec2: this.#ec2.health() };
  }

  async close(): Promise<void> {
    this.#closed.abort();
    if (this.#demandTimer) clearImmediate(this.#demandTimer);
    this.#demandTimer = undefined;
    await Promise.all([this.#kube.stop(), this.#ec2.close()]);
    this.#onClose?.();
  }
}

/**
 * The live source `serve` uses: the kubeconfig kubectl would use (or the pod's service account) and an
 * EC2 client on the SDK's default chain. Throws InputError when no cluster is configured; use
 * `liveStateAvailable()` first to fall back quietly.
 */
export function createLiveSource(
  config: ServeConfig,
  log: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LiveSource {
  const loaded = loadKubeConfig(env);
  if (!loaded) {
    throw new InputError(
      'no cluster configured: set KUBECONFIG, create ~/.kube/config, or run in a pod (or pass --snapshot DIR)',
    );
  }
  const client = createEc2Client();
  const ec2Calls = new Ec2CallCounter();
  return new LiveSource({
    transport: createKubeTransport(loaded.kubeConfig),
    ec2: createEc2Api(client, ec2Calls),
    ec2Calls,
    config,
    log,
    description: `live cluster ${loaded.description}`,
    onClose: () => {
      client.destroy();
    },
  });
}

/**
 * For `serve`: the live source and why it was chosen when a cluster answers, else undefined so the
 * caller can fall back (to the bundled example). The shape of serve's SourceChoice.
 */
export async function chooseLiveSource(
  config: ServeConfig,
  log: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ readonly source: LiveSource; readonly why: string } | undefined> {
  const probe = await probeLiveState(env);
  if (probe.available) return { source: createLiveSource(config, log, env), why: probe.reason };
  // Inside a cluster the bundled example would judge real requests against made-up state: wait for
  // the API instead (/readyz fails and the failure mode answers until the first sync).
  if (env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== '') {
    if (!loadKubeConfig(env)) {
      // A pod that can never reach the API must not quietly judge requests by the example either.
      throw new InputError(
        `running in a pod (KUBERNETES_SERVICE_HOST is set) with no service account token at ${SERVICE_ACCOUNT_TOKEN} and no kubeconfig: set automountServiceAccountToken: true on the ipguard pod, or give --snapshot DIR or --example`,
      );
    }
    log.warn({ reason: probe.reason }, 'the cluster API does not answer yet; waiting for it');
    return { source: createLiveSource(config, log, env), why: `in-cluster; ${probe.reason}` };
  }
  log.info({ reason: probe.reason }, 'no live cluster');
  return undefined;
}
