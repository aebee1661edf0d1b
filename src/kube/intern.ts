import type { PodRecord } from '../cluster/model.js';

/**
 * One copy of each repeated string (node names, namespaces, owner names): JSON.parse gives every pod its
 * own copies, and with 150,000 pods on 5,000 nodes those copies are most of a pod record's memory.
 */
export class Interner {
  readonly #strings = new Map<string, string>();
  readonly #max: number;

  /** Past `max` distinct strings the table starts over, so churn cannot grow it without bound. */
  constructor(max = 200_000) {
    this.#max = max;
  }

  of(s: string): string;
  of(s: string | undefined): string | undefined;
  of(s: string | undefined): string | undefined {
    if (s === undefined) return undefined;
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    if (this.#strings.size >= this.#max) this.#strings.clear();
    this.#strings.set(s, s);
    return s;
  }
}

/** The same pod with its repeated strings (namespace, node, owner) shared through `strings`. */
export function internPod(p: PodRecord, strings: Interner): PodRecord {
  const nodeName = strings.of(p.nodeName);
  const ownerKind = strings.of(p.ownerKind);
  const ownerName = strings.of(p.ownerName);
  return {
    namespace: strings.of(p.namespace),
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
