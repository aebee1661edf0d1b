/**
 * `npm run bench:core`: only the in-process decision rows (no HTTPS load, no live sync), quick enough
 * to profile the pure core with `--cpu-prof`. BENCH_ONLY=switch|spread|settings|daemonset|karpenter runs one.
 * `npm run bench` runs the same rows among the rest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStateFiles, snapshotFiles } from '../src/state/files.js';
import { coreRows } from './core-rows.js';
import { writeLargeCluster } from './large-cluster.js';

const work = await mkdtemp(join(tmpdir(), 'ipguard-core-'));
try {
  const dir = join(work, 'cluster');
  await writeLargeCluster(dir);
  const model = await loadStateFiles(await snapshotFiles(dir));
  const { rows } = await coreRows(model, dir, process.env.BENCH_ONLY);
  for (const r of rows)
    process.stdout.write(
      `| ${r.measure} | ${r.value} | ${r.target} | ${r.met === undefined ? '' : r.met ? 'yes' : 'NO'} |\n`,
    );
} finally {
  await rm(work, { recursive: true, force: true });
}
