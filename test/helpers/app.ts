import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp, type JsonLines } from '../../src/http/app.js';
import { createMetrics, type Metrics } from '../../src/http/metrics.js';
import { decisionStats, newDecisions, type Decisions } from '../../src/http/decisions.js';
import type { ReviewShape } from '../../src/http/review-body.js';
import { SeenReviews } from '../../src/http/seen-reviews.js';
import { loadConfig, type ServeConfig } from '../../src/config.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import { PendingConfirmations } from '../../src/state/confirmations.js';
import { Reservations } from '../../src/state/reservations.js';
import { loadStateFiles, snapshotFiles } from '../../src/state/files.js';
import type { ClusterModel } from '../../src/cluster/model.js';
import type { TlsMaterial } from '../../src/http/tls.js';
import { StaticSource } from '../fakes/static-source.js';
import { EXAMPLE } from './cli.js';

export const T0 = Date.parse('2026-11-27T12:00:00Z');

let example: ClusterModel | undefined;
/** The bundled blue/green story as a model (read once; models are immutable). */
export async function exampleModel(): Promise<ClusterModel> {
  example ??= await loadStateFiles(await snapshotFiles(EXAMPLE));
  return example;
}

export interface TestApp {
  readonly app: FastifyInstance;
  readonly source: StaticSource;
  readonly metrics: Metrics;
  readonly reservations: Reservations;
  readonly config: ServeConfig;
  /** The test's clock; advance it to age state or expire reservations. */
  readonly clock: { now: number };
  /** The app's decision memos. */
  readonly memo: Decisions;
  /** The bodies the app has seen (see SeenReviews). */
  readonly seen: SeenReviews<ReviewShape>;
}

export function testApp(
  model: ClusterModel | undefined,
  env: Record<string, string> = {},
  tls?: TlsMaterial,
  log: Logger = pino({ level: 'silent' }),
  lines?: JsonLines,
): TestApp {
  const clock = { now: T0 };
  const now = (): number => clock.now;
  const config = loadConfig(env);
  const source = new StaticSource(model, T0);
  const reservations = new Reservations(config.reservationTtlSeconds, now);
  const memo = newDecisions();
  const seen = new SeenReviews<ReviewShape>();
  const metrics = createMetrics({
    state: source,
    reservations,
    now,
    memo: () => decisionStats(memo),
  });
  const app = buildApp(
    {
      state: source,
      config,
      reservations,
      confirmations: new PendingConfirmations(config.reservationConfirmSeconds),
      book: new AddressBook(),
      metrics,
      now,
      log,
      ...(lines && { lines }),
      memo,
      seen,
    },
    tls,
  );
  return { app, source, metrics, reservations, config, clock, memo, seen };
}

/** The story's AdmissionReview (kubectl apply of checkout v1.42.0), deep-copied for each test to change. */
export function switchReview(): Record<string, any> {
  return JSON.parse(readFileSync(join(EXAMPLE, 'review-switch.json'), 'utf8')) as Record<
    string,
    any
  >;
}

/** A CREATE of a Deployment whose one pod fills an apps node: one new m5.2xlarge, 14 addresses in us-east-1b. */
export function createReview(
  name: string,
  o: {
    dryRun?: boolean;
    annotations?: Record<string, string>;
    username?: string;
    replicas?: number;
  } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `create-${name}`,
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      name,
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: o.username ?? 'alice' },
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: 'shop', annotations: o.annotations ?? {} },
        spec: {
          replicas: o.replicas ?? 1,
          selector: { matchLabels: { app: name } },
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
          },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              nodeSelector: { 'eks.amazonaws.com/nodegroup': 'apps' },
              containers: [
                {
                  name: 'app',
                  image: 'app:1',
                  resources: { requests: { cpu: '7', memory: '20Gi' } },
                },
              ],
            },
          },
        },
      },
      dryRun: o.dryRun ?? false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

/** A rollouts/scale or deployments/scale review as the apiserver sends it: Scale objects only. */
export function scaleReview(
  resource: 'deployments' | 'rollouts',
  ns: string,
  name: string,
  from: number,
  to: number | undefined,
  o: Record<string, unknown> = {},
): Record<string, unknown> {
  const group = resource === 'deployments' ? 'apps' : 'argoproj.io';
  const version = resource === 'deployments' ? 'v1' : 'v1alpha1';
  const scale = (n: number | undefined): Record<string, unknown> => ({
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name,
      namespace: ns,
      uid: 'scale-uid',
      resourceVersion: '1',
      creationTimestamp: '2026-01-01T00:00:00Z',
    },
    spec: n === undefined ? {} : { replicas: n },
    status: { replicas: from, selector: `app=${name}` },
  });
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `scale-${name}-${to ?? 0}`,
      kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      resource: { group, version, resource },
      subResource: 'scale',
      requestKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      requestResource: { group, version, resource },
      requestSubResource: 'scale',
      name,
      namespace: ns,
      operation: 'UPDATE',
      userInfo: { username: 'alice', groups: ['system:authenticated'] },
      object: scale(to),
      oldObject: scale(from),
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions' },
      ...o,
    },
  };
}

export interface Answer {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string; status: string; reason: string };
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export async function validate(
  t: TestApp,
  body: unknown,
): Promise<{ statusCode: number; answer: Answer; raw: Record<string, unknown> }> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/validate?timeout=10s',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  const raw = res.json<Record<string, unknown>>();
  return { statusCode: res.statusCode, answer: raw.response as Answer, raw };
}
