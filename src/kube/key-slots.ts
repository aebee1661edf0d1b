/**
 * String keys (pod keys, `namespace/name`) to the small integer slots a PodIndex keeps its columns in.
 *
 * Why not a Map<string, number>: at 150,000 pods it holds 12.7 MB, 85 bytes a pod. Each key is a string
 * object of its own (about 40 bytes for a 20-character key) and the Map's table takes three words per
 * entry at half load (another 45). Here the key's characters sit one byte each in a shared arena, and
 * the table, offsets and lengths are typed arrays: about 35 bytes a pod, and 150,000 fewer objects for
 * the garbage collector to trace.
 *
 * Keys are compared exactly, character by character; the hash only says where to look. A key with a
 * character past U+00FF (a name no API server accepts, but nothing here relies on that) or longer than
 * 65,535 characters goes to a plain Map beside the arena, so every string is kept as it is.
 */
export class KeySlots {
  /** slot + 1 per table position; 0 is empty. Open addressing with linear probing. */
  #table: Int32Array;
  #mask: number;
  /** Per slot: where its key starts in the arena (-1: the slot holds no key), and its length. */
  #offsets: Int32Array;
  #lengths: Uint16Array;
  #arena: Uint8Array;
  #arenaUsed = 0;
  /** Arena bytes of keys deleted since the last compaction. */
  #arenaGarbage = 0;
  #narrowSize = 0;
  readonly #wide = new Map<string, number>();
  /**
   * A per-table seed, as V8 seeds its own Map hashes: pod names are chosen by whoever creates pods, and
   * names picked to collide must not turn every lookup into a scan of the table.
   */
  readonly #seed: number;

  constructor(seed: number = (Math.random() * 2 ** 32) >>> 0, initialSlots = 1024) {
    this.#seed = seed | 0;
    const capacity = tableCapacityFor(initialSlots);
    this.#table = new Int32Array(capacity);
    this.#mask = capacity - 1;
    this.#offsets = new Int32Array(initialSlots).fill(-1);
    this.#lengths = new Uint16Array(initialSlots);
    this.#arena = new Uint8Array(initialSlots * 16);
  }

  get size(): number {
    return this.#narrowSize + this.#wide.size;
  }

  /** Arena and table lengths, for tests: they must shrink back as keys go. */
  footprint(): { arenaBytes: number; arenaUsed: number; tableLength: number; slots: number } {
    return {
      arenaBytes: this.#arena.length,
      arenaUsed: this.#arenaUsed,
      tableLength: this.#table.length,
      slots: this.#offsets.length,
    };
  }

  /**
   * Room for slots 0 to `slots` − 1 and `bytes` of keys, allocated once: a relist knows both, and
   * growing by doubling on the way would leave up to half of each column unused.
   */
  reserve(slots: number, bytes: number): void {
    if (slots > this.#offsets.length) this.#growColumns(slots);
    if (this.#arenaUsed + bytes > this.#arena.length) this.#growArena(this.#arenaUsed + bytes);
    const capacity = tableCapacityFor(slots);
    if (capacity > this.#table.length) this.#resize(capacity);
  }

  get(key: string): number | undefined {
    const h = keyHash(key, this.#seed);
    if (h === undefined) return this.#wide.get(key);
    const pos = this.#find(key, h);
    return pos < 0 ? undefined : (this.#table[pos] as number) - 1;
  }

  /**
   * `key` now names `slot`. A slot holds one key: setting a slot that holds another key is a bug in
   * the caller (a PodIndex frees a slot before reusing it), so it throws rather than lose that key.
   */
  set(key: string, slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= 2 ** 31 - 1)
      throw new RangeError(`slot ${slot} is not a small non-negative integer`);
    const h = keyHash(key, this.#seed);
    if (h === undefined) {
      this.#wide.set(key, slot);
      return;
    }
    const pos = this.#find(key, h);
    if (pos >= 0) {
      const old = (this.#table[pos] as number) - 1;
      if (old === slot) return;
      this.#claim(slot);
      this.#offsets[slot] = this.#offsets[old] as number;
      this.#lengths[slot] = key.length;
      this.#offsets[old] = -1;
      this.#table[pos] = slot + 1;
      return;
    }
    this.#claim(slot);
    if ((this.#narrowSize + 1) * 10 > this.#table.length * 7) this.#resize(this.#table.length * 2);
    this.#offsets[slot] = this.#append(key);
    this.#lengths[slot] = key.length;
    this.#insert(slot, h);
    this.#narrowSize += 1;
  }

  delete(key: string): boolean {
    const h = keyHash(key, this.#seed);
    if (h === undefined) return this.#wide.delete(key);
    const pos = this.#find(key, h);
    if (pos < 0) return false;
    const slot = (this.#table[pos] as number) - 1;
    this.#arenaGarbage += this.#lengths[slot] as number;
    this.#offsets[slot] = -1;
    this.#removeAt(pos);
    this.#narrowSize -= 1;
    // Churn leaves the bytes of deleted keys behind; once they outweigh the live ones, copy those.
    if (this.#arenaGarbage > 4096 && this.#arenaGarbage * 2 > this.#arenaUsed) this.#compact();
    return true;
  }

  clear(): void {
    this.#table.fill(0);
    this.#offsets.fill(-1);
    this.#arenaUsed = 0;
    this.#arenaGarbage = 0;
    this.#narrowSize = 0;
    this.#wide.clear();
  }

  /** The table position holding `key`, or -1. */
  #find(key: string, h: number): number {
    const table = this.#table;
    const mask = this.#mask;
    for (let pos = h & mask; ; pos = (pos + 1) & mask) {
      const entry = table[pos] as number;
      if (entry === 0) return -1;
      if (this.#equals(entry - 1, key)) return pos;
    }
  }

  #equals(slot: number, key: string): boolean {
    if (this.#lengths[slot] !== key.length) return false;
    const arena = this.#arena;
    const at = this.#offsets[slot] as number;
    for (let i = 0; i < key.length; i++) if (arena[at + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** The hash of the key in `slot`, from its bytes: kept nowhere, to save four bytes a key. */
  #hashOf(slot: number): number {
    const arena = this.#arena;
    const at = this.#offsets[slot] as number;
    const end = at + (this.#lengths[slot] as number);
    let h = basis(this.#seed);
    for (let i = at; i < end; i++) h = step(h, arena[i] as number);
    return finish(h);
  }

  #insert(slot: number, h: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let pos = h & mask;
    while (table[pos] !== 0) pos = (pos + 1) & mask;
    table[pos] = slot + 1;
  }

  /** Backward-shift deletion: no tombstones, so lookups never slow down with churn. */
  #removeAt(hole: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let free = hole;
    for (let pos = (hole + 1) & mask; table[pos] !== 0; pos = (pos + 1) & mask) {
      const home = this.#hashOf((table[pos] as number) - 1) & mask;
      // The entry may move to `free` only if its home is not in (free, pos], cyclically.
      const stays = free <= pos ? free < home && home <= pos : free < home || home <= pos;
      if (stays) continue;
      table[free] = table[pos] as number;
      free = pos;
    }
    table[free] = 0;
  }

  /** Makes room for `slot` in the per-slot columns; throws when it holds a key already. */
  #claim(slot: number): void {
    if (slot >= this.#offsets.length)
      this.#growColumns(Math.max(slot + 1, this.#offsets.length * 2));
    if ((this.#offsets[slot] as number) >= 0)
      throw new Error(`slot ${slot} already holds a key; remove that key first`);
  }

  #growColumns(size: number): void {
    const offsets = new Int32Array(size).fill(-1);
    offsets.set(this.#offsets);
    const lengths = new Uint16Array(size);
    lengths.set(this.#lengths);
    this.#offsets = offsets;
    this.#lengths = lengths;
  }

  #growArena(bytes: number): void {
    const arena = new Uint8Array(bytes);
    arena.set(this.#arena.subarray(0, this.#arenaUsed));
    this.#arena = arena;
  }

  #append(key: string): number {
    const end = this.#arenaUsed + key.length;
    if (end > this.#arena.length) this.#growArena(Math.max(end, this.#arena.length * 2));
    const at = this.#arenaUsed;
    for (let i = 0; i < key.length; i++) this.#arena[at + i] = key.charCodeAt(i);
    this.#arenaUsed = end;
    return at;
  }

  #resize(capacity: number): void {
    this.#table = new Int32Array(capacity);
    this.#mask = capacity - 1;
    for (let slot = 0; slot < this.#offsets.length; slot++)
      if ((this.#offsets[slot] as number) >= 0) this.#insert(slot, this.#hashOf(slot));
  }

  /** Copies the live keys into an arena sized for them, and shrinks the table if it is mostly empty. */
  #compact(): void {
    const arena = new Uint8Array(
      Math.ceil(Math.max(1024, this.#arenaUsed - this.#arenaGarbage) * 1.5),
    );
    let used = 0;
    for (let slot = 0; slot < this.#offsets.length; slot++) {
      const at = this.#offsets[slot] as number;
      if (at < 0) continue;
      const length = this.#lengths[slot] as number;
      arena.set(this.#arena.subarray(at, at + length), used);
      this.#offsets[slot] = used;
      used += length;
    }
    this.#arena = arena;
    this.#arenaUsed = used;
    this.#arenaGarbage = 0;
    const capacity = tableCapacityFor(this.#narrowSize);
    if (capacity < this.#table.length) this.#resize(capacity);
  }
}

/**
 * FNV-1a from a seeded basis, then murmur3's finalizer so that the low bits the table uses depend on
 * every character.
 */
const basis = (seed: number): number => seed ^ 0x811c9dc5;
const step = (h: number, c: number): number => Math.imul(h ^ c, 0x01000193);
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The key's hash, or undefined when it does not fit the arena (a character past U+00FF, or longer
 * than the 65,535 characters a Kubernetes key can never reach).
 */
export function keyHash(key: string, seed: number): number | undefined {
  if (key.length > 0xffff) return undefined;
  let h = basis(seed);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > 0xff) return undefined;
    h = step(h, c);
  }
  return finish(h);
}

/** A power of two that keeps `keys` under 70% load, and at least 1024. */
function tableCapacityFor(keys: number): number {
  let capacity = 1024;
  while (keys * 10 > capacity * 7) capacity *= 2;
  return capacity;
}
