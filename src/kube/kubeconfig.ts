import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface LoadedKubeConfig {
  readonly kubeConfig: KubeConfig;
  /** For logs: which file or `in-cluster`, and the server. */
  readonly description: string;
}

/**
 * The kubeconfig kubectl would use — $KUBECONFIG (files merged, first wins), ~/.kube/config, then the
 * pod's service account — or undefined when there is none. client-node's loadFromDefault falls back to
 * http://localhost:8080 instead, which would turn "no cluster here" into a confusing connection error.
 */
export function loadKubeConfig(
  env: Readonly<Record<string, string | undefined>>,
  fileExists: (path: string) => boolean = existsSync,
): LoadedKubeConfig | undefined {
  const kc = new KubeConfig();
  const describe = (where: string): LoadedKubeConfig => ({
    kubeConfig: kc,
    description: `${where} (${kc.getCurrentCluster()?.server ?? 'no server'})`,
  });
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter(f => f !== '' && fileExists(f));
  const [first, ...rest] = files;
  if (first !== undefined) {
    kc.loadFromFile(first);
    for (const f of rest) {
      const more = new KubeConfig();
      more.loadFromFile(f);
      kc.mergeConfig(more);
    }
    return describe(files.join(delimiter));
  }
  const home = env.HOME ?? env.USERPROFILE;
  if (home !== undefined && home !== '' && fileExists(join(home, '.kube', 'config'))) {
    kc.loadFromFile(join(home, '.kube', 'config'));
    return describe(join(home, '.kube', 'config'));
  }
  if (env.KUBERNETES_SERVICE_HOST !== undefined && fileExists(SERVICE_ACCOUNT_TOKEN)) {
    kc.loadFromCluster();
    return describe('in-cluster service account');
  }
  return undefined;
}
