import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ServeConfig } from '../config.js';
import { ENV } from '../config.js';
import { InputError } from '../errors.js';
import { createKubeTransport } from '../kube/transport.js';
import { KubeLedger } from './kube-ledger.js';
import { Reservations, type ReservationLedger } from './reservations.js';

export interface LedgerChoiceResult {
  readonly ledger: ReservationLedger;
  readonly why: string;
}

/**
 * The ledger `serve` uses. Replicas of the webhook in a cluster must share one (else two changes sent
 * to two replicas can together take more than a subnet has), so in a pod on live state it is the
 * ConfigMap; a snapshot, the example, or a process on a laptop keeps it in memory, writing nothing to
 * any cluster. IPGUARD_LEDGER=kube or memory says so explicitly. The Kubernetes client is loaded only
 * for the ConfigMap: a snapshot server never needs it.
 */
export async function chooseLedger(
  config: ServeConfig,
  live: boolean,
  log: Logger,
  env: Readonly<Record<string, string | undefined>>,
  now: () => number = Date.now,
): Promise<LedgerChoiceResult> {
  const memory = (why: string): LedgerChoiceResult => ({
    ledger: new Reservations(config.reservationTtlSeconds, now),
    why,
  });
  if (config.ledger === 'memory') return memory(`${ENV.ledger}=memory`);
  const inPod = env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== '';
  if (config.ledger === 'auto') {
    if (!live) return memory('not on live cluster state: nothing to share it with');
    if (!inPod)
      return memory(
        `not running in a pod: this process keeps its own (${ENV.ledger}=kube shares the cluster's)`,
      );
  }
  const { loadKubeConfig } = await import('../kube/kubeconfig.js');
  const loaded = loadKubeConfig(env);
  if (!loaded)
    throw new InputError(
      `${ENV.ledger}=kube: no cluster configured to keep the reservation ledger in (set KUBECONFIG or run in a pod)`,
    );
  const replica = config.replicaName ?? hostname();
  return {
    ledger: new KubeLedger({
      transport: createKubeTransport(loaded.kubeConfig),
      namespace: config.namespace,
      replica,
      ttlSeconds: config.reservationTtlSeconds,
      maxEntries: config.ledgerMaxEntries,
      log: log.child({ component: 'ledger' }),
      now,
    }),
    why:
      config.ledger === 'kube'
        ? `${ENV.ledger}=kube`
        : `in a pod on live state (replica ${replica})`,
  };
}
