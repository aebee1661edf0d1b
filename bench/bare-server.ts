/**
 * The baseline: a bare fastify HTTPS route answering `allowed: true` to the same AdmissionReviews,
 * started the same way as `ipguard serve`. The ratio of the two is ipguard's own cost.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [port, certFile, keyFile] = process.argv.slice(2);
if (port === undefined || certFile === undefined || keyFile === undefined) {
  process.stderr.write('usage: bare-server PORT CERT KEY\n');
  process.exit(2);
}
const app = Fastify({
  https: { cert: readFileSync(certFile), key: readFileSync(keyFile) },
  bodyLimit: 7 * 1024 * 1024,
});
app.post('/validate', (request, reply) => {
  const body = request.body as { request?: { uid?: string } };
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
