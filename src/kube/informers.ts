import type { Clock } from '../timing/delay.js';
import { KubeStore } from './cluster-store.js';
import { Reflector, type ReflectorOptions, type ReflectorStatus } from './reflector.js';
import {
  AUTO_MODE_NODE_CLASSES,
  CRON_JOBS,
  DAEMON_SETS,
  EC2_NODE_CLASSES,
  NODE_CLAIMS,
  NODE_POOLS,
  DEPLOYMENTS,
  ENI_CONFIGS,
  HPAS,
  JOBS,
  NAMESPACES,
  NODES,
  PODS,
  REPLICA_SETS,
  ROLLOUTS,
  SCALED_OBJECTS,
  STATEFUL_SETS,
} from './resources.js';

/** The informers take what each resource's reflector takes, and pass it on. */
export type KubeInformersOptions = ReflectorOptions;

export interface KubeHealth {
  /** Every resource has had its first full list. */
  readonly synced: boolean;
  /** When the state stopped being known current: the earliest time a list or watch fell; undefined while current. */
  readonly downSinceMs?: number;
  /** Why, for /readyz and warnings: `pods watch: HTTP 500 (since …)`. */
  readonly degraded?: string;
  readonly resources: readonly ReflectorStatus[];
}

/**
 * List/watch of every resource the cluster model is built from, into one KubeStore. Nodes, pods,
 * DaemonSets, Namespaces, Deployments, ReplicaSets, StatefulSets, Jobs, CronJobs and HPAs must exist;
 * Argo Rollouts, ENIConfigs and KEDA ScaledObjects are CRDs that many clusters do not have.
 */
export class KubeInformers {
  readonly store = new KubeStore();
  /** Resolves once every resource has been listed in full: readiness. */
  readonly synced: Promise<void>;
  readonly #reflectors: readonly Reflector<unknown>[];
  readonly #now: Clock;

  constructor(options: KubeInformersOptions) {
    const { transport, log, now, delay } = options;
    this.#now = now;
    const opts = {
      transport,
      log: log.child({ component: 'kube' }),
      now,
      delay,
      ...(options.pageSize !== undefined && { pageSize: options.pageSize }),
      ...(options.watchTimeoutSeconds !== undefined && {
        watchTimeoutSeconds: options.watchTimeoutSeconds,
      }),
      ...(options.backoff && { backoff: options.backoff }),
      ...(options.absentRetryMs !== undefined && { absentRetryMs: options.absentRetryMs }),
      ...(options.minHealthyWatchMs !== undefined && {
        minHealthyWatchMs: options.minHealthyWatchMs,
      }),
      ...(options.random && { random: options.random }),
    };
    const s = this.store.sinks;
    this.#reflectors = [
      new Reflector(NODES, s.nodes, opts),
      new Reflector(PODS, s.pods, opts),
      new Reflector(DAEMON_SETS, s.daemonSets, opts),
      new Reflector(NAMESPACES, s.namespaces, opts),
      new Reflector(DEPLOYMENTS, s.deployments, opts),
      new Reflector(REPLICA_SETS, s.replicaSets, opts),
      new Reflector(ROLLOUTS, s.rollouts, opts),
      new Reflector(ENI_CONFIGS, s.eniConfigs, opts),
      new Reflector(NODE_POOLS, s.nodePools, opts),
      new Reflector(NODE_CLAIMS, s.nodeClaims, opts),
      new Reflector(EC2_NODE_CLASSES, s.ec2NodeClasses, opts),
      new Reflector(AUTO_MODE_NODE_CLASSES, s.autoModeNodeClasses, opts),
      new Reflector(STATEFUL_SETS, s.statefulSets, opts),
      new Reflector(JOBS, s.jobs, opts),
      new Reflector(CRON_JOBS, s.cronJobs, opts),
      new Reflector(HPAS, s.hpas, opts),
      new Reflector(SCALED_OBJECTS, s.scaledObjects, opts),
    ] as Reflector<unknown>[];
    this.synced = Promise.all(this.#reflectors.map(r => r.synced)).then(() => undefined);
  }

  start(): void {
    for (const r of this.#reflectors) r.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.#reflectors.map(r => r.stop()));
  }

  health(): KubeHealth {
    const resources = this.#reflectors.map(r => r.status());
    const down = resources.filter(r => r.downSinceMs !== undefined);
    const downSinceMs = down.length
      ? Math.min(...down.map(r => r.downSinceMs ?? this.#now()))
      : undefined;
    const degraded = down.length
      ? down
          .map(
            r =>
              `${r.resource} ${r.synced ? 'watch' : 'list'} failing for ${Math.round((this.#now() - (r.downSinceMs ?? 0)) / 1000)} s: ${r.lastError ?? 'unknown error'}`,
          )
          .join('; ')
      : undefined;
    return {
      synced: resources.every(r => r.synced),
      ...(downSinceMs !== undefined && { downSinceMs }),
      ...(degraded !== undefined && { degraded }),
      resources,
    };
  }
}
