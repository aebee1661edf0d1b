import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Server as HttpsServer } from 'node:https';
import pino from 'pino';
import { readTls, TlsReloader } from '../../src/http/tls.js';
import { exampleModel, switchReview, testApp } from '../helpers/app.js';
import { makePki } from '../helpers/certs.js';
import { waitFor } from '../helpers/async.js';
import { EXAMPLE, REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

interface HttpsAnswer {
  status: number;
  body: string;
  peerCertFingerprint: string;
}

function call(
  port: number,
  ca: Buffer | undefined,
  path: string,
  body?: string,
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        servername: 'localhost',
        ...(ca && { ca }),
        rejectUnauthorized: true,
        agent: false,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        timeout: 5000,
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            peerCertFingerprint:
              res.socket && 'getPeerCertificate' in res.socket
                ? (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256
                : '',
          });
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

test('over real HTTPS: a client that trusts only our CA verifies the server and gets the verdict', async t => {
  const pki = makePki(tempDir(t, 'pki'));
  const app = testApp(await exampleModel(), {}, await readTls(pki)).app;
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const res = await call(port, pki.ca, '/validate', JSON.stringify(switchReview()));
  assert.equal(res.status, 200);
  const review = JSON.parse(res.body) as { response: { allowed: boolean; uid: string } };
  assert.equal(review.response.allowed, false);
  assert.equal(review.response.uid, 'b7f1c2d3-4e5f-4a6b-8c7d-9e0f1a2b3c4d');
  await assert.rejects(
    call(port, undefined, '/healthz'),
    /self-signed certificate|unable to verify/i,
    'without the CA the chain does not verify',
  );
});

test('a rotated certificate is served without a restart', async t => {
  const first = makePki(tempDir(t, 'pki'));
  const second = makePki(tempDir(t, 'pki'));
  const files = { certFile: first.certFile, keyFile: first.keyFile };
  const initial = await readTls(files);
  const app = testApp(await exampleModel(), {}, initial).app;
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const reloader = new TlsReloader(
    files,
    initial,
    m => {
      (app.server as unknown as HttpsServer).setSecureContext({ cert: m.cert, key: m.key });
    },
    pino({ level: 'silent' }),
    60_000,
  );
  reloader.start();
  t.after(() => {
    reloader.stop();
  });
  const before = await call(port, first.ca, '/healthz');
  // The Secret is updated: a new key and certificate from another CA land in the same files.
  copyFileSync(second.keyFile, first.keyFile);
  copyFileSync(second.certFile, first.certFile);
  assert.equal(await reloader.check(), true);
  const after = await call(port, second.ca, '/healthz');
  assert.equal(after.status, 200);
  assert.notEqual(after.peerCertFingerprint, before.peerCertFingerprint);
  await assert.rejects(
    call(port, first.ca, '/healthz'),
    'the old CA no longer verifies the new certificate',
  );
});

test('a half-written rotation (key and certificate do not match) keeps the old pair', async t => {
  const first = makePki(tempDir(t, 'pki'));
  const second = makePki(tempDir(t, 'pki'));
  const files = { certFile: first.certFile, keyFile: first.keyFile };
  const initial = await readTls(files);
  let applied = 0;
  const reloader = new TlsReloader(
    files,
    initial,
    () => (applied += 1),
    pino({ level: 'silent' }),
    60_000,
  );
  copyFileSync(second.certFile, first.certFile);
  assert.equal(await reloader.check(), false);
  assert.equal(applied, 0);
  copyFileSync(second.keyFile, first.keyFile);
  assert.equal(await reloader.check(), true);
  assert.equal(applied, 1);
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise(r => srv.close(r));
  return port;
}

/** `ipguard serve` as a process, its stdout and stderr gathered, killed after the test. */
function serveProcess(
  t: { after: (fn: () => void) => void },
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): { logs: () => string; kill: (signal: NodeJS.Signals) => void; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'serve', ...args],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let logs = '';
  child.stdout.on('data', (c: Buffer) => (logs += c.toString()));
  child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<number | null>(resolve =>
    child.on('exit', code => {
      resolve(code);
    }),
  );
  t.after(() => child.kill('SIGKILL'));
  return { logs: () => logs, kill: signal => child.kill(signal), exited };
}

/**
 * `ipguard serve` on the bundled example with a fresh CA-signed certificate, ready: `/readyz`
 * answers 200 over TLS the CA verifies (at most 20 s).
 */
async function servingExample(
  t: { after: (fn: () => void) => void },
  shutdownDelaySeconds: string,
): Promise<{
  pki: ReturnType<typeof makePki>;
  port: number;
  serve: ReturnType<typeof serveProcess>;
}> {
  const pki = makePki(tempDir(t, 'pki'));
  const port = await freePort();
  const serve = serveProcess(
    t,
    [
      '--port',
      String(port),
      '--tls-cert',
      pki.certFile,
      '--tls-key',
      pki.keyFile,
      '--snapshot',
      EXAMPLE,
    ],
    { IPGUARD_SHUTDOWN_DELAY_SECONDS: shutdownDelaySeconds },
  );
  const ready = await until(
    () =>
      call(port, pki.ca, '/readyz').then(
        r => r.status === 200,
        () => false,
      ),
    200,
  );
  assert.ok(ready, `never ready:\n${serve.logs()}`);
  return { pki, port, serve };
}

/** Poll `probe` until it holds, at most `tries` times 100 ms apart. */
async function until(probe: () => Promise<boolean>, tries: number): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return true;
    await new Promise(r => setTimeout(r, 100));
  }
  return false;
}

test('ipguard serve as a process: ready on the snapshot, answers, and exits cleanly on SIGTERM', async t => {
  const { pki, port, serve } = await servingExample(t, '2');
  const res = await call(port, pki.ca, '/validate', JSON.stringify(switchReview()));
  assert.equal(
    (JSON.parse(res.body) as { response: { allowed: boolean } }).response.allowed,
    false,
  );
  serve.kill('SIGTERM');
  // Draining: /readyz fails at once so the Service drops the pod, while reviews are still answered.
  let draining = false;
  for (let i = 0; i < 20 && !draining; i++) {
    draining = await call(port, pki.ca, '/readyz').then(
      r => r.status === 503,
      () => false,
    );
    if (!draining) await new Promise(r => setTimeout(r, 50));
  }
  assert.ok(draining, 'readyz fails while draining');
  const late = await call(port, pki.ca, '/validate', JSON.stringify(switchReview()));
  assert.equal(late.status, 200);
  assert.equal(await serve.exited, 0, serve.logs());
  assert.match(serve.logs(), /"msg":"ipguard is serving"/);
  assert.match(serve.logs(), /"verdict":"deny"/);
  assert.match(serve.logs(), /"msg":"shutting down"/);
});

test('ipguard serve: every review logged before SIGTERM reaches stdout, though the log is written in chunks', async t => {
  const { pki, port, serve } = await servingExample(t, '0');
  // Fewer lines than the log writes at once, and well inside its flush interval: they are still
  // in its buffer when the signal comes.
  const uids = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
  await Promise.all(
    uids.map(async uid => {
      const review = switchReview();
      review.request.uid = uid;
      const res = await call(port, pki.ca, '/validate', JSON.stringify(review));
      assert.equal(res.status, 200);
    }),
  );
  serve.kill('SIGTERM');
  assert.equal(await serve.exited, 0, serve.logs());
  const reviewed = serve
    .logs()
    .split('\n')
    .filter(l => l.includes('"msg":"admission review"'))
    .map(l => (JSON.parse(l) as { uid: string }).uid);
  assert.deepEqual(reviewed.sort(), [...uids].sort());
  assert.match(serve.logs(), /"msg":"shutting down"/);
});

test('ipguard serve without certificates: a development certificate held in memory, nothing left in the temp dir', async t => {
  const tmp = tempDir(t, 'serve-tmp');
  const port = await freePort();
  const serve = serveProcess(t, ['--port', String(port), '--example'], {
    TMPDIR: tmp,
    IPGUARD_SHUTDOWN_DELAY_SECONDS: '0',
  });
  const readyz = (): Promise<number> =>
    new Promise(resolve => {
      const req = request(
        { host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, agent: false },
        res => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', () => {
        resolve(0);
      });
      req.end();
    });
  const ready = await until(async () => (await readyz()) === 200, 100);
  assert.ok(ready, `never ready:\n${serve.logs()}`);
  // The log is written in chunks (every 250 ms at the latest), so the warning may follow /readyz.
  await waitFor(
    () => /self-signed development certificate/.test(serve.logs()),
    `the warning in:\n${serve.logs()}`,
  );
  assert.deepEqual(
    readdirSync(tmp).filter(f => f.startsWith('ipguard-dev-tls-')),
    [],
    'the development key is not left on disk',
  );
  serve.kill('SIGTERM');
  assert.equal(await serve.exited, 0, serve.logs());
});
