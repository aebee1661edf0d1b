import type { InstanceLimits } from '../cni/instance-limits.js';
import { nodeAddresses, type NodeAddresses } from '../cni/node-addresses.js';
import type { CniSettings } from '../cni/settings.js';

/**
 * Max pods past this change nothing a real node can hold (the largest prefix-delegation pool, 15 ENIs x 49
 * prefixes x 16, is 11,760), so a larger kubelet figure is clamped and stays cacheable.
 */
const MAX_POOL_PODS = 99_999;

/** Far more distinct node shapes than any cluster has; a table restarts past this. */
const MAX_ENTRIES_PER_TABLE = 20_000;

/** (max pods, pods, branch pods) as one number; shapes outside these ranges are computed uncached. */
function shapeKey(maxPods: number, pods: number, branchPods: number): number | undefined {
  if (maxPods >= 100_000 || pods >= 10_000 || branchPods >= 1_000) return undefined;
  return (maxPods * 10_000 + pods) * 1_000 + branchPods;
}

/**
 * The address model, memoized: a cluster has few distinct (instance type, settings, pods) shapes, and an
 * admission decision asks about thousands of nodes. Tables hang off the limits and settings objects
 * themselves, so lookups build no strings.
 */
export class AddressBook {
  readonly #tables = new WeakMap<
    InstanceLimits,
    WeakMap<CniSettings, Map<number, NodeAddresses>>
  >();

  addresses(
    limits: InstanceLimits,
    settings: CniSettings,
    maxPods: number,
    pods: number,
    branchPods = 0,
  ): NodeAddresses {
    maxPods = Math.min(maxPods, MAX_POOL_PODS);
    const key = shapeKey(maxPods, pods, branchPods);
    if (key === undefined) return nodeAddresses({ limits, settings, maxPods, pods, branchPods });
    let bySettings = this.#tables.get(limits);
    if (!bySettings) this.#tables.set(limits, (bySettings = new WeakMap()));
    let table = bySettings.get(settings);
    if (!table) bySettings.set(settings, (table = new Map<number, NodeAddresses>()));
    let a = table.get(key);
    if (!a) {
      if (table.size >= MAX_ENTRIES_PER_TABLE) table.clear();
      a = nodeAddresses({ limits, settings, maxPods, pods, branchPods });
      table.set(key, a);
    }
    return a;
  }

  /** The most pool pods this node can give addresses to (below max pods where the CNI stops short). */
  podsServed(limits: InstanceLimits, settings: CniSettings, maxPods: number): number {
    // Pods arrive one by one; the first that finds the pool unable to grow marks the limit.
    const cappedMaxPods = Math.min(maxPods, MAX_POOL_PODS);
    return this.addresses(limits, settings, cappedMaxPods, cappedMaxPods + 1).podsWithIp;
  }
}
