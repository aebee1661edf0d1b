import type { LabelSelector, Labels, PodShape, SpreadConstraint, Taint } from '../cluster/model.js';
import { ownValue } from '../cluster/fields.js';
import { requirementMatches } from '../cluster/objects/pod-shape.js';
import { matchesNode, toleratesTaints, type NodeFace } from './fit.js';

/**
 * PodTopologySpread's filter for hard constraints (whenUnsatisfiable: DoNotSchedule), as kube-scheduler
 * computes it (pkg/scheduler/framework/plugins/podtopologyspread, filtering.go calPreFilterState and
 * Filter, common.go):
 * - a node counts as a domain of a constraint when it carries every constraint's topology key and passes
 *   that constraint's inclusion policies (nodeAffinityPolicy Honor: the pod's nodeSelector and required node
 *   affinity match it; nodeTaintsPolicy Honor: the pod tolerates its NoSchedule and NoExecute taints);
 * - a domain's count is the pods in the pod's namespace, on its nodes, that the selector matches; the
 *   selector is the labelSelector ANDed with the pod's own values for matchLabelKeys, and a null selector
 *   matches nothing;
 * - a node passes when it has every topology key and, for each constraint, count(domain) + (1 if the pod
 *   matches the selector) - min <= maxSkew, where min is the smallest count over the domains, or 0 when
 *   there are fewer domains than minDomains.
 * Cluster-default constraints (PodTopologySpreadArgs.defaultConstraints) only apply to pods without
 * constraints of their own, and the default (`System`) ones are ScheduleAnyway: they score and never
 * filter, so they play no part here.
 */

export const HOSTNAME_KEY = 'kubernetes.io/hostname';
export const ZONE_KEY = 'topology.kubernetes.io/zone';

/** Pods that run now, as far as spread counts see them: a namespace, a label set and their nodes. */
export interface PodGroup {
  readonly namespace: string;
  readonly labels: Labels;
  /** Node name -> pods of the group there. */
  readonly nodes: ReadonlyMap<string, number>;
}

/** The pod being placed: its namespace, labels and node selection. */
export interface SpreadPod {
  readonly namespace: string;
  readonly labels: Labels;
  readonly shape: Pick<PodShape, 'nodeSelector' | 'requiredNodeTerms' | 'tolerations'>;
  readonly constraints: readonly SpreadConstraint[];
}

/** A label selector plus the matchLabelKeys values taken from the pod; undefined matches nothing. */
interface Selector {
  readonly selector?: LabelSelector;
  readonly extra: Readonly<Record<string, string>>;
}

export function selectorMatchesLabels(selector: LabelSelector, labels: Labels): boolean {
  for (const k in selector.matchLabels)
    if (ownValue(labels, k) !== selector.matchLabels[k]) return false;
  return selector.matchExpressions.every(r => requirementMatches(r, ownValue(labels, r.key)));
}

function selectorOf(c: SpreadConstraint, podLabels: Labels): Selector {
  const extra: Record<string, string> = {};
  for (const k of c.matchLabelKeys) {
    const v = ownValue(podLabels, k);
    if (v !== undefined) extra[k] = v;
  }
  return { ...(c.labelSelector && { selector: c.labelSelector }), extra };
}

function matches(s: Selector, labels: Labels): boolean {
  if (!s.selector) return false;
  for (const k in s.extra) if (ownValue(labels, k) !== s.extra[k]) return false;
  return selectorMatchesLabels(s.selector, labels);
}

function untolerated(pod: SpreadPod, taints: readonly Taint[]): boolean {
  // DoNotScheduleTaintsFilterFunc: NoSchedule and NoExecute; PreferNoSchedule never excludes.
  return !toleratesTaints(pod.shape as PodShape, taints);
}

/**
 * A node's value for a topology key. The kubelet always sets kubernetes.io/hostname; a capture or a
 * generated node without it is taken to carry its own name there, rather than to lack the key.
 */
export function topologyValue(node: NodeFace, key: string): string | undefined {
  const v = ownValue(node.labels, key);
  return v === undefined && key === HOSTNAME_KEY ? node.name : v;
}

/** Why a node fails the filter: it lacks a topology key (unresolvable) or a skew is too large. */
export type SpreadVerdict = 'ok' | 'skew' | 'no-label';

/** One constraint's counts per domain, with the minimum kept as pods are added. */
class ConstraintCounts {
  readonly counts = new Map<string, number>();
  /** Domains per count, to move the minimum when the last domain at it gains a pod. */
  readonly #perCount = new Map<number, number>();
  #min = 0;

  readonly c: SpreadConstraint;
  readonly selector: Selector;
  readonly selfMatch: boolean;

  constructor(c: SpreadConstraint, selector: Selector, selfMatch: boolean) {
    this.c = c;
    this.selector = selector;
    this.selfMatch = selfMatch;
  }

  addDomain(value: string, pods: number): void {
    const had = this.counts.get(value);
    if (had !== undefined) {
      this.#move(had, had + pods);
      this.counts.set(value, had + pods);
    } else {
      this.counts.set(value, pods);
      this.#perCount.set(pods, (this.#perCount.get(pods) ?? 0) + 1);
    }
    this.#recomputeMin();
  }

  /** Adds one pod to a domain that exists; returns whether the minimum moved. */
  addOne(value: string): boolean {
    const had = this.counts.get(value);
    if (had === undefined) return false;
    this.counts.set(value, had + 1);
    const before = this.#min;
    this.#move(had, had + 1);
    if (had === before && !this.#perCount.has(had)) this.#min = had + 1;
    return this.#min !== before;
  }

  #move(from: number, to: number): void {
    const n = (this.#perCount.get(from) ?? 0) - 1;
    if (n > 0) this.#perCount.set(from, n);
    else this.#perCount.delete(from);
    this.#perCount.set(to, (this.#perCount.get(to) ?? 0) + 1);
  }

  #recomputeMin(): void {
    let min = Infinity;
    for (const k of this.#perCount.keys()) if (k < min) min = k;
    this.#min = min === Infinity ? 0 : min;
  }

  /** The global minimum the skew is taken against (minMatchNum). */
  get min(): number {
    return this.counts.size < this.c.minDomains ? 0 : this.#min;
  }

  /** count + self - min <= maxSkew for a node in domain `value`. */
  allows(value: string): boolean {
    const count = this.counts.get(value) ?? 0;
    return count + (this.selfMatch ? 1 : 0) - this.min <= this.c.maxSkew;
  }
}

/**
 * The spread state of one pod template over a set of nodes, updated as pods of the template are bound:
 * kube-scheduler recomputes it from the cluster for every pod, which comes to the same counts.
 */
export class SpreadState {
  readonly #pod: SpreadPod;
  readonly #constraints: ConstraintCounts[];

  constructor(pod: SpreadPod, nodes: Iterable<NodeFace>, groups: Iterable<PodGroup>) {
    this.#pod = pod;
    this.#constraints = pod.constraints.map(c => {
      const s = selectorOf(c, pod.labels);
      return new ConstraintCounts(c, s, matches(s, pod.labels));
    });
    const perNode = new Map<string, number[]>();
    const counted: NodeFace[] = [];
    for (const node of nodes) {
      if (!this.#hasKeys(node)) continue;
      counted.push(node);
    }
    // Pods per node and constraint: only the groups a selector matches, in the pod's namespace.
    for (const g of groups) {
      if (g.namespace !== pod.namespace) continue;
      const hits = this.#constraints.map(cc => matches(cc.selector, g.labels));
      if (!hits.some(Boolean)) continue;
      for (const [name, n] of g.nodes) {
        let row = perNode.get(name);
        if (!row) perNode.set(name, (row = this.#constraints.map(() => 0)));
        hits.forEach((hit, i) => {
          if (hit) row[i] = (row[i] ?? 0) + n;
        });
      }
    }
    for (const node of counted) {
      const row = perNode.get(node.name);
      this.#constraints.forEach((cc, i) => {
        if (!this.#included(cc.c, node)) return;
        cc.addDomain(topologyValue(node, cc.c.topologyKey) as string, row?.[i] ?? 0);
      });
    }
  }

  get constraints(): readonly SpreadConstraint[] {
    return this.#pod.constraints;
  }

  #hasKeys(node: NodeFace): boolean {
    for (const cc of this.#constraints)
      if (topologyValue(node, cc.c.topologyKey) === undefined) return false;
    return true;
  }

  /** matchNodeInclusionPolicies. */
  #included(c: SpreadConstraint, node: NodeFace): boolean {
    if (c.nodeAffinityPolicy === 'Honor' && !matchesNode(this.#pod.shape as PodShape, node))
      return false;
    if (c.nodeTaintsPolicy === 'Honor' && untolerated(this.#pod, node.taints)) return false;
    return true;
  }

  /** The filter for one node, against the counts as they are now. */
  check(node: NodeFace): SpreadVerdict {
    if (!this.#hasKeys(node)) return 'no-label';
    return this.#constraints.every(cc => cc.allows(topologyValue(node, cc.c.topologyKey) as string))
      ? 'ok'
      : 'skew';
  }

  /**
   * The filter restricted to some constraints, for a node known only by some topology values (a node not
   * launched yet: its zone). Constraints on other keys pass.
   */
  allowsValues(values: Readonly<Record<string, string>>): boolean {
    return this.#constraints.every(cc => {
      const v = values[cc.c.topologyKey];
      return v === undefined || cc.allows(v);
    });
  }

  /** Indexes of constraints on `key` the pod counts toward (only those change as it is bound). */
  #on(key: string): ConstraintCounts[] {
    return this.#constraints.filter(cc => cc.c.topologyKey === key);
  }

  /** One more pod bound to `node`; returns whether the minimum of a constraint on `key` moved. */
  bind(node: NodeFace, key: string): boolean {
    let moved = false;
    for (const cc of this.#constraints) {
      if (!cc.selfMatch || !this.#included(cc.c, node)) continue;
      const v = topologyValue(node, cc.c.topologyKey);
      if (v !== undefined && cc.addOne(v) && cc.c.topologyKey === key) moved = true;
    }
    return moved;
  }

  /** A domain that nodes not launched yet would open (a zone a provisioner can launch in), with no pods. */
  openDomain(key: string, value: string): void {
    for (const cc of this.#on(key)) if (!cc.counts.has(value)) cc.addDomain(value, 0);
  }

  /** One more pod on a node not launched yet, known by its value for `key`; whether a minimum moved. */
  bindValue(key: string, value: string): boolean {
    let moved = false;
    for (const cc of this.#on(key)) if (cc.selfMatch && cc.addOne(value)) moved = true;
    return moved;
  }

  /** Pods matching the constraint in a domain now. */
  count(constraint: number, value: string): number {
    return this.#constraints[constraint]?.counts.get(value) ?? 0;
  }

  /** The smallest count over a key's domains as the filter takes it (0 under minDomains), per constraint. */
  minOn(
    key: string,
  ): { readonly min: number; readonly maxSkew: number; readonly selfMatch: boolean }[] {
    return this.#on(key).map(cc => ({
      min: cc.min,
      maxSkew: cc.c.maxSkew,
      selfMatch: cc.selfMatch,
    }));
  }

  /** Whether any constraint is on a key other than these. */
  hasOtherKeys(keys: readonly string[]): boolean {
    return this.#constraints.some(cc => !keys.includes(cc.c.topologyKey));
  }

  /** Whether the pod counts toward some constraint: otherwise binding it never changes the filter. */
  get changesWithBinding(): boolean {
    return this.#constraints.some(cc => cc.selfMatch);
  }
}

/** The filter for each node at once, for a pod and pods that run now (what filtering_test.go asserts). */
export function spreadFilter(
  pod: SpreadPod,
  nodes: readonly NodeFace[],
  groups: readonly PodGroup[],
): Map<string, SpreadVerdict> {
  const state = new SpreadState(pod, nodes, groups);
  return new Map(nodes.map(n => [n.name, state.check(n)]));
}
