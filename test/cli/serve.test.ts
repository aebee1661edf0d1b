import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { cli, EXAMPLE, REPO } from '../helpers/cli.js';
import { makePki } from '../helpers/certs.js';
import { tempDir } from '../helpers/temp.js';

async function occupied(): Promise<Server> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function freePort(): Promise<number> {
  const s = await occupied();
  const { port } = s.address() as AddressInfo;
  await new Promise(resolve => s.close(resolve));
  return port;
}

test('serve on a busy port exits 2 with one line naming the port, no stack trace', async t => {
  const busy = await occupied();
  t.after(() => busy.close());
  const { port } = busy.address() as AddressInfo;
  const r = await cli(
    ['serve', '--port', String(port), '--host', '127.0.0.1', '--snapshot', EXAMPLE],
    {
      IPGUARD_LOG_LEVEL: 'silent',
    },
  );
  assert.equal(r.code, 2);
  assert.equal(
    r.err,
    `ipguard serve: --port ${port} on 127.0.0.1: the port is in use by another process (EADDRINUSE)\n`,
  );
});

test('--host and --metrics-port are validated with the rest of the configuration', () => {
  assert.equal(loadConfig({}, { host: '127.0.0.1' }).host, '127.0.0.1');
  assert.equal(loadConfig({ IPGUARD_HOST: '::1' }).host, '::1');
  assert.equal(loadConfig({}).metricsPort, undefined);
  assert.equal(loadConfig({ IPGUARD_METRICS_PORT: '9090' }).metricsPort, 9090);
  assert.throws(
    () => loadConfig({}, { host: 'https://0.0.0.0:8443/' }),
    /--host="https:\/\/0\.0\.0\.0:8443\/": expected an IP address or a host name/,
  );
  assert.throws(
    () => loadConfig({ IPGUARD_PORT: '9000', IPGUARD_METRICS_PORT: '9000' }),
    /IPGUARD_METRICS_PORT=9000: must differ from the webhook's port/,
  );
});

function get(
  proto: 'http' | 'https',
  port: number,
  path: string,
  ca?: Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (proto === 'http' ? httpRequest : httpsRequest)(
      { host: '127.0.0.1', port, path, servername: 'localhost', ...(ca && { ca }), timeout: 3000 },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

test('--metrics-port: /metrics over plain HTTP on its own port, and not on the webhook port', async t => {
  const pki = makePki(tempDir(t, 'pki'));
  const [port, metricsPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'src/cli/main.ts'),
      'serve',
      ...['--port', String(port), '--metrics-port', String(metricsPort), '--host', '127.0.0.1'],
      ...['--tls-cert', pki.certFile, '--tls-key', pki.keyFile, '--snapshot', EXAMPLE],
    ],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, IPGUARD_SHUTDOWN_DELAY_SECONDS: '0' },
    },
  );
  let logs = '';
  child.stdout.on('data', (c: Buffer) => (logs += c.toString()));
  child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<number | null>(resolve => child.on('exit', resolve));
  t.after(() => child.kill('SIGKILL'));
  let ready = false;
  for (let i = 0; i < 200 && !ready; i++) {
    ready = await get('https', port, '/readyz', pki.ca).then(
      r => r.status === 200,
      () => false,
    );
    if (!ready) await new Promise(r => setTimeout(r, 100));
  }
  assert.ok(ready, logs);
  const metrics = await get('http', metricsPort, '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /ipguard_state_ready 1/);
  assert.equal((await get('https', port, '/metrics', pki.ca)).status, 404);
  assert.equal((await get('http', metricsPort, '/validate')).status, 404);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, logs);
  assert.match(logs, new RegExp(`"metricsPort":${metricsPort}`));
});
