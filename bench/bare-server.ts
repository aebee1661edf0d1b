/**
 * The baseline: a bare fastify HTTPS route answering `allowed: true` to the same AdmissionReviews,
 * started the same way as `ipguard serve`. The ratio of the two is ipguard's own cost.
 *
 * With PAUSE_US (pause-calibration.ts), it also burns that much CPU the first time it sees a replica
 * count (the Scale's spec.replicas): a stand-in for a server whose every new body costs that much.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [port, certFile, keyFile, pauseArg] = process.argv.slice(2);
if (port === undefined || certFile === undefined || keyFile === undefined) {
  process.stderr.write('usage: bare-server PORT CERT KEY [PAUSE_US]\n');
  process.exit(2);
}
const pauseNs = BigInt(Math.round(Number(pauseArg ?? '0') * 1000));
/** Counts seen, forgotten past as many as the decision memo keeps (512), as ipguard's memo does. */
const seen = new Set<number>();

/** Busy, as a decision is, for a count not seen before: the event loop does nothing else meanwhile. */
function pauseOnNew(replicas: number | undefined): void {
  if (replicas === undefined || seen.has(replicas)) return;
  if (seen.size >= 512) seen.clear();
  seen.add(replicas);
  const until = process.hrtime.bigint() + pauseNs;
  while (process.hrtime.bigint() < until);
}

const app = Fastify({
  https: { cert: readFileSync(certFile), key: readFileSync(keyFile) },
  bodyLimit: 7 * 1024 * 1024,
});
app.post('/validate', (request, reply) => {
  const body = request.body as {
    request?: { uid?: string; object?: { spec?: { replicas?: number } } };
  };
  if (pauseNs > 0n) pauseOnNew(body.request?.object?.spec?.replicas);
  return reply.send({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: body.request?.uid ?? '', allowed: true },
  });
});
app.get('/readyz', (_request, reply) => reply.send({ ready: true }));
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
