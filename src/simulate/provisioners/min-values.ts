import type { NodePool } from '../../cluster/model.js';
import { KNOWN_TYPE_KEYS } from './instance-labels.js';
import { normalizedKey } from './requirements.js';

/**
 * NodePool requirement minValues (kubernetes-sigs/karpenter @22664681): a NodeClaim must keep at least
 * `min` distinct values of the key among its candidate instance types. Under the default Strict policy a
 * pod that would leave fewer goes to another NodeClaim (nodeclaim.go filterInstanceTypesByRequirements,
 * cloudprovider/types.go SatisfiesMinValues), so NodeClaims hold fewer pods and keep more types.
 */
export interface MinValue {
  readonly key: string;
  readonly min: number;
}

/** minValues of a pool's requirements on keys ipguard knows per type; the others said in `unchecked`. */
export function poolMinValues(pool: NodePool): { mins: MinValue[]; unchecked: string[] } {
  const byKey = new Map<string, number>();
  const unchecked: string[] = [];
  for (const r of pool.requirements) {
    if (r.minValues === undefined || r.minValues <= 0) continue;
    const key = normalizedKey(r.key);
    if (!KNOWN_TYPE_KEYS.has(key)) {
      unchecked.push(key);
      continue;
    }
    byKey.set(key, Math.max(byKey.get(key) ?? 0, r.minValues));
  }
  return { mins: [...byKey].map(([key, min]) => ({ key, min })), unchecked };
}

interface Typed {
  /** Pods of the workload one node of the type takes. */
  readonly fit: number;
  readonly labels: ReadonlyMap<string, string>;
}

/**
 * The most pods one NodeClaim may hold so that the types taking that many still offer `min` distinct
 * values of every key: for each key, walking the types from the largest fit down, the fit of the type at
 * which the key reaches its minimum. 0 when all the types together fall short; Infinity without minValues.
 */
export function minValuesCap(types: readonly Typed[], mins: readonly MinValue[]): number {
  if (mins.length === 0) return Infinity;
  const byFit = [...types].sort((a, b) => b.fit - a.fit);
  let cap = Infinity;
  for (const { key, min } of mins) {
    const seen = new Set<string>();
    let reached = 0;
    for (const t of byFit) {
      const v = t.labels.get(key);
      if (v !== undefined) seen.add(v);
      if (seen.size >= min) {
        reached = t.fit;
        break;
      }
    }
    cap = Math.min(cap, reached);
  }
  return cap;
}

/** The keys the types fall short on, with how many distinct values they offer. */
export function minValuesShort(
  types: readonly Typed[],
  mins: readonly MinValue[],
): { key: string; min: number; got: number }[] {
  return mins.flatMap(({ key, min }) => {
    const got = new Set(types.map(t => t.labels.get(key)).filter(v => v !== undefined)).size;
    return got < min ? [{ key, min, got }] : [];
  });
}
