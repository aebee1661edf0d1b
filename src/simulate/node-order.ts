import type { ClusterModel, Node } from '../cluster/model.js';

/**
 * Each node's place in name order, once per state version. Placement visits nodes best score first and,
 * among equal scores, by name; collecting candidates in name order lets a stable bucket sort by score
 * give that order without comparing names (candidates.ts).
 */
interface NameOrder {
  /** The node names in the model's iteration order. */
  readonly names: readonly string[];
  /** ranks[i]: the place in name order of the i-th node in iteration order. */
  readonly ranks: Int32Array;
}

const byModel = new WeakMap<ClusterModel, NameOrder>();

/**
 * The last order built. It depends only on the node names and their iteration order, which a pod event
 * (a new state version where one node's usage changed) leaves as they were: a new version reuses it
 * after checking, name by name, that its nodes are exactly these in this order, so no order is ever
 * taken from a version whose nodes differ.
 */
let last: NameOrder | undefined;

function sameNames(nodes: ReadonlyMap<string, Node>, names: readonly string[]): boolean {
  if (nodes.size !== names.length) return false;
  let i = 0;
  for (const n of nodes.values()) if (n.name !== names[i++]) return false;
  return true;
}

function nameOrder(model: ClusterModel): NameOrder {
  const hit = byModel.get(model);
  if (hit) return hit;
  let order = last;
  if (!order || !sameNames(model.nodes, order.names)) {
    const names = [...model.nodes.values()].map(n => n.name);
    const byName = names.map((_, i) => i);
    byName.sort((a, b) => {
      const x = names[a] as string;
      const y = names[b] as string;
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    const ranks = new Int32Array(names.length);
    for (let r = 0; r < byName.length; r++) ranks[byName[r] as number] = r;
    order = { names, ranks };
    last = order;
  }
  byModel.set(model, order);
  return order;
}

/**
 * What `visit` makes of each node, in node name order (equal names in iteration order), leaving out the
 * nodes it returns undefined for. Nodes are visited in iteration order, which is the order they sit in
 * memory: measured 30% faster than walking them by name on 5,000 nodes.
 */
export function collectInNameOrder<T>(
  model: ClusterModel,
  visit: (node: Node) => T | undefined,
): T[] {
  return inNameOrder(model, visit, undefined, false).list;
}

/**
 * What a visit made of each node of one node map, in its iteration order: a later state version's scan
 * with the same visit takes the result of every node object it shares instead of visiting it again.
 */
export interface NodeScan<T> {
  readonly nodes: ReadonlyMap<string, Node>;
  readonly results: readonly (T | undefined)[];
}

/**
 * `collectInNameOrder`, with each node's result kept, and taken from `base` for each node that is the
 * very object `base` visited at the same place in iteration order. A pod event makes a new node map
 * in which one node is a new object: the scan visits that one and reads the other results back.
 * `base` must come from the same `visit`, up to the node it is given (the caller's key says so).
 */
export function scanInNameOrder<T>(
  model: ClusterModel,
  visit: (node: Node) => T | undefined,
  base?: NodeScan<T>,
): { readonly list: T[]; readonly scan: NodeScan<T> } {
  const { list, results } = inNameOrder(model, visit, base, true);
  return { list, scan: { nodes: model.nodes, results: results ?? [] } };
}

function inNameOrder<T>(
  model: ClusterModel,
  visit: (node: Node) => T | undefined,
  base: NodeScan<T> | undefined,
  keepResults: boolean,
): { readonly list: T[]; readonly results: (T | undefined)[] | undefined } {
  const { ranks } = nameOrder(model);
  const results = keepResults ? new Array<T | undefined>(ranks.length) : undefined;
  const slots = new Array<T | undefined>(ranks.length);
  const before = base?.nodes.values();
  const reused = base?.results;
  let i = 0;
  let kept = 0;
  for (const node of model.nodes.values()) {
    const previous = before?.next();
    const v =
      reused !== undefined && previous?.done === false && previous.value === node
        ? reused[i]
        : visit(node);
    if (results) results[i] = v;
    if (v !== undefined) {
      slots[ranks[i] as number] = v;
      kept += 1;
    }
    i += 1;
  }
  const list = new Array<T>(kept);
  let k = 0;
  for (let r = 0; r < slots.length && k < kept; r++) {
    const v = slots[r];
    if (v !== undefined) list[k++] = v;
  }
  return { list, results };
}
