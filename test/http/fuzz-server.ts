import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makePki, type TestPki } from '../helpers/certs.js';
import { EXAMPLE, REPO } from '../helpers/cli.js';
import { readYamlDocuments } from '../helpers/kustomize.js';
import { tempDir } from '../helpers/temp.js';

/*
 * `ipguard serve` as the apiserver meets it: its own process, real HTTPS with the project's CA,
 * keep-alive connections, Node's flags as the Deployment sets them. The fuzzers drive it and read its
 * memory from /proc.
 */

/**
 * NODE_OPTIONS as manifests/base/deployment.yaml gives them to the container: without its heap size
 * V8 sizes the heap from this machine's memory, not the pod's limit, and its RSS says little about
 * the pod's.
 */
export function deployedNodeOptions(): string {
  const [deployment] = readYamlDocuments(join(REPO, 'manifests/base/deployment.yaml')) as {
    spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
  }[];
  const env = deployment?.spec.template.spec.containers[0]?.env ?? [];
  const options = env.find(e => e.name === 'NODE_OPTIONS')?.value;
  assert.ok(options, 'manifests/base/deployment.yaml sets NODE_OPTIONS');
  return options;
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

export interface FuzzServer {
  post(body: string, contentType?: string): Promise<Answer>;
  /** A GET of `path` (e.g. `/metrics`). */
  get(path: string): Promise<Answer>;
  /** Resident memory of the server process, in bytes (Linux /proc). */
  rssBytes(): number;
  readonly logs: () => string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise(r => srv.close(r));
  return port;
}

function call(
  agent: Agent,
  pki: TestPki,
  port: number,
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent,
        ca: pki.ca,
        servername: 'localhost',
        headers: body === undefined ? {} : { 'content-type': contentType },
        timeout: 10_000,
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          });
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.end(body);
  });
}

/** Start the server on the bundled example and wait until it is ready. */
export async function startFuzzServer(env: Record<string, string> = {}): Promise<FuzzServer> {
  // stop() is the owner here: fuzz.long.ts runs outside node:test, with no test to end.
  let removePki = (): void => {};
  const pki = makePki(
    tempDir(
      {
        after: remove => {
          removePki = remove;
        },
      },
      'pki',
    ),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'src/cli/main.ts'),
      'serve',
      ...['--port', String(port), '--host', '127.0.0.1', '--snapshot', EXAMPLE],
      ...['--tls-cert', pki.certFile, '--tls-key', pki.keyFile, '--log-level', 'error'],
    ],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_OPTIONS: deployedNodeOptions(),
        IPGUARD_SHUTDOWN_DELAY_SECONDS: '0',
        ...env,
      },
    },
  );
  let logs = '';
  const keep = (c: Buffer): void => {
    // The last of it is what explains a failure.
    logs = (logs + c.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>(resolve => child.on('exit', resolve));
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const stop = async (): Promise<void> => {
    agent.destroy();
    child.kill('SIGTERM');
    await exited;
    removePki();
  };
  for (let i = 0; ; i++) {
    const ready = await call(agent, pki, port, 'GET', '/readyz').then(
      r => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (i > 600 || child.exitCode !== null) {
      await stop();
      assert.fail(`the server never became ready:\n${logs}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return {
    post: (body, contentType) => call(agent, pki, port, 'POST', '/validate', body, contentType),
    get: path => call(agent, pki, port, 'GET', path),
    rssBytes: () => {
      const status = readFileSync(`/proc/${String(child.pid)}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      assert.ok(kb !== undefined, 'VmRSS in /proc');
      return Number(kb) * 1024;
    },
    logs: () => logs,
    stop,
  };
}
