import { loadKubeConfig } from '../kube/kubeconfig.js';
import { createKubeTransport } from '../kube/transport.js';

export interface LiveProbe {
  readonly available: boolean;
  /** Why not, or where: for the one log line `serve` prints when it chooses its state. */
  readonly reason: string;
}

/** An API server that does not answer a one-item list this fast is not one to serve admission from. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Whether a cluster is configured and answers: a kubeconfig (or in-cluster service account) that lists
 * one namespace within `timeoutMs`. False at once when nothing is configured. EC2 is not probed: the
 * SDK resolves credentials lazily, and the live source reports EC2 problems itself.
 */
export async function probeLiveState(
  env: Readonly<Record<string, string | undefined>> = process.env,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<LiveProbe> {
  let loaded;
  try {
    loaded = loadKubeConfig(env);
  } catch (err) {
    // The message names the file and what is wrong with it.
    return { available: false, reason: (err as Error).message };
  }
  if (!loaded) {
    return {
      available: false,
      reason: 'no cluster configured (no KUBECONFIG, no ~/.kube/config, not in a pod)',
    };
  }
  try {
    const transport = createKubeTransport(loaded.kubeConfig, { getTimeoutMs: timeoutMs });
    await transport.getJson('/api/v1/namespaces', { limit: 1 }, new AbortController().signal);
    return { available: true, reason: `cluster at ${loaded.description}` };
  } catch (err) {
    return {
      available: false,
      reason: `the cluster at ${loaded.description} did not answer: ${(err as Error).message}`,
    };
  }
}

/** For `serve`: live state when a cluster answers, else the caller falls back (e.g. the bundled example). */
export async function liveStateAvailable(
  env: Readonly<Record<string, string | undefined>> = process.env,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<boolean> {
  return (await probeLiveState(env, timeoutMs)).available;
}
