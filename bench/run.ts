/**
 * `npm run bench`: one run on one machine, one table, written to bench/results/. Never part of npm test.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadStateFiles, snapshotFiles } from '../src/state/files.js';
import { makePki } from '../test/helpers/certs.js';
import { admissionRows } from './admission-rows.js';
import { coreRows } from './core-rows.js';
import { deploymentRuntimeEnv, describeEnv } from './deployment-env.js';
import { writeLargeCluster } from './large-cluster.js';
import { requestMix } from './request-mix.js';
import { scaleReview, startLargeClusterFakes } from './live-cluster.js';
import { snapshotServeMemory, type ServeMemory } from './snapshot-memory.js';
import { timeLedger } from './ledger.js';
import { fmt, type Row } from './table-row.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

const LIVE_NODES = 5000;
const LIVE_PODS_PER_NODE = 30;
/** Reviews answered before the second memory reading, so what the request path keeps is counted. */
const MEMORY_LOAD_SECONDS = 5;

/** The environment that points a child process at the fakes. */
function fakeEnv(kubeconfig: string, ec2Url: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KUBECONFIG: kubeconfig,
    AWS_ENDPOINT_URL_EC2: ec2Url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise<string>((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.on('exit', code => {
      if (code === 0) resolvePromise(text);
      else reject(new Error(`${args.join(' ')} exited ${String(code)}`));
    });
  });
}

const MEMORY_NOTE = 'MiB resident (/proc VmRSS after a forced GC)';

/** One row for serve --snapshot: after loading, after answering reviews, and the peak. */
function serveMemoryRow(what: string, m: ServeMemory): Row {
  const worst = Math.max(m.atReady.rssMiB, m.afterLoad.rssMiB);
  return {
    measure: `serve --snapshot of ${what}: ${MEMORY_NOTE} when ready (${(m.startMs / 1000).toFixed(1)} s) / after ${m.requests} reviews in ${MEMORY_LOAD_SECONDS} s; peak (VmHWM)`,
    value: `${fmt(m.atReady.rssMiB, 0)} / ${fmt(m.afterLoad.rssMiB, 0)}; peak ${fmt(m.afterLoad.peakRssMiB, 0)}`,
    baseline: '',
    target: '<= 400',
    met: m.afterLoad.forcedGc && worst <= 400,
  };
}

/**
 * The live state synced from the fakes, measured in a process of its own; then the snapshot
 * `ipguard snapshot` writes of the same cluster, served by `serve --snapshot`, so the two compare.
 */
async function liveRows(pki: ReturnType<typeof makePki>): Promise<Row[]> {
  const fakes = await startLargeClusterFakes(LIVE_NODES, LIVE_PODS_PER_NODE);
  const dir = await mkdtemp(join(tmpdir(), 'ipguard-live-'));
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, fakes.kube.kubeConfigYaml());
    const env = fakeEnv(kubeconfig, fakes.ec2.url);
    const out = await run(['--expose-gc', join(ROOT, 'dist/bench/live-child.js')], env);
    const r = JSON.parse(out) as {
      syncMs: number;
      pods: number;
      nodes: number;
      rssMiB: number;
      peakRssMiB: number;
      forcedGc: boolean;
      heapDeltaBytes: number;
      arrayBufferDeltaBytes: number;
      kinds: Record<string, number>;
      admissions: number;
      ec2CallsDuringAdmissions: number;
    };
    // The same child as the Deployment runs it: its NODE_OPTIONS and glibc malloc settings.
    const deployed = deploymentRuntimeEnv(ROOT);
    const asDeployed = JSON.parse(
      await run(['--expose-gc', join(ROOT, 'dist/bench/live-child.js')], {
        ...env,
        ...deployed,
        BENCH_LIVE_ADMISSIONS: '0',
      }),
    ) as { rssMiB: number; peakRssMiB: number; forcedGc: boolean };
    const snapshotDir = join(dir, 'snapshot');
    await run([join(ROOT, 'dist/src/cli/main.js'), 'snapshot', '--out', snapshotDir], env);
    const served = await snapshotServeMemory(
      ROOT,
      snapshotDir,
      pki,
      Array.from({ length: 50 }, (_, i) => scaleReview(i * 7)),
      MEMORY_LOAD_SECONDS,
    );
    const kinds = Object.entries(r.kinds)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    return [
      {
        measure: `live state: ${MEMORY_NOTE} after syncing ${r.nodes} nodes / ${r.pods} pods and ${kinds} from the fake API (sync ${(r.syncMs / 1000).toFixed(1)} s; peak ${fmt(r.peakRssMiB, 0)} MiB)`,
        value: fmt(r.rssMiB, 0),
        baseline: '',
        target: '<= 250',
        met: r.forcedGc && r.rssMiB <= 250,
      },
      {
        measure: `live state as the Deployment runs it (${describeEnv(deployed)}): ${MEMORY_NOTE}; peak (VmHWM)`,
        value: `${fmt(asDeployed.rssMiB, 0)}; peak ${fmt(asDeployed.peakRssMiB, 0)}`,
        baseline: '',
        target: '<= 250',
        met: asDeployed.forcedGc && asDeployed.rssMiB <= 250,
      },
      {
        measure:
          'live state: heap + array buffers (typed-array pod columns and keys) per pod, bytes',
        value: `${fmt(r.heapDeltaBytes / r.pods, 0)} + ${fmt(r.arrayBufferDeltaBytes / r.pods, 0)}`,
        baseline: '',
        target: '',
        met: undefined,
      },
      serveMemoryRow(
        'the same cluster, as `ipguard snapshot` writes it (every kind above)',
        served,
      ),
      {
        measure: `EC2 calls per 10,000 admissions (${r.admissions} answered on the live state)`,
        value: String((r.ec2CallsDuringAdmissions * 10_000) / r.admissions),
        baseline: '',
        target: '0 on the request path',
        met: r.ec2CallsDuringAdmissions === 0,
      },
    ];
  } finally {
    await fakes.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'ipguard-bench-'));
  try {
    const clusterDir = join(work, 'cluster');
    const generated = await writeLargeCluster(clusterDir);
    const pki = makePki(await mkdtemp(join(work, 'pki-')));
    const rows: Row[] = [];
    rows.push(...(await admissionRows(clusterDir, pki)));

    const model = await loadStateFiles(await snapshotFiles(clusterDir));
    const core = await coreRows(model, clusterDir);
    rows.push(...core.rows);
    const lg = await timeLedger();
    rows.push({
      measure: `shared ledger, 2 replicas on the loopback API, ${lg.admissions} admissions in waves of 20: API writes per admitted change (${lg.admitted} admitted, ${lg.conflicts} conflicts retried)`,
      value: fmt(lg.writes / Math.max(1, lg.admitted), 2),
      baseline: '',
      target: '<= 1',
      met: lg.writes <= lg.admitted,
    });
    rows.push({
      measure: `shared ledger: addresses held / capacity at the end`,
      value: `${lg.heldAtEnd} / ${lg.capacity}`,
      baseline: '',
      target: 'held <= capacity',
      met: lg.heldAtEnd <= lg.capacity,
    });
    rows.push({
      measure: 'shared ledger: write p50 / p99 ms; admission (decide + write) p50 / p99 ms',
      value: `${fmt(lg.writeP50Ms)} / ${fmt(lg.writeP99Ms)}; ${fmt(lg.admitP50Ms)} / ${fmt(lg.admitP99Ms)}`,
      baseline: '',
      target: '',
      met: undefined,
    });
    const bodies = await requestMix(clusterDir);
    rows.push(
      serveMemoryRow(
        `the cluster above (the request mix)`,
        await snapshotServeMemory(ROOT, clusterDir, pki, bodies, MEMORY_LOAD_SECONDS),
      ),
    );
    rows.push(...(await liveRows(pki)));

    const header = `ipguard benchmark ${new Date().toISOString()} — Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); cluster: ${generated.nodes} nodes, ${generated.pods} pods, 3 zones, 6 subnets`;
    const table = [
      '| measure | ipguard | bare fastify | target | met |',
      '| --- | ---: | ---: | --- | --- |',
      ...rows.map(
        r =>
          `| ${r.measure} | ${r.value} | ${r.baseline} | ${r.target} | ${r.met === undefined ? '' : r.met ? 'yes' : 'NO'} |`,
      ),
    ].join('\n');
    const text = `${header}\n\n${table}\n\nDecision: ${core.summary}\n`;
    process.stdout.write(`${text}\n`);
    const out = join(ROOT, 'bench', 'results');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'latest.md'), text);
    await writeFile(join(out, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.md`), text);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
