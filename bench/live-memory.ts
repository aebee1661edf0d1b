/**
 * The live-state memory row of `npm run bench` alone, run several times in a row so its noise shows:
 * the fakes start once, and each run is a fresh bench/live-child.js process (as `npm run bench` runs
 * it). Prints one line per run and the median; the full bench takes the machine for a quarter hour.
 *
 *   npm run build && npx tsc -p tsconfig.bench.json
 *   node dist/bench/live-memory.js [runs] [--as-deployed] [-- node flags for the child…]
 *
 * --as-deployed runs the child with the Deployment's NODE_OPTIONS and MALLOC_* settings.
 * BENCH_LIVE_ADMISSIONS=0 skips the admissions after the reading (they do not change it);
 * BENCH_HEAP_SNAPSHOT=DIR makes each child write a heap snapshot there after its reading.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deploymentRuntimeEnv, describeEnv } from './deployment-env.js';
import { startLargeClusterFakes } from './live-cluster.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const split = process.argv.indexOf('--');
const runs = Number(process.argv[2] ?? 3) || 3;
const childFlags = split === -1 ? [] : process.argv.slice(split + 1);
const ownArgs = split === -1 ? process.argv.slice(2) : process.argv.slice(2, split);
const deployed = ownArgs.includes('--as-deployed') ? deploymentRuntimeEnv(ROOT) : {};

interface ChildResult {
  readonly rssMiB: number;
  readonly peakRssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapDeltaBytes: number;
  readonly arrayBufferDeltaBytes: number;
  readonly pods: number;
  readonly nodes: number;
  readonly syncMs: number;
  readonly kinds: Record<string, number>;
  readonly admissions: number;
  readonly admissionsCpuMs: number;
  readonly admissionsGcPauseMs: number;
}

function runChild(env: NodeJS.ProcessEnv): Promise<ChildResult> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', ...childFlags, join(ROOT, 'dist/bench/live-child.js')],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.on('exit', code => {
      if (code === 0) done(JSON.parse(text) as ChildResult);
      else fail(new Error(`live-child exited ${String(code)}`));
    });
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const fakes = await startLargeClusterFakes(5000, 30);
const dir = await mkdtemp(join(tmpdir(), 'ipguard-live-memory-'));
try {
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, fakes.kube.kubeConfigYaml());
  const env = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    AWS_ENDPOINT_URL_EC2: fakes.ec2.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...deployed,
  };
  const results: ChildResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runChild(env);
    results.push(r);
    process.stdout.write(
      `run ${i + 1}: rss ${r.rssMiB.toFixed(1)} MiB, peak ${r.peakRssMiB.toFixed(0)}, heap ${r.heapUsedMiB.toFixed(1)} MiB (${(r.heapDeltaBytes / r.pods).toFixed(0)} B/pod + ${(r.arrayBufferDeltaBytes / r.pods).toFixed(0)} B/pod in array buffers), sync ${(r.syncMs / 1000).toFixed(1)} s${r.admissions ? `, ${r.admissions} admissions ${r.admissionsCpuMs} ms CPU (GC pauses ${r.admissionsGcPauseMs} ms)` : ''}; ${r.nodes} nodes, ${r.pods} pods, ${JSON.stringify(r.kinds)}\n`,
    );
  }
  process.stdout.write(
    `median of ${runs}${childFlags.length ? ` (${childFlags.join(' ')})` : ''}${Object.keys(deployed).length ? ` (as deployed: ${describeEnv(deployed)})` : ''}: rss ${median(results.map(r => r.rssMiB)).toFixed(1)} MiB (${Math.min(...results.map(r => r.rssMiB)).toFixed(1)}–${Math.max(...results.map(r => r.rssMiB)).toFixed(1)}), peak ${median(results.map(r => r.peakRssMiB)).toFixed(0)}, heap ${median(results.map(r => r.heapUsedMiB)).toFixed(1)} MiB, sync ${median(results.map(r => r.syncMs)).toFixed(0)} ms${results[0]?.admissions ? `, admissions CPU ${median(results.map(r => r.admissionsCpuMs)).toFixed(0)} ms (GC pauses ${median(results.map(r => r.admissionsGcPauseMs)).toFixed(0)} ms)` : ''}\n`,
  );
} finally {
  await fakes.close();
  await rm(dir, { recursive: true, force: true });
}
