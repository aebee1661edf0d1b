import { addPodUsage } from '../cluster/build.js';
import { EMPTY_USAGE, type NodeUsage, type PodRecord } from '../cluster/model.js';
import { Interner } from './intern.js';

function samePod(a: PodRecord, b: PodRecord): boolean {
  return (
    a.nodeName === b.nodeName &&
    a.terminal === b.terminal &&
    a.network === b.network &&
    a.requests.cpuMilli === b.requests.cpuMilli &&
    a.requests.memoryBytes === b.requests.memoryBytes &&
    a.scoreRequests?.cpuMilli === b.scoreRequests?.cpuMilli &&
    a.scoreRequests?.memoryBytes === b.scoreRequests?.memoryBytes &&
    a.ownerKind === b.ownerKind &&
    a.ownerName === b.ownerName
  );
}

/** The pods that count for a workload's spread over nodes, as buildClusterModel counts them. */
function countsForReplicaSet(p: PodRecord): p is PodRecord & { nodeName: string } {
  return !p.terminal && p.nodeName !== undefined && p.ownerKind === 'ReplicaSet';
}

/**
 * Pods as small records, and the sums kept current as they change: per-node usage (addPodUsage, the
 * same arithmetic buildClusterModel uses) and per-ReplicaSet pod counts per node. Most pod updates
 * are status changes that touch none of these fields; they change nothing here.
 */
export class PodIndex {
  readonly #pods = new Map<string, PodRecord>();
  readonly #usage = new Map<string, NodeUsage>();
  /** `namespace/replicaSet` → node → pods. */
  readonly #rsNodes = new Map<string, Map<string, number>>();
  readonly #strings = new Interner();
  /** Nodes whose usage changed since the last drain. */
  readonly dirtyNodes = new Set<string>();
  /** ReplicaSets (`namespace/name`) whose pods moved since the last drain. */
  readonly dirtyReplicaSets = new Set<string>();

  get size(): number {
    return this.#pods.size;
  }

  usageOf(node: string): NodeUsage {
    return this.#usage.get(node) ?? EMPTY_USAGE;
  }

  replicaSetNodes(rsKey: string): ReadonlyMap<string, number> | undefined {
    return this.#rsNodes.get(rsKey);
  }

  /** True when something the model reads changed. */
  upsert(key: string, pod: PodRecord): boolean {
    const old = this.#pods.get(key);
    if (old && samePod(old, pod)) return false;
    const compact = this.#compact(pod);
    this.#pods.set(key, compact);
    if (old) this.#apply(old, -1);
    this.#apply(compact, 1);
    return true;
  }

  remove(key: string): boolean {
    const old = this.#pods.get(key);
    if (!old) return false;
    this.#pods.delete(key);
    this.#apply(old, -1);
    return true;
  }

  /** After a relist: start the sums over, and mark everything they touched. */
  replaceAll(pods: ReadonlyMap<string, PodRecord>): void {
    for (const node of this.#usage.keys()) this.dirtyNodes.add(node);
    for (const rs of this.#rsNodes.keys()) this.dirtyReplicaSets.add(rs);
    this.#pods.clear();
    this.#usage.clear();
    this.#rsNodes.clear();
    for (const [key, pod] of pods) {
      const compact = this.#compact(pod);
      this.#pods.set(key, compact);
      this.#apply(compact, 1);
    }
  }

  #compact(p: PodRecord): PodRecord {
    const nodeName = this.#strings.of(p.nodeName);
    const ownerKind = this.#strings.of(p.ownerKind);
    const ownerName = this.#strings.of(p.ownerName);
    return {
      namespace: this.#strings.of(p.namespace),
      name: p.name,
      ...(nodeName !== undefined && { nodeName }),
      terminal: p.terminal,
      network: p.network,
      requests: p.requests,
      ...(p.scoreRequests && { scoreRequests: p.scoreRequests }),
      ...(ownerKind !== undefined && { ownerKind }),
      ...(ownerName !== undefined && { ownerName }),
    };
  }

  #apply(pod: PodRecord, sign: 1 | -1): void {
    const node = pod.nodeName;
    if (node === undefined || pod.terminal) return;
    const usage = addPodUsage(this.usageOf(node), pod, sign);
    if (usage.pods === 0) this.#usage.delete(node);
    else this.#usage.set(node, usage);
    this.dirtyNodes.add(node);
    if (!countsForReplicaSet(pod)) return;
    const rsKey = `${pod.namespace}/${pod.ownerName ?? ''}`;
    let nodes = this.#rsNodes.get(rsKey);
    if (!nodes) this.#rsNodes.set(rsKey, (nodes = new Map<string, number>()));
    const n = (nodes.get(node) ?? 0) + sign;
    if (n > 0) nodes.set(node, n);
    else nodes.delete(node);
    if (nodes.size === 0) this.#rsNodes.delete(rsKey);
    this.dirtyReplicaSets.add(rsKey);
  }
}
