import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import autocannon from 'autocannon';

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise(r => srv.close(r));
  return port;
}

/** Start a server process and wait until /readyz answers 200 over HTTPS. */
export async function startServer(
  args: readonly string[],
  port: number,
  timeoutMs = 120_000,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>(resolve => {
      const req = request(
        { host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: 1000 },
        res => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on('error', () => {
        resolve(false);
      });
      req.end();
    });
    if (ok) return child;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`server ${args.join(' ')} never became ready`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise(r => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise(r => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** autocannon with the same request mix against one server. */
export async function load(
  port: number,
  bodies: readonly string[],
  connections: number,
  durationSeconds: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url: `https://127.0.0.1:${port}/validate`,
    connections,
    duration: durationSeconds,
    requests: bodies.map(body => ({
      method: 'POST' as const,
      path: '/validate',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
