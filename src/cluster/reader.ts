import { fieldPath, inputError, type InputError } from '../errors.js';
import { describeValue, isRecord, setOwn } from './fields.js';
import { quantityMilli, quantityValue } from './quantity.js';

const EMPTY: Readonly<Record<string, unknown>> = {};

/**
 * Typed, path-aware reads of one decoded object. Absent fields are fine; a field of the wrong type is
 * an error that names the file and the field.
 */
export class Reader {
  readonly value: Readonly<Record<string, unknown>>;
  readonly source: string;
  /** Where this object is: the root's path, or the parent and the key that led here. */
  readonly #parent: Reader | undefined;
  readonly #key: string | number;
  #at: string | undefined;

  constructor(
    value: Readonly<Record<string, unknown>>,
    source: string,
    at: string,
    parent?: Reader,
    key: string | number = '',
  ) {
    this.value = value;
    this.source = source;
    this.#at = parent ? undefined : at;
    this.#parent = parent;
    this.#key = key;
  }

  static of(value: unknown, source: string, at: string): Reader {
    if (!isRecord(value))
      throw inputError(source, at, `expected an object, got ${describeValue(value)}`);
    return new Reader(value, source, at);
  }

  /** The field path, built only when asked: reads run on every admission, errors are rare. */
  get at(): string {
    this.#at ??= this.#parent ? fieldPath(this.#parent.at, this.#key) : '';
    return this.#at;
  }

  path(key: string | number): string {
    return fieldPath(this.at, key);
  }

  fail(key: string, problem: string): InputError {
    return inputError(this.source, this.path(key), problem);
  }

  has(key: string): boolean {
    const v = this.value[key];
    return v !== undefined && v !== null;
  }

  child(key: string): Reader | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (!isRecord(v)) throw this.fail(key, `expected an object, got ${describeValue(v)}`);
    return new Reader(v, this.source, '', this, key);
  }

  list(key: string): Reader[] {
    const v = this.value[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw this.fail(key, `expected a list, got ${describeValue(v)}`);
    if (v.length === 0) return [];
    const list = new Reader(EMPTY, this.source, '', this, key);
    return v.map((item: unknown, i) => {
      if (!isRecord(item))
        throw inputError(
          this.source,
          fieldPath(list.at, i),
          `expected an object, got ${describeValue(item)}`,
        );
      return new Reader(item, this.source, '', list, i);
    });
  }

  strings(key: string): string[] {
    const v = this.value[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every(x => typeof x === 'string')) {
      throw this.fail(key, `expected a list of strings, got ${describeValue(v)}`);
    }
    return v;
  }

  string(key: string): string | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw this.fail(key, `expected a string, got ${describeValue(v)}`);
    return v;
  }

  requireString(key: string): string {
    const v = this.string(key);
    if (v === undefined || v === '') throw this.fail(key, 'missing');
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean')
      throw this.fail(key, `expected true or false, got ${describeValue(v)}`);
    return v;
  }

  /** A non-negative integer. */
  int(key: string): number | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw this.fail(key, `expected a non-negative integer, got ${describeValue(v)}`);
    }
    return v;
  }

  /** A positive integer, required: EC2 limits and counts. */
  positiveInt(key: string, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.value[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      throw this.fail(key, `expected a positive integer, got ${describeValue(v)}`);
    }
    if (v > max) throw this.fail(key, `expected at most ${max}, got ${v}`);
    return v;
  }

  /** An int-or-string (maxSurge, maxUnavailable): an integer or a percentage. */
  intOrString(key: string): number | string | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    if (typeof v === 'string' && /^\d+%?$/.test(v.trim())) return v.trim();
    throw this.fail(key, `expected an integer or a percentage, got ${describeValue(v)}`);
  }

  /** A map of strings (labels, annotations, nodeSelector). */
  stringMap(key: string): Record<string, string> {
    const v = this.value[key];
    if (v === undefined || v === null) return {};
    if (!isRecord(v)) throw this.fail(key, `expected a map of strings, got ${describeValue(v)}`);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string')
        throw inputError(
          this.source,
          fieldPath(this.path(key), k),
          `expected a string, got ${describeValue(x)}`,
        );
      setOwn(out, k, x);
    }
    return out;
  }

  milli(key: string): number | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    const n = quantityMilli(v);
    if (n === undefined) throw this.fail(key, `not a quantity: ${describeValue(v)}`);
    return n;
  }

  quantity(key: string): number | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    const n = quantityValue(v);
    if (n === undefined) throw this.fail(key, `not a quantity: ${describeValue(v)}`);
    return n;
  }
}
