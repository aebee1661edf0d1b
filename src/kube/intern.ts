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

/**
 * The same text as one flat string. A key built as `${namespace}/${name}` is a cons string: a node
 * pointing at its two halves, each a string of its own, about 90 bytes for a pod key where the text
 * alone takes 40; kept once per pod, that is 7 MB of 150,000 pods. A copy made from bytes is flat.
 */
export function flatString(s: string): string {
  const copy = Buffer.from(s, 'utf8').toString('utf8');
  // A lone surrogate does not survive UTF-8; such a key is kept as it came.
  return copy === s ? copy : s;
}
