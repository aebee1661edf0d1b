import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FakeEc2 } from '../fakes/ec2.js';
import { FakeKubeApi } from '../fakes/kube-api.js';
import { bluegreenInstanceTypes, bluegreenObjects, bluegreenSubnets } from './examples.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/**
 * The environment a user's shell gives `ipguard` to reach a cluster and EC2: a kubeconfig file for the
 * fake API server and the AWS SDK's own variables pointed at the fake EC2 (the SDK reads the process
 * environment, so these commands run as child processes).
 */
export function liveEnv(kube: FakeKubeApi, ec2: FakeEc2, dir: string): NodeJS.ProcessEnv {
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kube.kubeConfigYaml());
  return {
    PATH: process.env.PATH,
    HOME: dir,
    KUBECONFIG: kubeconfig,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_EC2: ec2.url,
    AWS_ACCESS_KEY_ID: 'AKIDFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export interface ProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `ipguard <args>` as a separate process; a non-zero exit is a result, not a failure. */
export async function ipguardProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<ProcessRun> {
  try {
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      env,
      timeout: 30_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The fake API server and EC2 holding the bundled blue/green example, closed after the test. */
export async function startBluegreenFakes(
  t: { after: (fn: () => Promise<void>) => void },
  o: { instanceTypes?: boolean } = {},
): Promise<{ kube: FakeKubeApi; ec2: FakeEc2 }> {
  const kube = await FakeKubeApi.start();
  kube.load(bluegreenObjects());
  const ec2 = await FakeEc2.start();
  ec2.load(bluegreenSubnets());
  if (o.instanceTypes !== false) ec2.load(bluegreenInstanceTypes());
  t.after(async () => {
    await kube.close();
    await ec2.close();
  });
  return { kube, ec2 };
}
