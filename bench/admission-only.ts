/** The admission rows alone, printed: for iterating on the request path (`npm run bench` runs them all). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePki } from '../test/helpers/certs.js';
import { admissionRows } from './admission-rows.js';
import { writeLargeCluster } from './large-cluster.js';

const work = await mkdtemp(join(tmpdir(), 'ipguard-bench-'));
try {
  const clusterDir = join(work, 'cluster');
  await writeLargeCluster(clusterDir);
  const pki = makePki(await mkdtemp(join(work, 'pki-')));
  for (const r of await admissionRows(clusterDir, pki))
    process.stdout.write(
      `| ${r.measure} | ${r.value} | ${r.baseline} | ${r.target} | ${r.met === true ? 'yes' : 'NO'} |\n`,
    );
} finally {
  await rm(work, { recursive: true, force: true });
}
