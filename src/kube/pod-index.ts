import { addPodUsage } from '../cluster/build.js';
import { EMPTY_USAGE, workloadKey, type NodeUsage, type PodRecord } from '../cluster/model.js';
import { KeySlots } from './key-slots.js';

/**
 * What a pod adds to the sums apart from its node: requests, network, phase and owner. Pods of one
 * ReplicaSet share one, so 150,000 pods hold a few hundred of these rather than 150,000 records.
 */
interface Shape {
  readonly key: string;
  readonly terminal: boolean;
  readonly network: PodRecord['network'];
  readonly requests: PodRecord['requests'];
  readonly scoreRequests?: PodRecord['requests'];
  /** `namespace/replicaSet` when the pod counts for its ReplicaSet's spread over nodes. */
  readonly replicaSet?: string;
  /** The workloadKey of the StatefulSet or Job that owns the pod, as buildClusterModel counts it. */
  readonly direct?: string;
}

/** The identity of a pod's shape: every field samePod compared, nothing of its name or node. */
function shapeKey(p: PodRecord): string {
  return JSON.stringify([
    p.namespace,
    p.terminal,
    p.network,
    p.requests.cpuMilli,
    p.requests.memoryBytes,
    p.scoreRequests?.cpuMilli ?? null,
    p.scoreRequests?.memoryBytes ?? null,
    p.ownerKind ?? null,
    p.ownerName ?? null,
  ]);
}

/**
 * Values looked up by a string key and counted by reference: ids are reused once nothing refers to
 * them, so node and owner churn never grows the table.
 */
class RefTable<T> {
  readonly #ids = new Map<string, number>();
  readonly #values: (T | undefined)[] = [];
  readonly #refs: number[] = [];
  readonly #free: number[] = [];

  /** The id of `key`, made with `make` when new; one more reference to it. */
  take(key: string, make: () => T): number {
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#free.pop() ?? this.#values.length;
      this.#ids.set(key, id);
      this.#values[id] = make();
      this.#refs[id] = 0;
    }
    this.#refs[id] = (this.#refs[id] ?? 0) + 1;
    return id;
  }

  value(id: number): T {
    return this.#values[id] as T;
  }

  release(id: number, key: string): void {
    const refs = (this.#refs[id] ?? 1) - 1;
    this.#refs[id] = refs;
    if (refs > 0) return;
    this.#ids.delete(key);
    this.#values[id] = undefined;
    this.#free.push(id);
  }

  clear(): void {
    this.#ids.clear();
    this.#values.length = 0;
    this.#refs.length = 0;
    this.#free.length = 0;
  }

  get size(): number {
    return this.#ids.size;
  }
}

const NO_NODE = -1;

/**
 * Pods as two small integers each (their node and their shape, in typed arrays), and the sums kept
 * current as they change: per-node usage (addPodUsage, the same arithmetic buildClusterModel uses) and
 * per-ReplicaSet pod counts per node. Most pod updates are status changes that touch none of these
 * fields; they change nothing here. A pod's name is kept only as its key.
 */
export class PodIndex {
  /** Pod key (`namespace/name`) → its slot in the columns below; a Map here was 85 bytes a pod. */
  readonly #slots = new KeySlots();
  readonly #freeSlots: number[] = [];
  #nodeOf = new Int32Array(1024);
  #shapeOf = new Int32Array(1024);
  readonly #nodes = new RefTable<string>();
  readonly #shapes = new RefTable<Shape>();
  readonly #usage = new Map<string, NodeUsage>();
  /** `namespace/replicaSet` → node → pods. */
  readonly #rsNodes = new Map<string, Map<string, number>>();
  /** workloadKey of a StatefulSet or Job → node → pods. */
  readonly #directNodes = new Map<string, Map<string, number>>();
  /** Nodes whose usage changed since the last drain. */
  readonly dirtyNodes = new Set<string>();
  /** ReplicaSets (`namespace/name`) whose pods moved since the last drain. */
  readonly dirtyReplicaSets = new Set<string>();
  /** StatefulSets and Jobs (workloadKey) whose pods moved since the last drain. */
  readonly dirtyDirect = new Set<string>();

  get size(): number {
    return this.#slots.size;
  }

  /** Distinct nodes and shapes referred to (they must shrink as pods go), and the columns' length. */
  tableSizes(): { nodes: number; shapes: number; slots: number } {
    return { nodes: this.#nodes.size, shapes: this.#shapes.size, slots: this.#nodeOf.length };
  }

  usageOf(node: string): NodeUsage {
    return this.#usage.get(node) ?? EMPTY_USAGE;
  }

  replicaSetNodes(rsKey: string): ReadonlyMap<string, number> | undefined {
    return this.#rsNodes.get(rsKey);
  }

  /** Pods per node of a StatefulSet or Job, by workloadKey. */
  directNodes(key: string): ReadonlyMap<string, number> | undefined {
    return this.#directNodes.get(key);
  }

  /** True when something the model reads changed. */
  upsert(key: string, pod: PodRecord): boolean {
    const slot = this.#slots.get(key);
    if (slot !== undefined) {
      const node = this.#nodeOf[slot] as number;
      const shape = this.#shapes.value(this.#shapeOf[slot] as number);
      const sameNode =
        pod.nodeName === undefined
          ? node === NO_NODE
          : node !== NO_NODE && this.#nodes.value(node) === pod.nodeName;
      if (sameNode && shape.key === shapeKey(pod)) return false;
      this.#drop(slot);
      this.#put(slot, pod);
      return true;
    }
    const fresh = this.#freeSlots.pop() ?? this.#slots.size;
    this.#grow(fresh);
    this.#slots.set(key, fresh);
    this.#put(fresh, pod);
    return true;
  }

  remove(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    this.#drop(slot);
    this.#freeSlots.push(slot);
    return true;
  }

  /** After a relist: start the sums over, and mark everything they touched. */
  replaceAll(pods: ReadonlyMap<string, PodRecord>): void {
    for (const node of this.#usage.keys()) this.dirtyNodes.add(node);
    for (const rs of this.#rsNodes.keys()) this.dirtyReplicaSets.add(rs);
    for (const w of this.#directNodes.keys()) this.dirtyDirect.add(w);
    this.#directNodes.clear();
    this.#slots.clear();
    this.#freeSlots.length = 0;
    this.#nodes.clear();
    this.#shapes.clear();
    this.#usage.clear();
    this.#rsNodes.clear();
    this.#nodeOf = new Int32Array(Math.max(1024, pods.size));
    this.#shapeOf = new Int32Array(Math.max(1024, pods.size));
    let keyBytes = 0;
    for (const key of pods.keys()) keyBytes += key.length;
    this.#slots.reserve(pods.size, keyBytes);
    let slot = 0;
    for (const [key, pod] of pods) {
      this.#slots.set(key, slot);
      this.#put(slot, pod);
      slot += 1;
    }
  }

  #grow(slot: number): void {
    if (slot < this.#nodeOf.length) return;
    const size = this.#nodeOf.length * 2;
    const nodes = new Int32Array(size);
    nodes.set(this.#nodeOf);
    const shapes = new Int32Array(size);
    shapes.set(this.#shapeOf);
    this.#nodeOf = nodes;
    this.#shapeOf = shapes;
  }

  #put(slot: number, pod: PodRecord): void {
    const key = shapeKey(pod);
    const shapeId = this.#shapes.take(key, () => ({
      key,
      terminal: pod.terminal,
      network: pod.network,
      requests: pod.requests,
      ...(pod.scoreRequests && { scoreRequests: pod.scoreRequests }),
      ...(pod.ownerKind === 'ReplicaSet' && {
        replicaSet: `${pod.namespace}/${pod.ownerName ?? ''}`,
      }),
      ...((pod.ownerKind === 'StatefulSet' || pod.ownerKind === 'Job') && {
        direct: workloadKey(pod.ownerKind, pod.namespace, pod.ownerName ?? ''),
      }),
    }));
    const nodeName = pod.nodeName;
    const node = nodeName === undefined ? NO_NODE : this.#nodes.take(nodeName, () => nodeName);
    this.#nodeOf[slot] = node;
    this.#shapeOf[slot] = shapeId;
    if (node !== NO_NODE) this.#apply(this.#nodes.value(node), this.#shapes.value(shapeId), 1);
  }

  /** Takes the pod in `slot` out of the sums and the tables; the slot itself stays taken. */
  #drop(slot: number): void {
    const node = this.#nodeOf[slot] as number;
    const shapeId = this.#shapeOf[slot] as number;
    const shape = this.#shapes.value(shapeId);
    if (node !== NO_NODE) {
      const name = this.#nodes.value(node);
      this.#apply(name, shape, -1);
      this.#nodes.release(node, name);
    }
    this.#shapes.release(shapeId, shape.key);
  }

  #apply(node: string, shape: Shape, sign: 1 | -1): void {
    if (shape.terminal) return;
    const usage = addPodUsage(this.usageOf(node), shape, sign);
    if (usage.pods === 0) this.#usage.delete(node);
    else this.#usage.set(node, usage);
    this.dirtyNodes.add(node);
    if (shape.replicaSet !== undefined)
      count(this.#rsNodes, this.dirtyReplicaSets, shape.replicaSet, node, sign);
    if (shape.direct !== undefined)
      count(this.#directNodes, this.dirtyDirect, shape.direct, node, sign);
  }
}

/** One pod more or less of `key` on `node`; empty entries go, so churn never grows the index. */
function count(
  index: Map<string, Map<string, number>>,
  dirty: Set<string>,
  key: string,
  node: string,
  sign: 1 | -1,
): void {
  let nodes = index.get(key);
  if (!nodes) index.set(key, (nodes = new Map<string, number>()));
  const n = (nodes.get(node) ?? 0) + sign;
  if (n > 0) nodes.set(node, n);
  else nodes.delete(node);
  if (nodes.size === 0) index.delete(key);
  dirty.add(key);
}
