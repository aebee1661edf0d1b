/**
 * The reservation ledger as plain data: who holds how many addresses in which subnet, until when. Both
 * ledgers (in memory, and the ConfigMap every replica shares) keep their entries in this shape and
 * compute with these functions, so a reservation behaves the same whichever holds it. Pure: time comes
 * in as `nowMs`, free counts as a function.
 *
 * What a subnet still holds shrinks as its free count drops below where it stood when the first of its
 * reservations was made (the changes are being realised); a subnet whose reservations are all realised
 * is settled and dropped from them. Each entry ends at its own expiry, so replicas configured with
 * different TTLs still agree on what is held.
 */

/** What EC2 says is free in a subnet now; undefined for a subnet it does not report. */
export type FreeNow = (subnetId: string) => number | undefined;

export interface SubnetHold {
  readonly ips: number;
  /** The free count EC2 reported when the addresses were reserved. */
  readonly freeAtAdmission: number;
}

export interface LedgerEntry {
  /** The workload (kind/namespace/name, plus `#uid` for a create with generateName). */
  readonly key: string;
  readonly subnets: ReadonlyMap<string, SubnetHold>;
  readonly createdMs: number;
  readonly expiresMs: number;
  /** The replica that admitted the change (pod name), for people reading the ledger. */
  readonly replica: string;
}

export type LedgerEntries = ReadonlyMap<string, LedgerEntry>;

/** The record's format: a replica never overwrites a ledger in a format it cannot read. */
export const LEDGER_FORMAT = 1;

function live(e: LedgerEntry, nowMs: number): boolean {
  return e.expiresMs > nowMs;
}

/**
 * Addresses still held per subnet, given what EC2 reports free now; `exceptKey` leaves out the workload
 * being decided, whose new admission replaces its own entry.
 */
export function heldBySubnet(
  entries: LedgerEntries,
  free: FreeNow,
  nowMs: number,
  exceptKey?: string,
): Map<string, number> {
  // Per subnet: everything reserved, and the highest free count seen at an admission. A drop below that
  // is addresses some of the reserved changes now use; it is counted once for the subnet, not once per
  // reservation.
  const sums = new Map<string, { ips: number; freeAtAdmission: number }>();
  for (const e of entries.values()) {
    if (e.key === exceptKey || !live(e, nowMs)) continue;
    for (const [id, s] of e.subnets) {
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
    const f = free(id);
    const used = f === undefined ? 0 : Math.max(0, acc.freeAtAdmission - f);
    const left = acc.ips - used;
    if (left > 0) out.set(id, left);
  }
  return out;
}

/** Live entries only. */
export function liveCount(entries: LedgerEntries, nowMs: number): number {
  let n = 0;
  for (const e of entries.values()) if (live(e, nowMs)) n += 1;
  return n;
}

/**
 * Without what is over: expired entries, and every subnet whose reservations EC2 shows realised (its
 * held count is zero). An entry left with no subnet is satisfied and goes. What is still held never
 * changes: a settled subnet holds nothing before and after.
 */
export function pruned(
  entries: LedgerEntries,
  free: FreeNow,
  nowMs: number,
): Map<string, LedgerEntry> {
  const held = heldBySubnet(entries, free, nowMs);
  const out = new Map<string, LedgerEntry>();
  for (const [k, e] of entries) {
    if (!live(e, nowMs)) continue;
    let subnets: Map<string, SubnetHold> | undefined;
    for (const id of e.subnets.keys()) {
      if (held.has(id)) continue;
      subnets ??= new Map(e.subnets);
      subnets.delete(id);
    }
    if (!subnets) out.set(k, e);
    else if (subnets.size > 0) out.set(k, { ...e, subnets });
  }
  return out;
}

/**
 * The entries with `key` holding `perSubnet` (free counts noted now), replacing what it held; holding
 * nothing removes it.
 */
export function withReservation(
  entries: LedgerEntries,
  r: {
    readonly key: string;
    readonly perSubnet: ReadonlyMap<string, number>;
    readonly free: FreeNow;
    readonly nowMs: number;
    readonly ttlMs: number;
    readonly replica: string;
  },
): Map<string, LedgerEntry> {
  const out = new Map(entries);
  const subnets = new Map<string, SubnetHold>();
  for (const [id, ips] of r.perSubnet)
    if (ips > 0) subnets.set(id, { ips, freeAtAdmission: r.free(id) ?? 0 });
  if (subnets.size === 0) out.delete(r.key);
  else {
    out.set(r.key, {
      key: r.key,
      subnets,
      createdMs: r.nowMs,
      expiresMs: r.nowMs + r.ttlMs,
      replica: r.replica,
    });
  }
  return out;
}

/** Whether two sets of entries hold the same (a write that would change nothing is skipped). */
export function sameEntries(a: LedgerEntries, b: LedgerEntries): boolean {
  if (a.size !== b.size) return false;
  for (const [k, e] of a) if (b.get(k) !== e) return false;
  return true;
}

// ---- the record on the wire --------------------------------------------------------------------

/** A ledger that cannot be read: corrupt, or written by a newer ipguard. Never overwritten. */
export class LedgerFormatError extends Error {
  override readonly name = 'LedgerFormatError';
}

/**
 * One entry as stored: short keys, because every write sends the whole record to every replica's watch.
 * `w` workload, `s` subnet → [ips, free at admission], `c`/`e` created/expires (epoch ms), `by` replica.
 */
interface WireEntry {
  w: string;
  s: Record<string, [number, number]>;
  c: number;
  e: number;
  by: string;
}

function wireEntry(e: LedgerEntry): WireEntry {
  const s: Record<string, [number, number]> = {};
  for (const [id, h] of e.subnets) s[id] = [h.ips, h.freeAtAdmission];
  return { w: e.key, s, c: e.createdMs, e: e.expiresMs, by: e.replica };
}

/** The JSON of one entry: its length is what the entry adds to the record. */
export function encodeEntry(e: LedgerEntry): string {
  return JSON.stringify(wireEntry(e));
}

/** `{"v":1,"reservations":[…]}`, entries in key order so equal ledgers encode the same. */
export function encodeLedger(entries: LedgerEntries): string {
  const keys = [...entries.keys()].sort();
  const parts = keys.map(k => encodeEntry(entries.get(k) as LedgerEntry));
  return `{"v":${LEDGER_FORMAT},"reservations":[${parts.join(',')}]}`;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The entries of a stored record; throws LedgerFormatError naming what is wrong. */
export function decodeLedger(text: string): Map<string, LedgerEntry> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new LedgerFormatError('the record is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new LedgerFormatError('the record is not a JSON object');
  const d = doc as { v?: unknown; reservations?: unknown };
  if (d.v !== LEDGER_FORMAT) {
    throw new LedgerFormatError(
      typeof d.v === 'number' && d.v > LEDGER_FORMAT
        ? `the record is format v${d.v}, written by a newer ipguard (this one reads v${LEDGER_FORMAT})`
        : `v: expected ${LEDGER_FORMAT}, found ${JSON.stringify(d.v)}`,
    );
  }
  if (!Array.isArray(d.reservations)) throw new LedgerFormatError('reservations: expected a list');
  const out = new Map<string, LedgerEntry>();
  d.reservations.forEach((raw: unknown, i) => {
    const where = `reservations[${i}]`;
    if (typeof raw !== 'object' || raw === null)
      throw new LedgerFormatError(`${where}: not an object`);
    const r = raw as Partial<Record<keyof WireEntry, unknown>>;
    if (typeof r.w !== 'string' || r.w === '')
      throw new LedgerFormatError(`${where}.w: expected the workload key`);
    if (!isCount(r.c)) throw new LedgerFormatError(`${where}.c: expected epoch milliseconds`);
    if (!isCount(r.e)) throw new LedgerFormatError(`${where}.e: expected epoch milliseconds`);
    if (typeof r.by !== 'string')
      throw new LedgerFormatError(`${where}.by: expected a replica name`);
    if (typeof r.s !== 'object' || r.s === null || Array.isArray(r.s))
      throw new LedgerFormatError(`${where}.s: expected subnet → [ips, free]`);
    const subnets = new Map<string, SubnetHold>();
    for (const [id, v] of Object.entries(r.s as Record<string, unknown>)) {
      if (!Array.isArray(v) || v.length !== 2 || !isCount(v[0]) || !isCount(v[1]))
        throw new LedgerFormatError(`${where}.s.${id}: expected [ips, free at admission]`);
      subnets.set(id, { ips: v[0], freeAtAdmission: v[1] });
    }
    out.set(r.w, { key: r.w, subnets, createdMs: r.c, expiresMs: r.e, replica: r.by });
  });
  return out;
}
