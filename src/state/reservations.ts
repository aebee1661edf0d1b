/**
 * Addresses held for changes that were admitted but that EC2 does not show as used yet: new nodes take
 * minutes to launch and attach ENIs. Without this, two changes that each fit alone could both pass.
 *
 * What a subnet still holds shrinks as its free count drops below where it stood when the first of its
 * reservations was made (the changes are being realised), and each reservation ends after a TTL. One
 * reservation per workload: re-admitting a workload replaces it, and one that now needs nothing ends it.
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
    // Per subnet: everything reserved, and the highest free count seen at an admission. A drop below
    // that is addresses some of the reserved changes now use; it is counted once for the subnet, not
    // once per reservation.
    const sums = new Map<string, { ips: number; freeAtAdmission: number }>();
    for (const r of this.#byKey.values()) {
      if (r.key === exceptKey) continue;
      for (const [id, s] of r.subnets) {
        const acc = sums.get(id);
        if (acc) {
          acc.ips += s.ips;
          acc.freeAtAdmission = Math.max(acc.freeAtAdmission, s.freeAtAdmission);
        } else {
          sums.set(id, { ips: s.ips, freeAtAdmission: s.freeAtAdmission });
        }
      }
    }
    const out = new Map<string, number>();
    for (const [id, acc] of sums) {
      const free = freeNow(id);
      const used = free === undefined ? 0 : Math.max(0, acc.freeAtAdmission - free);
      const left = acc.ips - used;
      if (left > 0) out.set(id, left);
    }
    return out;
  }

  /** Hold `perSubnet` for `key`, replacing what it held; holding nothing releases it. */
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
