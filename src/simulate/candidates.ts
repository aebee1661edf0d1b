import type { ClusterModel, Node, PodShape } from '../cluster/model.js';
import { collectInNameOrder, scanInNameOrder, type NodeScan } from './node-order.js';
import { MAX_NODE_SCORE } from './scheduler-score.js';

/** An existing node a pod of some shape can go to, with how many fit and its score before any is placed. */
export interface Candidate {
  readonly node: Node;
  readonly room: number;
  /** The scheduler's score for the first pod placed there (scheduler-score.ts): higher is preferred. */
  readonly score: number;
}

/** Distinct pod shapes cached per node map; far more than the workloads admitted between two state changes. */
const MAX_SHAPES_PER_MODEL = 256;
/** Longer keys (a pod with hundreds of tolerations) are not kept: the cache is bounded in bytes too. */
const MAX_SHAPE_KEY_CHARS = 8192;

/**
 * Per node map: candidates depend only on the nodes, the nodes each workload runs on (anti-affinity),
 * the NodeClaims (a node still launching counts as launched) and the pod, never on CNI settings (the
 * scheduler does not see addresses). A state version that leaves the nodes as they were shares the map,
 * and so does every what-if a remedy search tries on one version.
 */
interface NodesCache {
  readonly workloadNodes: ClusterModel['workloadNodes'];
  readonly nodeClaims: ClusterModel['nodeClaims'];
  readonly byShape: Map<string, Kept>;
  /** The cache made before this one, whose scans this one's may take results from (one level only). */
  previous: NodesCache | undefined;
  /** Entries holding their scan's per-node results (see MAX_SCANS_PER_MODEL). */
  scans: number;
}

interface Kept {
  readonly list: readonly Candidate[];
  readonly reads: readonly unknown[];
  readonly scan?: NodeScan<Candidate>;
}

/**
 * Shapes per node map whose per-node results are kept for the next state version to reuse: a pointer
 * per node (40 KB on 5,000 nodes) each, so a few dozen, far more than the shapes asked between two pod
 * events.
 */
const MAX_SCANS_PER_MODEL = 16;

const caches = new WeakMap<ClusterModel['nodes'], NodesCache>();
/** The cache made last: the next node map's first scans start from its results. */
let latest: NodesCache | undefined;

/**
 * How the candidates of one pod shape are found: `visit` judges one node; `reads` is everything else of
 * the model it reads (compared by identity), so a scan of the previous node map with the same key and
 * reads can lend the results of the node objects both maps hold.
 */
export interface CandidateScan {
  readonly reads: readonly unknown[];
  readonly visit: (node: Node) => Candidate | undefined;
}

function sameReads(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
/** Lists the cache holds (at most MAX_SHAPES_PER_MODEL per node map): what is derived from one may be kept with it. */
const cachedLists = new WeakSet<readonly Candidate[]>();

/** The list came from the cache, so it lives as long as its state version: not one made for one request. */
export function isCachedList(list: readonly Candidate[]): boolean {
  return cachedLists.has(list);
}

/** What makes two pods land on the same nodes: requests, network, selectors, tolerations, anti-affinity. */
export function shapeKey(pod: PodShape, workload: string): string {
  // Not memoized by shape object: most shapes come from a request and die with it, and a WeakMap entry per
  // request keeps its ephemeron table growing until a full GC, which made every scavenge walk it (measured:
  // scavenges of 3-4 ms under load instead of under 1 ms).
  return JSON.stringify([
    pod.requests.cpuMilli,
    pod.requests.memoryBytes,
    pod.scoreRequests?.cpuMilli,
    pod.scoreRequests?.memoryBytes,
    pod.network,
    pod.nodeSelector,
    pod.requiredNodeTerms,
    pod.tolerations,
    pod.onePerNode ? workload : '',
  ]);
}

/**
 * The nodes that can take this pod, best scored first, in node name order among equal scores. Found by
 * a scan once per node map, workload node map, NodeClaims and pod shape, then reused: those are
 * immutable, so the answer cannot go stale. A new node map's scan takes the previous map's result for
 * each node object the two share, when the key and `scan.reads` are the same: a pod event makes a new
 * node map in which one node is a new object, and only that one is judged again.
 */
export function candidatesFor(
  model: ClusterModel,
  key: string,
  scan: CandidateScan,
): readonly Candidate[] {
  if (key.length > MAX_SHAPE_KEY_CHARS) return sortByScore(collectInNameOrder(model, scan.visit));
  let cache = caches.get(model.nodes);
  if (cache?.workloadNodes !== model.workloadNodes || cache.nodeClaims !== model.nodeClaims) {
    if (latest) latest.previous = undefined;
    cache = {
      workloadNodes: model.workloadNodes,
      nodeClaims: model.nodeClaims,
      byShape: new Map(),
      previous: latest,
      scans: 0,
    };
    caches.set(model.nodes, cache);
    latest = cache;
  }
  const hit = cache.byShape.get(key);
  if (hit) return hit.list;
  const prior = cache.previous?.byShape.get(key);
  const base = prior?.scan && sameReads(prior.reads, scan.reads) ? prior.scan : undefined;
  const found = scanInNameOrder(model, scan.visit, base);
  const list = sortByScore(found.list);
  if (cache.byShape.size >= MAX_SHAPES_PER_MODEL) {
    cache.byShape.clear();
    cache.scans = 0;
  }
  const keepScan = cache.scans < MAX_SCANS_PER_MODEL;
  if (keepScan) cache.scans += 1;
  cache.byShape.set(key, {
    list,
    reads: scan.reads,
    ...(keepScan && { scan: found.scan }),
  });
  cachedLists.add(list);
  return list;
}

/** Scores are integers in [0, 2 x MAX_NODE_SCORE] (scheduler-score.ts): one bucket each. */
const SCORE_BUCKETS = 2 * MAX_NODE_SCORE + 1;

function byScoreThenName(a: Candidate, b: Candidate): number {
  return b.score - a.score || (a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0);
}

/**
 * Best score first, then by node name. Built from nodes in name order (node-order.ts), a stable
 * counting sort by score gives exactly that order in linear time, without comparing names; any other
 * input is sorted by comparison.
 */
export function sortByScore(list: Candidate[]): Candidate[] {
  const n = list.length;
  let bucketable = true;
  for (let i = 0; i < n && bucketable; i++) {
    const c = list[i] as Candidate;
    bucketable =
      Number.isInteger(c.score) &&
      c.score >= 0 &&
      c.score < SCORE_BUCKETS &&
      (i === 0 || (list[i - 1] as Candidate).node.name < c.node.name);
  }
  if (!bucketable) return list.sort(byScoreThenName);
  // starts[k]: where the candidates scoring SCORE_BUCKETS - 1 - k begin.
  const starts = new Int32Array(SCORE_BUCKETS + 1);
  for (const c of list) (starts[SCORE_BUCKETS - c.score] as number) += 1;
  for (let k = 1; k <= SCORE_BUCKETS; k++) (starts[k] as number) += starts[k - 1] as number;
  const out = new Array<Candidate>(n);
  for (const c of list) out[(starts[SCORE_BUCKETS - 1 - c.score] as number)++] = c;
  return out;
}
