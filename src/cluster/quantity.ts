/**
 * Kubernetes resource quantities (`500m`, `26Gi`, `1e3`, `0.5`), parsed exactly with integer arithmetic
 * the way k8s.io/apimachinery's resource.Quantity does: MilliValue() and Value() round up.
 */

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

/** Powers of two of the binary suffixes. */
const BINARY_SHIFT: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};

/**
 * The largest magnitude kept, in whole units: apimachinery caps a parsed BinarySI quantity at
 * MaxInt64 (resource.ParseQuantity, `maxAllowed`), and Value() cannot say more for the others. Far
 * above any node's capacity, so a capped request still fits nowhere.
 */
const MAX_UNITS = (1n << 63n) - 1n;

/** An exact rational value: numerator / denominator, denominator > 0. */
interface Exact {
  readonly num: bigint;
  readonly den: bigint;
}

/**
 * Manifests repeat the same few quantities ("100m", "256Mi") endlessly: parse each text once. Only
 * short texts are kept, so the cache holds at most MAX_CACHED x MAX_CACHED_CHARS characters.
 */
const MAX_CACHED = 4096;
const MAX_CACHED_CHARS = 32;
const cache = new Map<string, Exact | null>();

function parseExact(text: string): Exact | undefined {
  if (text.length > MAX_CACHED_CHARS) return parseUncached(text);
  const hit = cache.get(text);
  if (hit !== undefined) return hit ?? undefined;
  const parsed = parseUncached(text);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(text, parsed ?? null);
  return parsed;
}

const NON_ZERO = /[1-9]/;

/**
 * Linear in the length of the text, whatever it is: a million-digit quantity costs a scan, not a
 * million-digit BigInt (whose parsing and division are quadratic and blocked the event loop for
 * seconds). Only the digits that can change a rounded-up Value() or MilliValue() are kept: those
 * above 10^19 units cap the value, and those below a thousandth of the suffix's unit matter only
 * by being non-zero, which rounds the result up.
 */
function parseUncached(text: string): Exact | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign = '', whole = '', frac = '', suffix = ''] = m;
  if (whole === '' && frac === '') return undefined;
  const shift = BINARY_SHIFT[suffix] ?? 0;
  let exponent = DECIMAL_EXPONENT[suffix];
  if (exponent === undefined) {
    if (shift > 0) exponent = 0;
    else {
      // e/E followed by a signed integer (the regex guarantees it).
      exponent = Number(suffix.slice(1));
      if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 30) return undefined;
    }
  }
  const negative = sign === '-';
  // value = digits x 10^(exponent - frac.length) x 2^shift, leading zeros dropped.
  let digits = whole + frac;
  const first = digits.search(NON_ZERO);
  if (first < 0) return { num: 0n, den: 1n };
  digits = digits.slice(first);
  // The power of ten of the leading digit.
  const top = digits.length - 1 + exponent - frac.length;
  if (top >= 19) return { num: negative ? -MAX_UNITS : MAX_UNITS, den: 1n };
  // A thousandth of a unit, divided by 2^shift, is a multiple of 10^-(3 + shift): digits below
  // that place cannot move a rounded-up thousandth, except by being there at all.
  const lowest = -(3 + shift);
  const keep = top - lowest + 1;
  let low = exponent - frac.length;
  if (keep < digits.length) {
    const sticky = NON_ZERO.test(digits.slice(Math.max(0, keep)));
    digits = digits.slice(0, Math.max(0, keep));
    low = lowest;
    if (sticky) {
      digits += '1';
      low -= 1;
    }
    if (digits === '') return { num: 0n, den: 1n };
  }
  let num = BigInt(digits) << BigInt(shift);
  let den = 1n;
  if (low >= 0) num *= 10n ** BigInt(low);
  else den = 10n ** BigInt(-low);
  if (num > MAX_UNITS * den) {
    num = MAX_UNITS;
    den = 1n;
  }
  return { num: negative ? -num : num, den };
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
