import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors.js';

export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface LoadedKubeConfig {
  readonly kubeConfig: KubeConfig;
  /** For logs: which file or `in-cluster`, and the server. */
  readonly description: string;
}

/** The first line of a message: YAML errors quote the offending lines below it. */
function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n', 1)[0]?.trim() ?? '';
}

/** One kubeconfig file, its relative paths made absolute; undefined for an empty file (kubectl skips those). */
function readKubeConfigFile(path: string): KubeConfig | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`kubeconfig ${path}: ${firstLine(err)}`, { cause: err });
  }
  if (text.trim() === '') return undefined;
  // client-node reads fields off whatever the YAML holds, so a string or a list would load as an empty
  // config (or fail with a TypeError); say what is wrong instead. Its own parser reports YAML errors.
  let shape: unknown = {};
  try {
    shape = parseYaml(text, { uniqueKeys: false });
  } catch {
    // Left to loadFromString below, whose message is the one client-node users know.
  }
  if (typeof shape !== 'object' || shape === null || Array.isArray(shape))
    throw new InputError(
      `kubeconfig ${path}: not a kubeconfig (expected a YAML mapping with clusters, users and contexts)`,
    );
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
    // Certificate and key paths are relative to the file that names them, as kubectl reads them.
    kc.makePathsAbsolute(dirname(path));
  } catch (err) {
    throw new InputError(`kubeconfig ${path}: ${firstLine(err)}`, { cause: err });
  }
  return kc;
}

/**
 * Several kubeconfig files as kubectl merges them: the first file that sets current-context decides
 * it, and of clusters, users or contexts with the same name the first one wins. client-node's
 * mergeConfig differs on both (the last current-context wins, a repeated name throws).
 */
function mergeKubeConfigs(configs: readonly KubeConfig[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext: string | undefined;
  for (const kc of configs) {
    for (const c of kc.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c);
    const current = kc.getCurrentContext() as string | undefined;
    if (currentContext === undefined && current !== undefined && current !== '')
      currentContext = current;
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return merged;
}

/** Says at load time what kubectl would say, instead of a confusing failure on the first request. */
function checkCurrentContext(kc: KubeConfig, where: string): void {
  const name = kc.getCurrentContext() as string | undefined;
  if (name === undefined || name === '')
    throw new InputError(`kubeconfig ${where}: no current-context is set`);
  const context = kc.getContextObject(name);
  if (!context)
    throw new InputError(`kubeconfig ${where}: current-context ${name} is not among the contexts`);
  if (!kc.getCluster(context.cluster))
    throw new InputError(
      `kubeconfig ${where}: context ${name} names cluster ${context.cluster}, which is not defined`,
    );
}

/**
 * The kubeconfig kubectl would use — $KUBECONFIG (files merged as kubectl merges them), ~/.kube/config,
 * then the pod's service account — or undefined when there is none. client-node's loadFromDefault falls
 * back to http://localhost:8080 instead, which would turn "no cluster here" into a confusing connection
 * error. A file that cannot be read or used is an InputError naming it.
 */
export function loadKubeConfig(
  env: Readonly<Record<string, string | undefined>>,
  fileExists: (path: string) => boolean = existsSync,
): LoadedKubeConfig | undefined {
  const describe = (kc: KubeConfig, where: string): LoadedKubeConfig => ({
    kubeConfig: kc,
    description: `${where} (${kc.getCurrentCluster()?.server ?? 'no server'})`,
  });
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter(f => f !== '' && fileExists(f));
  if (files.length > 0) {
    const where = files.join(delimiter);
    const configs = files.flatMap(f => readKubeConfigFile(f) ?? []);
    const kc = configs.length === 1 && configs[0] ? configs[0] : mergeKubeConfigs(configs);
    checkCurrentContext(kc, where);
    return describe(kc, where);
  }
  const home = env.HOME ?? env.USERPROFILE;
  const homeConfig = home === undefined || home === '' ? undefined : join(home, '.kube', 'config');
  if (homeConfig !== undefined && fileExists(homeConfig)) {
    const kc = readKubeConfigFile(homeConfig) ?? new KubeConfig();
    checkCurrentContext(kc, homeConfig);
    return describe(kc, homeConfig);
  }
  if (env.KUBERNETES_SERVICE_HOST !== undefined && fileExists(SERVICE_ACCOUNT_TOKEN)) {
    const kc = new KubeConfig();
    try {
      kc.loadFromCluster();
    } catch (err) {
      throw new InputError(`the pod's service account: ${firstLine(err)}`, { cause: err });
    }
    return describe(kc, 'in-cluster service account');
  }
  return undefined;
}
