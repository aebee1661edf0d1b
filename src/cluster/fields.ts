/** Plain checks on decoded JSON/YAML; `Reader` builds path-aware reads on them. */

import { jsonPreview } from './json-walk.js';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as it appears in the input, for error messages. */
export function describeValue(v: unknown): string {
  return jsonPreview(v, 40);
}

/**
 * A map's own value for `key`: label keys such as `constructor` or `toString` are valid, and a plain
 * lookup would find Object.prototype's members for a map that does not have them.
 */
export function ownValue<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Set `key` as data: assigning `__proto__` would change the map's prototype or be dropped. */
export function setOwn<T>(map: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(map, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else map[key] = value;
}
