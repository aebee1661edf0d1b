import { builtinInstanceLimits } from './builtin-instance-limits.js';
import type { InstanceLimits } from './instance-limits.js';

/**
 * Instance limits as ipamd sees them: what EC2 (or the user's describe-instance-types file) said, and
 * for any other type the table the CNI itself carries. A type in neither is simply absent, so callers
 * report it by name instead of counting it as zero.
 */
export class InstanceCatalog implements ReadonlyMap<string, InstanceLimits> {
  readonly #described: ReadonlyMap<string, InstanceLimits>;
  readonly #builtin: ReadonlyMap<string, InstanceLimits>;

  constructor(
    described: ReadonlyMap<string, InstanceLimits>,
    builtin: ReadonlyMap<string, InstanceLimits> = builtinInstanceLimits(),
  ) {
    this.#described = described;
    this.#builtin = builtin;
  }

  /** The types described by EC2 or a file, without the table: what a snapshot writes back. */
  get described(): ReadonlyMap<string, InstanceLimits> {
    return this.#described;
  }

  get(type: string): InstanceLimits | undefined {
    return this.#described.get(type) ?? this.#builtin.get(type);
  }

  has(type: string): boolean {
    return this.#described.has(type) || this.#builtin.has(type);
  }

  get size(): number {
    let extra = 0;
    for (const type of this.#builtin.keys()) if (!this.#described.has(type)) extra++;
    return this.#described.size + extra;
  }

  *entries(): MapIterator<[string, InstanceLimits]> {
    yield* this.#described.entries();
    for (const entry of this.#builtin.entries()) if (!this.#described.has(entry[0])) yield entry;
  }

  *keys(): MapIterator<string> {
    for (const [type] of this.entries()) yield type;
  }

  *values(): MapIterator<InstanceLimits> {
    for (const [, limits] of this.entries()) yield limits;
  }

  [Symbol.iterator](): MapIterator<[string, InstanceLimits]> {
    return this.entries();
  }

  forEach(
    fn: (value: InstanceLimits, key: string, map: ReadonlyMap<string, InstanceLimits>) => void,
  ): void {
    for (const [type, limits] of this.entries()) fn(limits, type, this);
  }
}

/** Already a catalog stays as it is, so layering twice changes nothing. */
export function withBuiltinTypes(
  described: ReadonlyMap<string, InstanceLimits>,
): ReadonlyMap<string, InstanceLimits> {
  return described instanceof InstanceCatalog ? described : new InstanceCatalog(described);
}
