import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../fakes/kube-api.js';
import { repoRoot } from './repo.js';

/** The bundled blue/green example: a 13-node EKS cluster captured as kubectl and aws CLI output. */
export const BLUEGREEN_DIR = `${join(repoRoot(), 'examples', 'bluegreen')}/`;

function readJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${BLUEGREEN_DIR}${name}`, 'utf8')) as Record<string, unknown>;
}

export function bluegreenObjects(): KubeObject[] {
  return readJson('cluster.json').items as KubeObject[];
}

export function bluegreenSubnets(): { Subnets: Record<string, unknown>[] } {
  return readJson('subnets.json') as { Subnets: Record<string, unknown>[] };
}

export function bluegreenInstanceTypes(): { InstanceTypes: Record<string, unknown>[] } {
  return readJson('instance-types.json') as { InstanceTypes: Record<string, unknown>[] };
}

/** A deep copy, for tests that edit an object before sending it as an event. */
export function clone<T>(v: T): T {
  return structuredClone(v);
}
