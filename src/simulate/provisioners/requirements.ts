import type { SelectorRequirement } from '../../cluster/model.js';

/**
 * Node requirements with Karpenter's algebra (kubernetes-sigs/karpenter pkg/scheduling/requirement.go):
 * a set of allowed values or its complement, with inclusive integer bounds for Gt/Lt. NodePool
 * requirements, template labels, pod selectors and an instance type's own labels all become these, and a
 * launch is possible where they intersect.
 */
export interface Requirement {
  /** true: every value except `values` (NotIn, Exists); false: only `values` (In, DoesNotExist). */
  readonly complement: boolean;
  readonly values: ReadonlySet<string>;
  /** Gt N is kept as gte N+1, Lt N as lte N-1, as Karpenter canonicalises them. */
  readonly gte?: number;
  readonly lte?: number;
}

export type Requirements = ReadonlyMap<string, Requirement>;

/** Pod-side label aliases Karpenter translates to its well-known keys (v1.NormalizedLabels). */
const NORMALIZED: Readonly<Record<string, string>> = {
  'failure-domain.beta.kubernetes.io/zone': 'topology.kubernetes.io/zone',
  'beta.kubernetes.io/arch': 'kubernetes.io/arch',
  'beta.kubernetes.io/os': 'kubernetes.io/os',
  'beta.kubernetes.io/instance-type': 'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region': 'topology.kubernetes.io/region',
};

export function normalizedKey(key: string): string {
  return NORMALIZED[key] ?? key;
}

export function requirementOf(r: SelectorRequirement): Requirement {
  switch (r.operator) {
    case 'In':
      return { complement: false, values: new Set(r.values) };
    case 'NotIn':
      return { complement: true, values: new Set(r.values) };
    case 'Exists':
      return { complement: true, values: new Set() };
    case 'DoesNotExist':
      return { complement: false, values: new Set() };
    case 'Gt': {
      const n = Number(r.values[0]);
      return { complement: true, values: new Set(), gte: Number.isInteger(n) ? n + 1 : Infinity };
    }
    case 'Lt': {
      const n = Number(r.values[0]);
      return { complement: true, values: new Set(), lte: Number.isInteger(n) ? n - 1 : -Infinity };
    }
  }
}

/** A label's value: exactly this one. */
export function exactly(...values: string[]): Requirement {
  return { complement: false, values: new Set(values) };
}

function withinBounds(value: string, gte: number | undefined, lte: number | undefined): boolean {
  if (gte === undefined && lte === undefined) return true;
  const n = Number(value);
  if (!Number.isInteger(n)) return false;
  return (gte === undefined || n >= gte) && (lte === undefined || n <= lte);
}

function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}
function minOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

export function intersection(a: Requirement, b: Requirement): Requirement {
  const gte = maxOf(a.gte, b.gte);
  const lte = minOf(a.lte, b.lte);
  if (gte !== undefined && lte !== undefined && gte > lte) return exactly();
  let values: Set<string>;
  if (a.complement && b.complement) values = new Set([...a.values, ...b.values]);
  else if (a.complement) values = new Set([...b.values].filter(v => !a.values.has(v)));
  else if (b.complement) values = new Set([...a.values].filter(v => !b.values.has(v)));
  else values = new Set([...a.values].filter(v => b.values.has(v)));
  for (const v of values) if (!withinBounds(v, gte, lte)) values.delete(v);
  const complement = a.complement && b.complement;
  return {
    complement,
    values,
    ...(complement && gte !== undefined && { gte }),
    ...(complement && lte !== undefined && { lte }),
  };
}

export function has(r: Requirement, value: string): boolean {
  const inSet = r.values.has(value);
  return (r.complement ? !inSet : inSet) && withinBounds(value, r.gte, r.lte);
}

export function hasIntersection(a: Requirement, b: Requirement): boolean {
  const gte = maxOf(a.gte, b.gte);
  const lte = minOf(a.lte, b.lte);
  if (gte !== undefined && lte !== undefined && gte > lte) return false;
  if (a.complement && b.complement) return true;
  if (a.complement) return [...b.values].some(v => !a.values.has(v) && withinBounds(v, gte, lte));
  if (b.complement) return [...a.values].some(v => !b.values.has(v) && withinBounds(v, gte, lte));
  return [...a.values].some(v => b.values.has(v) && withinBounds(v, gte, lte));
}

/** NotIn or DoesNotExist: a requirement that only excludes. */
function excludesOnly(r: Requirement): boolean {
  return (
    r.gte === undefined &&
    r.lte === undefined &&
    (r.complement ? r.values.size > 0 : r.values.size === 0)
  );
}

/** Add one requirement to a set, intersecting with what the key already has. */
export function addRequirement(into: Map<string, Requirement>, key: string, r: Requirement): void {
  const k = normalizedKey(key);
  const prev = into.get(k);
  into.set(k, prev ? intersection(prev, r) : r);
}

/** Every key both sets name must intersect (Requirements.Intersects), exclusions on both sides excepted. */
export function intersects(a: Requirements, b: Requirements): boolean {
  for (const [key, incoming] of b) {
    const existing = a.get(key);
    if (!existing || hasIntersection(existing, incoming)) continue;
    if (excludesOnly(incoming) && excludesOnly(existing)) continue;
    return false;
  }
  return true;
}

/**
 * Requirements.Compatible with AllowUndefinedWellKnownLabels: a key the node side does not define is fine
 * when it is well known (the instance type will fix it) or only excludes; a custom label the NodePool does
 * not set cannot be satisfied.
 */
export function compatible(
  node: Requirements,
  pod: Requirements,
  wellKnown: (key: string) => boolean,
): string | undefined {
  for (const [key, r] of pod) {
    if (wellKnown(key) || node.has(key) || excludesOnly(r)) continue;
    return `label ${key} does not have known values`;
  }
  return intersects(node, pod) ? undefined : 'incompatible requirements';
}
