import { workloadKey, type ClusterModel, type Workload } from '../cluster/model.js';

/**
 * A reservation counts only while the apiserver confirms it. Anyone who reaches the webhook's port can
 * post a review the apiserver never sent, and each admitted non-dry-run change reserves addresses:
 * without this, 600 s of addresses per forged post, and real changes denied for them. A real
 * admission is followed by the object in the watch (the apiserver stores it right after the webhooks
 * answer), so a reservation whose object does not show up as admitted within the window is dropped.
 *
 * Only for live state: a snapshot never changes, so nothing could ever confirm.
 */
export interface Expectation {
  /** The reservation's key (a generateName create has its own, with the request's uid). */
  readonly key: string;
  readonly kind: Workload['kind'];
  readonly namespace: string;
  /** The object's name, or the generateName prefix followed by `*`. */
  readonly name: string;
  /** What the admitted change sets: the template (its digest) and the replicas, when it sets them. */
  readonly templateKey: string;
  readonly replicas?: number;
  readonly atMs: number;
}

export class PendingConfirmations {
  readonly #windowMs: number;
  readonly #byKey = new Map<string, Expectation>();

  constructor(windowSeconds: number) {
    this.#windowMs = windowSeconds * 1000;
  }

  /** A reservation was just made for `e`: wait for the watch to show it. Replaces an older wait. */
  expect(e: Expectation): void {
    this.#byKey.set(e.key, e);
  }

  /** The key holds nothing any more (denied now, or released): nothing to wait for. */
  forget(key: string): void {
    this.#byKey.delete(key);
  }

  get size(): number {
    return this.#byKey.size;
  }

  /**
   * Settle what the model shows: confirmed expectations are done (their reservations stay, until the
   * TTL or EC2 shows them used); those past the window unconfirmed are returned, to be released.
   */
  sweep(model: ClusterModel, nowMs: number): Expectation[] {
    const unconfirmed: Expectation[] = [];
    for (const [key, e] of this.#byKey) {
      if (confirmed(model, e)) this.#byKey.delete(key);
      else if (nowMs - e.atMs >= this.#windowMs) {
        this.#byKey.delete(key);
        unconfirmed.push(e);
      }
    }
    return unconfirmed;
  }
}

function shows(w: Workload | undefined, e: Expectation): boolean {
  if (!w) return false;
  if (e.templateKey !== '' && w.templateKey !== e.templateKey) return false;
  return e.replicas === undefined || w.replicas === e.replicas;
}

function confirmed(model: ClusterModel, e: Expectation): boolean {
  if (!e.name.endsWith('*'))
    return shows(model.workloads.get(workloadKey(e.kind, e.namespace, e.name)), e);
  // generateName: the stored object has a name the review did not; any new one of the prefix will do.
  const prefix = e.name.slice(0, -1);
  for (const w of model.workloads.values())
    if (
      w.kind === e.kind &&
      w.namespace === e.namespace &&
      w.name.startsWith(prefix) &&
      shows(w, e)
    )
      return true;
  return false;
}
