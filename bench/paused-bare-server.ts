/**
 * The bare route of bare-server.ts, pausing PAUSE_US of CPU the first time it sees a replica count (the
 * Scale's spec.replicas): a stand-in for a server whose every new body costs that much, to read what such
 * a pause costs in throughput under the new-scale class's load (pause-calibration.ts).
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [port, certFile, keyFile, pauseArg] = process.argv.slice(2);
if (port === undefined || certFile === undefined || keyFile === undefined) {
  process.stderr.write('usage: paused-bare-server PORT CERT KEY PAUSE_US\n');
  process.exit(2);
}
const pauseNs = BigInt(Math.round(Number(pauseArg ?? '0') * 1000));
/** Counts seen, forgotten past as many as the decision memo keeps (512), as ipguard's memo does. */
const seen = new Set<number>();
const app = Fastify({
  https: { cert: readFileSync(certFile), key: readFileSync(keyFile) },
  bodyLimit: 7 * 1024 * 1024,
});
app.post('/validate', (request, reply) => {
  const body = request.body as {
    request?: { uid?: string; object?: { spec?: { replicas?: number } } };
  };
  const replicas = body.request?.object?.spec?.replicas;
  if (replicas !== undefined && !seen.has(replicas)) {
    if (seen.size >= 512) seen.clear();
    seen.add(replicas);
    // Busy, as a decision is: the event loop does nothing else meanwhile.
    const until = process.hrtime.bigint() + pauseNs;
    while (process.hrtime.bigint() < until);
  }
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
