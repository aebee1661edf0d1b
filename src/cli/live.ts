import { pino, type Logger } from 'pino';
import type { ClusterModel } from '../cluster/model.js';
import { loadConfig } from '../config.js';
import { captureLive, modelOfCapture } from '../state/live-capture.js';
import { Ec2CallCounter } from '../ec2/calls.js';
import type { Ec2Api } from '../ec2/api.js';
import { createEc2Api, createEc2Client } from '../ec2/client.js';
import { classifyAwsError, describeAwsError } from '../ec2/errors.js';
import { InputError } from '../errors.js';
import { KubeHttpError } from '../kube/transport.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';
import { createKubeTransport, type KubeTransport } from '../kube/transport.js';
import { UsageError } from './args.js';
import type { CliIo } from './io.js';

/** The clients a one-shot live command uses; `close()` releases the EC2 client's sockets. */
export interface LiveClients {
  readonly description: string;
  readonly transport: KubeTransport;
  readonly ec2: Ec2Api;
  readonly calls: Ec2CallCounter;
  close(): void;
}

/**
 * The cluster kubectl would use (KUBECONFIG, ~/.kube/config, or the pod's service account) and EC2 on the
 * SDK's default chain (AWS_REGION, AWS_ENDPOINT_URL_EC2, credentials from env, profile, IRSA or IMDS).
 */
export function liveClients(io: CliIo, orElse = ''): LiveClients {
  let loaded;
  try {
    loaded = loadKubeConfig(io.env);
  } catch (err) {
    // loadKubeConfig names the file for what it expects to go wrong; anything else is still the
    // kubeconfig's problem, not ours: one line and exit 2, never an internal error.
    if (err instanceof InputError) throw err;
    throw new InputError(`reading the kubeconfig: ${(err as Error).message}`, { cause: err });
  }
  if (!loaded) {
    throw new UsageError(
      `no cluster configured: set KUBECONFIG or create ~/.kube/config (or run in a pod)${orElse}`,
    );
  }
  const client = createEc2Client();
  const calls = new Ec2CallCounter();
  return {
    description: loaded.description,
    transport: createKubeTransport(loaded.kubeConfig),
    ec2: createEc2Api(client, calls),
    calls,
    close: () => {
      client.destroy();
    },
  };
}

/** Log lines for people on stderr (`ipguard: warn: …`), so stdout stays clean for --output json. */
export function cliLogger(io: CliIo, level: string): Logger {
  return pino(
    { level, base: null, timestamp: false },
    {
      write(line: string) {
        const { level: n, msg, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const name = pino.levels.labels[Number(n)] ?? 'log';
        const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
        io.err(`ipguard: ${name}: ${String(msg)}${extra}\n`);
      },
    },
  );
}

/**
 * A failed live read as one line that says where it failed and what usually fixes it, instead of a
 * stack trace: the environment (kubeconfig, credentials, region, IAM) is this command's input.
 */
export function liveFailure(err: unknown, clients: LiveClients): InputError {
  if (err instanceof InputError) return err;
  if (err instanceof KubeHttpError) {
    const hint =
      err.statusCode === 401 || err.statusCode === 403
        ? ' (check the kubeconfig credentials and RBAC: get, list, watch on the resources in docs/live-state.md)'
        : '';
    return new InputError(`the cluster at ${clients.description}: ${err.message}${hint}`, {
      cause: err,
    });
  }
  const name = (err as { name?: unknown } | null)?.name;
  const fromAws =
    typeof (err as { $metadata?: unknown } | null)?.$metadata === 'object' ||
    name === 'CredentialsProviderError' ||
    (err instanceof Error && /region is missing/i.test(err.message));
  if (fromAws) {
    const kind = classifyAwsError(err);
    const hint =
      err instanceof Error && /region is missing/i.test(err.message)
        ? ' (set AWS_REGION)'
        : kind === 'denied'
          ? ' (check the AWS credentials and the IAM policy in docs/iam-policy.json)'
          : '';
    return new InputError(`EC2: ${describeAwsError(err)}${hint}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new InputError(`reading the live state: ${message}`, { cause: err });
}

export interface LiveModelOptions {
  /** Count nodes' holdings from their ENIs (DescribeNetworkInterfaces); default from configuration. */
  readonly networkInterfaces?: boolean | undefined;
  readonly clusterName?: string | undefined;
}

/**
 * The model of the live cluster and EC2, read once: what `report` and `check` judge when no state files
 * are given, through the same capture `snapshot` writes, so all three see the same cluster.
 */
export async function liveClusterModel(
  io: CliIo,
  o: LiveModelOptions,
): Promise<{ model: ClusterModel; source: string }> {
  const config = loadConfig(io.env);
  const clients = liveClients(io, ', or give --snapshot DIR');
  const log = cliLogger(io, io.env.IPGUARD_LOG_LEVEL === undefined ? 'warn' : config.logLevel);
  try {
    const capture = await captureLive({
      transport: clients.transport,
      ec2: clients.ec2,
      networkInterfaces: o.networkInterfaces ?? config.describeNetworkInterfaces,
      log,
      ...(o.clusterName !== undefined && { clusterName: o.clusterName }),
    }).catch((err: unknown) => {
      throw liveFailure(err, clients);
    });
    return { model: modelOfCapture(capture), source: `live cluster ${clients.description}` };
  } finally {
    clients.close();
  }
}
