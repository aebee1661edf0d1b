import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Reference data the tests check against, carried in the repository (test/fixtures, provenance in its
 * README) so that a fresh clone, a fork's CI and a packager's build all pass with nothing beside them.
 */
export function fixturesDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
}

export function readFixtureJson(name: string): unknown {
  return JSON.parse(readFileSync(join(fixturesDir(), name), 'utf8'));
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
  return readFixtureJson('eni-max-pods.json') as EniMaxPodsRow[];
}
