import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  stdout: 'ignore' | 'pipe' = 'ignore',
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...args], { stdio: ['ignore', stdout, 'inherit'] });
  // Read and dropped, as a log collector would read it.
  child.stdout?.resume();
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

/** autocannon posting `bodies` in turn (each connection cycles through them) to one server. */
export async function load(
  port: number,
  bodies: readonly string[],
  connections: number,
  durationSeconds: number,
): Promise<LoadResult & { readonly requests: number; readonly seconds: number }> {
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
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    requests: result.requests.total,
    seconds: result.duration,
  };
}

/** One POST over HTTPS: the answer's status and body. */
export function post(port: number, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/validate',
        method: 'POST',
        rejectUnauthorized: false,
        headers: { 'content-type': 'application/json' },
        timeout: 30_000,
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** CPU seconds a process has used so far (user + system), from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

export interface Server {
  readonly port: number;
  readonly pid: number;
}

export interface SideBySide {
  readonly ipguard: LoadResult;
  readonly bare: LoadResult;
  /** ipguard's requests per second over the bare route's, both summed over the rounds. */
  readonly ratio: number;
  /**
   * The server's CPU time per answer, µs: what each costs whoever else shares the cores (the
   * throughput ratio moves with the load generator and neighbours; this moves less).
   */
  readonly ipguardCpuUs: number;
  readonly bareCpuUs: number;
  /** The largest p99 of a round, ipguard. */
  readonly worstP99Ms: number;
  readonly rounds: number;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The same bodies against ipguard and the bare route in alternating rounds (which one goes first
 * alternates too), so both see the same machine: on shared cores only the ratio within one run means
 * something. Requests per second are summed over the rounds; p50 and p99 are the rounds' medians.
 */
export async function sideBySide(o: {
  readonly ipguard: Server;
  readonly bare: Server;
  readonly bodies: readonly string[];
  readonly connections: number;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly warmupSeconds: number;
}): Promise<SideBySide> {
  const runs = {
    ipguard: [] as Awaited<ReturnType<typeof load>>[],
    bare: [] as Awaited<ReturnType<typeof load>>[],
  };
  const cpu = { ipguard: 0, bare: 0 };
  await load(o.ipguard.port, o.bodies, o.connections, o.warmupSeconds);
  await load(o.bare.port, o.bodies, o.connections, o.warmupSeconds);
  for (let round = 0; round < o.rounds; round++) {
    const order = round % 2 === 0 ? (['bare', 'ipguard'] as const) : (['ipguard', 'bare'] as const);
    for (const which of order) {
      const server = o[which];
      const before = cpuSeconds(server.pid);
      runs[which].push(await load(server.port, o.bodies, o.connections, o.roundSeconds));
      cpu[which] += cpuSeconds(server.pid) - before;
    }
  }
  const answered = (rs: (typeof runs)['bare']): number => rs.reduce((a, r) => a + r.requests, 0);
  const sum = (rs: (typeof runs)['bare']): LoadResult => ({
    requestsPerSecond:
      rs.reduce((a, r) => a + r.requests, 0) / rs.reduce((a, r) => a + r.seconds, 0),
    p50Ms: median(rs.map(r => r.p50Ms)),
    p99Ms: median(rs.map(r => r.p99Ms)),
    non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
    errors: rs.reduce((a, r) => a + r.errors, 0),
  });
  const ipguard = sum(runs.ipguard);
  const bare = sum(runs.bare);
  return {
    ipguard,
    bare,
    ratio: ipguard.requestsPerSecond / bare.requestsPerSecond,
    ipguardCpuUs: (cpu.ipguard * 1e6) / answered(runs.ipguard),
    bareCpuUs: (cpu.bare * 1e6) / answered(runs.bare),
    worstP99Ms: Math.max(...runs.ipguard.map(r => r.p99Ms)),
    rounds: o.rounds,
  };
}
