/**
 * Kubernetes resource quantities (`500m`, `26Gi`, `1e3`, `0.5`), parsed exactly with integer arithmetic
 * the way k8s.io/apimachinery's resource.Quantity does: MilliValue() and Value() round up.
 */

const BINARY: Readonly<Record<string, bigint>> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** An exact rational value: numerator / denominator, denominator > 0. */
interface Exact {
  readonly num: bigint;
  readonly den: bigint;
}

/** Manifests repeat the same few quantities ("100m", "256Mi") endlessly: parse each text once. */
const MAX_CACHED = 4096;
const cache = new Map<string, Exact | null>();

function parseExact(text: string): Exact | undefined {
  const hit = cache.get(text);
  if (hit !== undefined) return hit ?? undefined;
  const parsed = parseUncached(text);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(text, parsed ?? null);
  return parsed;
}

function parseUncached(text: string): Exact | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign = '', whole = '', frac = '', suffix = ''] = m;
  if (whole === '' && frac === '') return undefined;
  let num = BigInt(`${whole}${frac}` || '0');
  let den = 10n ** BigInt(frac.length);
  if (sign === '-') num = -num;
  const binary = BINARY[suffix];
  if (binary !== undefined) return { num: num * binary, den };
  let exponent = DECIMAL_EXPONENT[suffix];
  if (exponent === undefined) {
    // e/E followed by a signed integer (the regex guarantees it).
    exponent = Number(suffix.slice(1));
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 30) return undefined;
  }
  if (exponent >= 0) num *= 10n ** BigInt(exponent);
  else den *= 10n ** BigInt(-exponent);
  return { num, den };
}

function ceilDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den === 0n || num < 0n ? q : q + 1n;
}

/** A quantity as given in a manifest: a string, or a number when YAML/JSON wrote it bare. */
function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value).replace('e+', 'e');
  return undefined;
}

/** Whole units, rounded up (Quantity.Value()); undefined when not a quantity. */
export function quantityValue(value: unknown): number | undefined {
  const text = asText(value);
  const exact = text === undefined ? undefined : parseExact(text);
  if (!exact) return undefined;
  return Number(ceilDiv(exact.num, exact.den));
}

/** Thousandths, rounded up (Quantity.MilliValue()): CPU in millicores. */
export function quantityMilli(value: unknown): number | undefined {
  const text = asText(value);
  const exact = text === undefined ? undefined : parseExact(text);
  if (!exact) return undefined;
  return Number(ceilDiv(exact.num * 1000n, exact.den));
}
