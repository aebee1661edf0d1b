import type { ClusterObjects } from './collect.js';

/** What names one object: its kind (where one list holds several), namespace and name. */
function identity(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const r = item as { kind?: unknown; namespace?: unknown; name?: unknown };
  if (typeof r.name !== 'string') return undefined;
  const kind = typeof r.kind === 'string' ? r.kind : '';
  const ns = typeof r.namespace === 'string' ? r.namespace : '';
  return `${kind}/${ns}/${r.name}`;
}

/** The later copy of each object, where the first one stood: order stays as the first file had it. */
function lastOfEach<T>(items: readonly T[]): { kept: T[]; dropped: number } {
  const at = new Map<string, number>();
  const kept: T[] = [];
  for (const item of items) {
    const id = identity(item);
    const i = id === undefined ? undefined : at.get(id);
    if (i !== undefined) kept[i] = item;
    else {
      if (id !== undefined) at.set(id, kept.length);
      kept.push(item);
    }
  }
  return { kept, dropped: items.length - kept.length };
}

/**
 * One object per (kind, namespace, name): overlapping captures (two dumps, a dump and a manifest) list
 * some objects twice, and counting both doubles pods and DaemonSet pods per node. The later one wins,
 * as `kubectl apply` of the files in order would leave it. Every list of the collection is treated
 * alike, so kinds added later are covered too.
 */
export function dedupeObjects(objects: ClusterObjects): {
  objects: ClusterObjects;
  duplicates: number;
} {
  let duplicates = 0;
  const out: Record<string, unknown[]> = {};
  for (const [key, list] of Object.entries(objects) as [string, unknown[]][]) {
    const { kept, dropped } = lastOfEach(list);
    out[key] = kept;
    duplicates += dropped;
  }
  return { objects: out as unknown as ClusterObjects, duplicates };
}
