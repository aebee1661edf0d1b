import { InputError } from './errors.js';
import { DEFAULT_POLICY, MODES, type Mode, type PolicyConfig } from './policy/config.js';

/** What happens when the webhook cannot decide in time or has no state: the admission still gets an answer. */
export type FailureMode = 'allow' | 'deny';

/**
 * Where reservations live: `kube`, a ConfigMap every replica shares; `memory`, this process only;
 * `auto`, the ConfigMap when running in a pod on live state, memory otherwise (a snapshot, a laptop).
 */
export type LedgerChoice = 'auto' | 'kube' | 'memory';
export const LEDGER_CHOICES: readonly LedgerChoice[] = ['auto', 'kube', 'memory'];

export interface ServeConfig {
  /** HTTPS port; the Service maps 443 to it. */
  readonly port: number;
  /** The address to listen on: all interfaces by default; a pod IP or 127.0.0.1 to narrow it. */
  readonly host: string;
  /**
   * Serve /metrics on its own plain-HTTP port, so a NetworkPolicy can admit only the control plane
   * to the webhook's port and Prometheus to this one. Unset: /metrics is on the webhook's port.
   */
  readonly metricsPort?: number;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  /** Serve this snapshot folder instead of the live cluster. */
  readonly snapshotDir?: string;
  readonly policy: PolicyConfig;
  /** Answer within this budget; well under the webhook's timeoutSeconds (5 s in the manifests). */
  readonly budgetMs: number;
  readonly failureMode: FailureMode;
  /** State older than this is stale: decisions still come, with a warning. */
  readonly staleAfterSeconds: number;
  /** An admitted change holds its addresses at most this long, unless EC2 shows them used sooner. */
  readonly reservationTtlSeconds: number;
  readonly ledger: LedgerChoice;
  /** Live reservations the shared ledger holds at most (its record stays far below 1 MiB). */
  readonly ledgerMaxEntries: number;
  /** ipguard's own namespace, where the shared ledger lives (POD_NAMESPACE from the downward API). */
  readonly namespace: string;
  /** This replica's name, written beside its reservations (POD_NAME; the hostname otherwise). */
  readonly replicaName?: string;
  /**
   * On live state, an admitted change's reservation is dropped unless the watch shows the object as
   * admitted within this long: a review posted to the port by anyone but the apiserver holds nothing.
   */
  readonly reservationConfirmSeconds: number;
  readonly subnetRefreshSeconds: number;
  readonly instanceTypeRefreshSeconds: number;
  /** Count holdings from DescribeNetworkInterfaces (more EC2 calls, exact numbers). */
  readonly describeNetworkInterfaces: boolean;
  /** EKS cluster name: subnets tagged kubernetes.io/cluster/<name> are watched too. */
  readonly clusterName?: string;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  /**
   * After SIGTERM, keep answering (with /readyz failing) this long before closing, so the endpoint is
   * gone from the Service before the server is.
   */
  readonly shutdownDelaySeconds: number;
}

export const DEFAULT_SERVE: Omit<ServeConfig, 'policy'> = {
  port: 8443,
  host: '0.0.0.0',
  budgetMs: 2000,
  failureMode: 'allow',
  staleAfterSeconds: 300,
  reservationTtlSeconds: 600,
  ledger: 'auto',
  ledgerMaxEntries: 1000,
  namespace: 'ipguard',
  reservationConfirmSeconds: 30,
  subnetRefreshSeconds: 60,
  instanceTypeRefreshSeconds: 6 * 3600,
  describeNetworkInterfaces: false,
  // controller-runtime allows 7 MiB; Deployments with oldObject exceed fastify's default 1 MiB.
  bodyLimitBytes: 7 * 1024 * 1024,
  logLevel: 'info',
  shutdownDelaySeconds: 5,
};

/** Environment variables, documented in docs/configuration.md; flags of `ipguard serve` override them. */
export const ENV = {
  port: 'IPGUARD_PORT',
  host: 'IPGUARD_HOST',
  metricsPort: 'IPGUARD_METRICS_PORT',
  tlsCertFile: 'IPGUARD_TLS_CERT',
  tlsKeyFile: 'IPGUARD_TLS_KEY',
  snapshotDir: 'IPGUARD_SNAPSHOT',
  defaultMode: 'IPGUARD_DEFAULT_MODE',
  warnBelowFreeIps: 'IPGUARD_HEADROOM_IPS',
  warnBelowFreePercent: 'IPGUARD_HEADROOM_PERCENT',
  autoscalerUsernames: 'IPGUARD_AUTOSCALER_USERNAMES',
  autoscalersEnforced: 'IPGUARD_ENFORCE_AUTOSCALERS',
  budgetMs: 'IPGUARD_BUDGET_MS',
  failureMode: 'IPGUARD_FAILURE_MODE',
  staleAfterSeconds: 'IPGUARD_STALE_AFTER_SECONDS',
  reservationTtlSeconds: 'IPGUARD_RESERVATION_TTL_SECONDS',
  ledger: 'IPGUARD_LEDGER',
  ledgerMaxEntries: 'IPGUARD_LEDGER_MAX_ENTRIES',
  namespace: 'POD_NAMESPACE',
  replicaName: 'POD_NAME',
  reservationConfirmSeconds: 'IPGUARD_RESERVATION_CONFIRM_SECONDS',
  subnetRefreshSeconds: 'IPGUARD_SUBNET_REFRESH_SECONDS',
  instanceTypeRefreshSeconds: 'IPGUARD_INSTANCE_TYPE_REFRESH_SECONDS',
  describeNetworkInterfaces: 'IPGUARD_DESCRIBE_NETWORK_INTERFACES',
  clusterName: 'IPGUARD_CLUSTER_NAME',
  logLevel: 'IPGUARD_LOG_LEVEL',
  shutdownDelaySeconds: 'IPGUARD_SHUTDOWN_DELAY_SECONDS',
} as const;

export type ConfigKey = keyof typeof ENV;

/** Values by key, from flags; they win over the environment. */
export type ConfigOverrides = Partial<Record<ConfigKey, string>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Read and validate the whole configuration once, at start; every problem is reported together.
 * Pure: the environment and flags come in as plain objects.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: ConfigOverrides = {},
): ServeConfig {
  const problems: string[] = [];
  const raw = (key: ConfigKey): string | undefined => {
    const v = overrides[key] ?? env[ENV[key]];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const where = (key: ConfigKey): string =>
    overrides[key] !== undefined ? `--${flagName(key)}` : ENV[key];
  const int = (key: ConfigKey, dflt: number, min: number, max: number): number => {
    const v = raw(key);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) {
      problems.push(
        `${where(key)}=${JSON.stringify(v)}: expected a whole number from ${min} to ${max}`,
      );
      return dflt;
    }
    return n;
  };
  const bool = (key: ConfigKey, dflt: boolean): boolean => {
    const v = raw(key)?.toLowerCase();
    if (v === undefined) return dflt;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    problems.push(`${where(key)}=${JSON.stringify(v)}: expected true or false`);
    return dflt;
  };
  const oneOf = <T extends string>(key: ConfigKey, values: readonly T[], dflt: T): T => {
    const v = raw(key);
    if (v === undefined) return dflt;
    if ((values as readonly string[]).includes(v)) return v as T;
    problems.push(`${where(key)}=${JSON.stringify(v)}: expected one of ${values.join(', ')}`);
    return dflt;
  };

  const tlsCertFile = raw('tlsCertFile');
  const tlsKeyFile = raw('tlsKeyFile');
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    problems.push(
      'a TLS certificate and its key go together: set both --tls-cert and --tls-key (or IPGUARD_TLS_CERT and IPGUARD_TLS_KEY)',
    );
  }
  const usernames = raw('autoscalerUsernames');
  const policy: PolicyConfig = {
    defaultMode: oneOf<Mode>('defaultMode', MODES, DEFAULT_POLICY.defaultMode),
    warnBelowFreeIps: int('warnBelowFreeIps', DEFAULT_POLICY.warnBelowFreeIps, 0, 1_000_000),
    warnBelowFreePercent: int('warnBelowFreePercent', DEFAULT_POLICY.warnBelowFreePercent, 0, 100),
    autoscalerUsernames:
      usernames === undefined
        ? DEFAULT_POLICY.autoscalerUsernames
        : usernames
            .split(',')
            .map(s => s.trim())
            .filter(s => s !== ''),
    autoscalersEnforced: bool('autoscalersEnforced', DEFAULT_POLICY.autoscalersEnforced),
  };
  const snapshotDir = raw('snapshotDir');
  const clusterName = raw('clusterName');
  const namespace = raw('namespace');
  // A DNS label, as every namespace name is: anything else could not name the ledger's namespace.
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace))
    problems.push(`${where('namespace')}=${JSON.stringify(namespace)}: not a namespace name`);
  const replicaName = raw('replicaName');
  const port = int('port', DEFAULT_SERVE.port, 0, 65535);
  const host = raw('host') ?? DEFAULT_SERVE.host;
  // An address or a host name; no scheme, port or path (a URL given here would fail at listen).
  if (!/^[A-Za-z0-9.:%_-]+$/.test(host) || host.length > 253)
    problems.push(
      `${where('host')}=${JSON.stringify(host)}: expected an IP address or a host name`,
    );
  const metricsPort =
    raw('metricsPort') === undefined ? undefined : int('metricsPort', 0, 1, 65535);
  if (metricsPort !== undefined && metricsPort === port)
    problems.push(`${where('metricsPort')}=${metricsPort}: must differ from the webhook's port`);
  const config: ServeConfig = {
    port,
    host,
    ...(metricsPort !== undefined && { metricsPort }),
    ...(tlsCertFile !== undefined && { tlsCertFile }),
    ...(tlsKeyFile !== undefined && { tlsKeyFile }),
    ...(snapshotDir !== undefined && { snapshotDir }),
    policy,
    budgetMs: int('budgetMs', DEFAULT_SERVE.budgetMs, 50, 29_000),
    failureMode: oneOf<FailureMode>('failureMode', ['allow', 'deny'], DEFAULT_SERVE.failureMode),
    staleAfterSeconds: int('staleAfterSeconds', DEFAULT_SERVE.staleAfterSeconds, 1, 86_400),
    reservationTtlSeconds: int(
      'reservationTtlSeconds',
      DEFAULT_SERVE.reservationTtlSeconds,
      1,
      86_400,
    ),
    ledger: oneOf<LedgerChoice>('ledger', LEDGER_CHOICES, DEFAULT_SERVE.ledger),
    ledgerMaxEntries: int('ledgerMaxEntries', DEFAULT_SERVE.ledgerMaxEntries, 1, 4000),
    namespace: namespace ?? DEFAULT_SERVE.namespace,
    ...(replicaName !== undefined && { replicaName }),
    reservationConfirmSeconds: int(
      'reservationConfirmSeconds',
      DEFAULT_SERVE.reservationConfirmSeconds,
      1,
      3_600,
    ),
    subnetRefreshSeconds: int(
      'subnetRefreshSeconds',
      DEFAULT_SERVE.subnetRefreshSeconds,
      10,
      86_400,
    ),
    instanceTypeRefreshSeconds: int(
      'instanceTypeRefreshSeconds',
      DEFAULT_SERVE.instanceTypeRefreshSeconds,
      60,
      7 * 86_400,
    ),
    describeNetworkInterfaces: bool(
      'describeNetworkInterfaces',
      DEFAULT_SERVE.describeNetworkInterfaces,
    ),
    ...(clusterName !== undefined && { clusterName }),
    bodyLimitBytes: DEFAULT_SERVE.bodyLimitBytes,
    logLevel: oneOf('logLevel', LOG_LEVELS, DEFAULT_SERVE.logLevel),
    shutdownDelaySeconds: int('shutdownDelaySeconds', DEFAULT_SERVE.shutdownDelaySeconds, 0, 120),
  };
  if (problems.length > 0) throw new InputError(`configuration: ${problems.join('; ')}`);
  return config;
}

/** `tlsCertFile` → `tls-cert`: the flag each key is set by. */
export function flagName(key: ConfigKey): string {
  const names: Partial<Record<ConfigKey, string>> = {
    tlsCertFile: 'tls-cert',
    tlsKeyFile: 'tls-key',
    snapshotDir: 'snapshot',
    defaultMode: 'mode',
    warnBelowFreeIps: 'headroom-ips',
    warnBelowFreePercent: 'headroom-percent',
    logLevel: 'log-level',
    metricsPort: 'metrics-port',
    failureMode: 'failure-mode',
    budgetMs: 'budget-ms',
  };
  return names[key] ?? key.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);
}
