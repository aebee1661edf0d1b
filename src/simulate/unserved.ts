import type { InstanceLimits } from '../cni/instance-limits.js';
import type { CniSettings } from '../cni/settings.js';
import { unservedCause, type UnservedCause } from '../cni/unserved.js';

/**
 * Pods the scheduler binds to nodes whose CNI never gives them an address, per node group and cause:
 * they wait in ContainerCreating, and no autoscaler adds a node for a pod that is scheduled.
 */
export interface UnservedBatch {
  /** The node group (or node pool) of the nodes; undefined for nodes without one. */
  readonly group?: string;
  readonly instanceType?: string;
  readonly newNodes: boolean;
  readonly cause: UnservedCause;
  readonly maxPods: number;
  /** Nodes with at least one such pod. */
  readonly nodes: number;
  readonly pods: number;
}

interface Entry {
  readonly group?: string;
  readonly instanceType?: string;
  readonly newNodes: boolean;
  readonly cause: UnservedCause;
  readonly maxPods: number;
  nodes: number;
  pods: number;
}

/**
 * Pods left without an address, summed per node group, instance type, max pods and cause. The cause is
 * worked out once per distinct node shape, and only for nodes that have such pods.
 */
export class UnservedTally {
  readonly #entries = new Map<string, Entry>();
  readonly #causes = new Map<InstanceLimits, Map<CniSettings, Map<number, UnservedCause>>>();

  add(
    group: string | undefined,
    instanceType: string | undefined,
    newNodes: boolean,
    limits: InstanceLimits,
    settings: CniSettings,
    maxPods: number,
    pods: number,
  ): void {
    if (pods <= 0) return;
    const cause = this.#cause(limits, settings, maxPods);
    const key = JSON.stringify([
      group,
      instanceType,
      newNodes,
      maxPods,
      cause.reason,
      cause.podsServed,
    ]);
    let e = this.#entries.get(key);
    if (!e) {
      e = {
        ...(group !== undefined && { group }),
        ...(instanceType !== undefined && { instanceType }),
        newNodes,
        cause,
        maxPods,
        nodes: 0,
        pods: 0,
      };
      this.#entries.set(key, e);
    }
    e.nodes += 1;
    e.pods += pods;
  }

  /** Node shapes with such pods so far. */
  get size(): number {
    return this.#entries.size;
  }

  batches(): UnservedBatch[] {
    return [...this.#entries.values()]
      .map(e => ({ ...e }))
      .sort((a, b) => b.pods - a.pods || ((a.group ?? '') < (b.group ?? '') ? -1 : 1));
  }

  #cause(limits: InstanceLimits, settings: CniSettings, maxPods: number): UnservedCause {
    let bySettings = this.#causes.get(limits);
    if (!bySettings)
      this.#causes.set(limits, (bySettings = new Map<CniSettings, Map<number, UnservedCause>>()));
    let byMaxPods = bySettings.get(settings);
    if (!byMaxPods) bySettings.set(settings, (byMaxPods = new Map<number, UnservedCause>()));
    let cause = byMaxPods.get(maxPods);
    if (!cause) byMaxPods.set(maxPods, (cause = unservedCause(limits, settings, maxPods)));
    return cause;
  }
}
