import { once } from 'node:events';
import { rmSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { InputError } from '../../errors.js';
import { loadConfig, type ConfigOverrides, type ServeConfig } from '../../config.js';
import type { FastifyInstance } from 'fastify';
import { buildApp, buildMetricsApp } from '../../http/app.js';
import { makeDevCertificate } from '../../http/dev-cert.js';
import { createMetrics } from '../../http/metrics.js';
import { decisionStats, newDecisions } from '../../http/decisions.js';
import { readTls, TlsReloader, type TlsFiles } from '../../http/tls.js';
import { AddressBook } from '../../simulate/address-book.js';
import { bundledExampleDir } from '../../state/bundled-example.js';
import { chooseLedger } from '../../state/choose-ledger.js';
import { PendingConfirmations } from '../../state/confirmations.js';
import { SnapshotSource } from '../../state/snapshot-source.js';
import type { LiveSource } from '../../state/live-source.js';
import { parseFlags } from '../args.js';
import { serveLog, type ServeLog } from '../serve-log.js';
import { EXIT_OK, type CliIo } from '../io.js';

export const SERVE_USAGE = `ipguard serve [--port N] [--host ADDRESS] [--metrics-port N] [--tls-cert FILE --tls-key FILE]
    [--snapshot DIR | --example]
    [--mode enforce|warn|off] [--failure-mode allow|deny] [--headroom-ips N] [--headroom-percent N]
    [--budget-ms N] [--log-level LEVEL]
  The admission webhook, HTTPS only: POST /validate, GET /healthz, /readyz, /metrics (on its own plain-HTTP
  port with --metrics-port). State comes from the
  live cluster (in-cluster config or KUBECONFIG, AWS from the SDK's default chain), or --snapshot DIR; with
  neither reachable it serves the bundled example. Settings also come from IPGUARD_* variables.`;

export interface SourceChoice {
  readonly source: SnapshotSource | LiveSource;
  readonly why: string;
}

/** A snapshot if given; else the live cluster if one answers; else the bundled example. */
async function chooseSource(
  config: ServeConfig,
  example: boolean,
  log: Logger,
  env: Readonly<Record<string, string | undefined>>,
): Promise<SourceChoice> {
  if (config.snapshotDir !== undefined) {
    return { source: new SnapshotSource(config.snapshotDir), why: 'the snapshot given' };
  }
  if (!example) {
    // Loaded only here: the Kubernetes and AWS clients are most of a snapshot server's memory.
    const { chooseLiveSource } = await import('../../state/live-source.js');
    const live = await chooseLiveSource(config, log, env);
    if (live) return live;
  }
  const dir = bundledExampleDir();
  if (!dir) {
    throw new InputError(
      'no cluster is reachable and the bundled example is missing: give --snapshot DIR',
    );
  }
  return {
    source: new SnapshotSource(dir),
    why: example ? 'asked for the example' : 'no cluster is reachable: serving the bundled example',
  };
}

const LISTEN_PROBLEMS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is in use by another process',
  EACCES: 'not allowed to listen on this port',
  EADDRNOTAVAIL: 'the address is not one of this machine',
  ENOTFOUND: 'the host name does not resolve',
};

/** Listen, or say in one line why not: a busy port is a setting to fix, not a crash with a trace. */
async function listen(
  app: FastifyInstance,
  port: number,
  host: string,
  flag: string,
): Promise<void> {
  try {
    await app.listen({ port, host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const problem = LISTEN_PROBLEMS[code];
    if (problem === undefined) throw err;
    throw new InputError(`${flag} ${port} on ${host}: ${problem} (${code})`, { cause: err });
  }
}

/** Resolves on SIGTERM or SIGINT. */
function untilSignal(): Promise<string> {
  return new Promise(resolve => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

export async function serveCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v } = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    'metrics-port': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    snapshot: { type: 'string' },
    example: { type: 'boolean' },
    mode: { type: 'string' },
    'failure-mode': { type: 'string' },
    'headroom-ips': { type: 'string' },
    'headroom-percent': { type: 'string' },
    'budget-ms': { type: 'string' },
    'log-level': { type: 'string' },
  });
  const overrides: ConfigOverrides = {
    ...(v.port !== undefined && { port: v.port }),
    ...(v.host !== undefined && { host: v.host }),
    ...(v['metrics-port'] !== undefined && { metricsPort: v['metrics-port'] }),
    ...(v['tls-cert'] !== undefined && { tlsCertFile: v['tls-cert'] }),
    ...(v['tls-key'] !== undefined && { tlsKeyFile: v['tls-key'] }),
    ...(v.snapshot !== undefined && { snapshotDir: v.snapshot }),
    ...(v.mode !== undefined && { defaultMode: v.mode }),
    ...(v['failure-mode'] !== undefined && { failureMode: v['failure-mode'] }),
    ...(v['headroom-ips'] !== undefined && { warnBelowFreeIps: v['headroom-ips'] }),
    ...(v['headroom-percent'] !== undefined && { warnBelowFreePercent: v['headroom-percent'] }),
    ...(v['budget-ms'] !== undefined && { budgetMs: v['budget-ms'] }),
    ...(v['log-level'] !== undefined && { logLevel: v['log-level'] }),
  };
  // All configuration problems are reported together, before anything starts.
  const config = loadConfig(io.env, overrides);
  const logSink = serveLog(config.logLevel);
  try {
    return await serve(config, v.example === true, io, logSink);
  } finally {
    // Every line up to the last one ("shutting down", or why it did not start) reaches stdout.
    await logSink.close();
  }
}

async function serve(
  config: ServeConfig,
  example: boolean,
  io: CliIo,
  logSink: ServeLog,
): Promise<number> {
  const { log } = logSink;
  const logLinesDropped = (): number => logSink.dropped();
  const devCert =
    config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined
      ? undefined
      : makeDevCertificate();
  const tlsFiles: TlsFiles = devCert ?? {
    certFile: config.tlsCertFile ?? '',
    keyFile: config.tlsKeyFile ?? '',
  };
  let tls;
  try {
    tls = await readTls(tlsFiles);
  } catch (err) {
    throw new InputError(
      `--tls-cert ${tlsFiles.certFile} / --tls-key ${tlsFiles.keyFile}: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    // The development key lives in memory only; nothing is left in /tmp and nothing rotates it.
    if (devCert) rmSync(devCert.dir, { recursive: true, force: true });
  }
  if (devCert)
    log.warn('no certificate given: serving a self-signed development certificate for localhost');

  const { source, why } = await chooseSource(config, example, log, io.env);
  const now = Date.now;
  const live = source instanceof SnapshotSource ? undefined : source;
  const { ledger: reservations, why: ledgerWhy } = await chooseLedger(
    config,
    live !== undefined,
    log,
    io.env,
    now,
  );
  const decisions = newDecisions();
  const metrics = createMetrics({
    state: source,
    reservations,
    now,
    logLinesDropped,
    memo: () => decisionStats(decisions),
    ...(live && { ec2Calls: () => live.ec2Calls.stats().total }),
  });
  let draining = false;
  const app = buildApp(
    {
      state: source,
      config,
      reservations,
      confirmations: new PendingConfirmations(config.reservationConfirmSeconds),
      book: new AddressBook(),
      metrics,
      now,
      memo: decisions,
      log,
      lines: logSink.lines,
      draining: () => draining,
    },
    tls,
  );
  const reloader = devCert
    ? undefined
    : new TlsReloader(
        tlsFiles,
        tls,
        m => {
          // fastify types its server as http.Server; with `https` options it is an https.Server.
          (app.server as unknown as HttpsServer).setSecureContext({ cert: m.cert, key: m.key });
        },
        log,
      );

  // A snapshot that cannot be read is bad input: fail before listening. Live state loads in the background
  // while /readyz says 503 and requests get the failure mode's answer.
  if (source instanceof SnapshotSource) await source.start();
  const metricsApp = config.metricsPort === undefined ? undefined : buildMetricsApp(metrics, log);
  try {
    await listen(app, config.port, config.host, '--port');
    if (metricsApp && config.metricsPort !== undefined)
      await listen(metricsApp, config.metricsPort, config.host, '--metrics-port');
  } catch (err) {
    await Promise.all([app.close(), metricsApp?.close(), source.close()]);
    throw err;
  }
  reloader?.start();
  log.info(
    {
      port: config.port,
      host: config.host,
      ...(config.metricsPort !== undefined && { metricsPort: config.metricsPort }),
      state: source.description,
      why,
      failureMode: config.failureMode,
      defaultMode: config.policy.defaultMode,
      reservations: reservations.description,
      reservationsWhy: ledgerWhy,
    },
    'ipguard is serving',
  );
  // Read in the background like live state; until then a change that takes addresses gets the
  // failure mode, and /readyz and the metrics say why.
  reservations.start().then(
    () => undefined,
    (err: unknown) => {
      log.error({ err }, 'the reservation ledger did not load');
    },
  );
  if (!(source instanceof SnapshotSource)) {
    source.start().then(
      () => {
        log.info('cluster and subnet state loaded');
      },
      (err: unknown) => {
        log.error({ err }, 'state did not load; answering with the failure mode');
      },
    );
  }

  const signal = await Promise.race([
    untilSignal(),
    once(app.server, 'close').then(() => 'closed'),
  ]);
  log.info({ signal, delaySeconds: config.shutdownDelaySeconds }, 'shutting down');
  if (signal !== 'closed' && config.shutdownDelaySeconds > 0) {
    draining = true;
    await new Promise(r => setTimeout(r, config.shutdownDelaySeconds * 1000));
  }
  reloader?.stop();
  await Promise.all([app.close(), metricsApp?.close()]);
  await reservations.close();
  await source.close();
  return EXIT_OK;
}
