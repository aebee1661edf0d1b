import { fieldPath, inputError } from '../errors.js';

/** Typed reads of decoded JSON/YAML that fail with the file and the field. */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function requireString(
  obj: Record<string, unknown>,
  key: string,
  source: string,
  at: string,
): string {
  const v = obj[key];
  if (typeof v !== 'string' || v === '')
    throw inputError(source, fieldPath(at, key), 'expected a non-empty string');
  return v;
}

export function optionalString(
  obj: Record<string, unknown>,
  key: string,
  source: string,
  at: string,
): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw inputError(source, fieldPath(at, key), 'expected a string');
  return v;
}

/** A value as it appears in the input, for error messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function asInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  return undefined;
}

export function positiveInt(
  obj: Record<string, unknown>,
  key: string,
  source: string,
  at: string,
): number {
  const n = asInt(obj[key]);
  if (n === undefined || n < 1)
    throw inputError(
      source,
      fieldPath(at, key),
      `expected a positive integer, got ${describeValue(obj[key])}`,
    );
  return n;
}

export function optionalPositiveInt(
  obj: Record<string, unknown>,
  key: string,
  source: string,
  at: string,
): number | undefined {
  if (obj[key] === undefined || obj[key] === null) return undefined;
  return positiveInt(obj, key, source, at);
}

export function nonNegativeInt(
  obj: Record<string, unknown>,
  key: string,
  source: string,
  at: string,
): number {
  const n = asInt(obj[key]);
  if (n === undefined || n < 0)
    throw inputError(
      source,
      fieldPath(at, key),
      `expected a non-negative integer, got ${describeValue(obj[key])}`,
    );
  return n;
}

export function optionalNonNegativeInt(
  obj: Record<string, unknown>,
  key: string,
  source: string,
  at: string,
): number | undefined {
  if (obj[key] === undefined || obj[key] === null) return undefined;
  return nonNegativeInt(obj, key, source, at);
}
