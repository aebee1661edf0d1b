import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The team's reference data (`shared/data`, beside the clone): the EKS max-pods table and captured
 * AdmissionReviews. Found by walking up from the repository, or from SHARED_DATA_DIR.
 */
export function sharedDataDir(): string {
  const fromEnv = process.env.SHARED_DATA_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  let dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'shared', 'data');
    if (existsSync(join(candidate, 'eni-max-pods.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(
    'shared/data (the reference data beside the clone) not found; set SHARED_DATA_DIR',
  );
}

export function readSharedJson(name: string): unknown {
  return JSON.parse(readFileSync(join(sharedDataDir(), name), 'utf8'));
}

/** One row of eni-max-pods.json: the VPC CNI's limits table plus misc/eni-max-pods.txt. */
export interface EniMaxPodsRow {
  instanceType: string;
  maxEnis: number;
  ipv4PerEni: number;
  vcpus?: number;
  expectedMaxPods: number;
  pdCapable?: 0 | 1;
  networkCards?: number;
  maxBranchEnis?: number;
}

export function eniMaxPodsTable(): EniMaxPodsRow[] {
  return readSharedJson('eni-max-pods.json') as EniMaxPodsRow[];
}
