/**
 * The environment manifests/base/deployment.yaml gives ipguard that changes how Node and glibc manage
 * memory (NODE_OPTIONS, MALLOC_*), so a benchmark can run the process as the Deployment runs it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface DeploymentYaml {
  readonly kind?: string;
  readonly spec?: {
    readonly template?: {
      readonly spec?: {
        readonly containers?: readonly {
          readonly env?: readonly { readonly name: string; readonly value?: string }[];
        }[];
      };
    };
  };
}

export function deploymentRuntimeEnv(root: string): Record<string, string> {
  const path = join(root, 'manifests', 'base', 'deployment.yaml');
  const doc = parse(readFileSync(path, 'utf8')) as DeploymentYaml;
  const env = doc.spec?.template?.spec?.containers?.[0]?.env;
  if (doc.kind !== 'Deployment' || !env) throw new Error(`${path}: no Deployment container env`);
  return Object.fromEntries(
    env
      .filter(e => e.name === 'NODE_OPTIONS' || e.name.startsWith('MALLOC_'))
      .flatMap(e => (e.value === undefined ? [] : [[e.name, e.value] as const])),
  );
}

/** `NAME=value …`, for a row's label. */
export function describeEnv(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
