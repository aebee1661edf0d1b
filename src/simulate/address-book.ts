import type { InstanceLimits } from '../cni/instance-limits.js';
import { nodeAddresses, type NodeAddresses } from '../cni/node-addresses.js';
import type { CniSettings } from '../cni/settings.js';

/** Far more distinct node shapes than any cluster has; the cache restarts past this. */
const MAX_ENTRIES = 50_000;

/**
 * The address model, memoized: a cluster has few distinct (instance type, settings, pods) shapes,
 * and an admission decision asks about thousands of nodes.
 */
export class AddressBook {
  readonly #cache = new Map<string, NodeAddresses>();
  readonly #settingsKeys = new WeakMap<CniSettings, string>();
  readonly #limitsKeys = new WeakMap<InstanceLimits, string>();

  #key(
    limits: InstanceLimits,
    settings: CniSettings,
    maxPods: number,
    pods: number,
    branchPods: number,
  ): string {
    let s = this.#settingsKeys.get(settings);
    if (s === undefined) {
      s = JSON.stringify(settings);
      this.#settingsKeys.set(settings, s);
    }
    let l = this.#limitsKeys.get(limits);
    if (l === undefined) {
      l = `${limits.maxEnis}/${limits.ipv4PerEni}/${limits.maxBranchEnis ?? ''}/${limits.prefixDelegationSupported ?? ''}`;
      this.#limitsKeys.set(limits, l);
    }
    return `${l}|${s}|${maxPods}|${pods}|${branchPods}`;
  }

  addresses(
    limits: InstanceLimits,
    settings: CniSettings,
    maxPods: number,
    pods: number,
    branchPods = 0,
  ): NodeAddresses {
    const key = this.#key(limits, settings, maxPods, pods, branchPods);
    let a = this.#cache.get(key);
    if (!a) {
      if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
      a = nodeAddresses({ limits, settings, maxPods, pods, branchPods });
      this.#cache.set(key, a);
    }
    return a;
  }

  /** The most pool pods this node can give addresses to (below max pods where the CNI stops short). */
  podsServed(limits: InstanceLimits, settings: CniSettings, maxPods: number): number {
    // Pods arrive one by one; the first that finds the pool unable to grow marks the limit.
    return this.addresses(limits, settings, maxPods, maxPods + 1).podsWithIp;
  }
}
