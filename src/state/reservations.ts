/**
 * Addresses held for changes that were admitted but that EC2 does not show as used yet: new nodes take
 * minutes to launch and attach ENIs. Without this, two changes that each fit alone could both pass.
 *
 * A reservation shrinks as the subnet's free count drops below what it was at admission (the change is
 * being realised) and ends after a TTL. One reservation per workload: re-admitting a workload replaces it.
 */
interface Reservation {
  readonly key: string;
  readonly atMs: number;
  /** Per subnet: addresses held, and the free count EC2 reported when they were reserved. */
  readonly subnets: ReadonlyMap<string, { readonly ips: number; readonly freeAtAdmission: number }>;
}

export class Reservations {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #byKey = new Map<string, Reservation>();

  constructor(ttlSeconds: number, now: () => number) {
    this.#ttlMs = ttlSeconds * 1000;
    this.#now = now;
  }

  #expire(): void {
    const cutoff = this.#now() - this.#ttlMs;
    for (const [k, r] of this.#byKey) if (r.atMs <= cutoff) this.#byKey.delete(k);
  }

  /**
   * Addresses still held per subnet, given what EC2 reports free now; `exceptKey` leaves out the
   * workload being decided, whose new admission will replace its own reservation.
   */
  held(freeNow: (subnetId: string) => number | undefined, exceptKey?: string): Map<string, number> {
    this.#expire();
    const out = new Map<string, number>();
    for (const r of this.#byKey.values()) {
      if (r.key === exceptKey) continue;
      for (const [id, s] of r.subnets) {
        const free = freeNow(id);
        const used = free === undefined ? 0 : Math.max(0, s.freeAtAdmission - free);
        const left = Math.max(0, s.ips - used);
        if (left > 0) out.set(id, (out.get(id) ?? 0) + left);
      }
    }
    return out;
  }

  reserve(
    key: string,
    perSubnet: ReadonlyMap<string, number>,
    freeNow: (subnetId: string) => number | undefined,
  ): void {
    const subnets = new Map<string, { ips: number; freeAtAdmission: number }>();
    for (const [id, ips] of perSubnet)
      if (ips > 0) subnets.set(id, { ips, freeAtAdmission: freeNow(id) ?? 0 });
    if (subnets.size === 0) {
      this.#byKey.delete(key);
      return;
    }
    this.#byKey.set(key, { key, atMs: this.#now(), subnets });
  }

  get size(): number {
    this.#expire();
    return this.#byKey.size;
  }
}
