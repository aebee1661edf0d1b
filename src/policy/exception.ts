import type { Labels } from '../cluster/model.js';
import { EXCEPTION_ANNOTATION, EXCEPTION_EXPIRES_ANNOTATION } from './config.js';

export interface Exception {
  readonly reason: string;
  /** Where the annotation was: the workload or its namespace. */
  readonly on: 'workload' | 'namespace';
  readonly expires?: string;
  /** True when an expiry is set and has passed (or cannot be read): the exception does not apply. */
  readonly expired: boolean;
  /** Why it does not apply, for the warning. */
  readonly problem?: string;
  /** The workload's own exception, set aside because it cannot apply while its namespace's does. */
  readonly setAside?: Exception;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Epoch ms of an RFC 3339 time, or undefined. Checked field by field because Date.parse rolls 30 February
 * over into March and refuses the leap second (:60) that RFC 3339 section 5.6 allows; a leap second is read
 * as the instant after :59.
 */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const fractionMs = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  const ms =
    Date.UTC(year, month - 1, day, hour, minute, second, fractionMs) - offsetMinutes * 60_000;
  return Number.isFinite(ms) ? ms : undefined;
}

function fromAnnotations(
  annotations: Labels,
  on: Exception['on'],
  nowMs: number,
): Exception | undefined {
  const reason = annotations[EXCEPTION_ANNOTATION]?.trim();
  // An empty reason is no exception.
  if (reason === undefined || reason === '') return undefined;
  const expires = annotations[EXCEPTION_EXPIRES_ANNOTATION]?.trim();
  if (expires === undefined || expires === '') return { reason, on, expired: false };
  const at = parseRfc3339(expires);
  if (at === undefined) {
    return {
      reason,
      on,
      expires,
      expired: true,
      problem: `${EXCEPTION_EXPIRES_ANNOTATION} is not an RFC 3339 time`,
    };
  }
  return at <= nowMs
    ? { reason, on, expires, expired: true, problem: `expired ${expires}` }
    : { reason, on, expires, expired: false };
}

/**
 * The exception that governs a request: the workload's own annotation wins over its namespace's, unless the
 * workload's has expired and the namespace's still holds.
 */
export function exceptionFor(
  workload: Labels,
  namespace: Labels | undefined,
  nowMs: number,
): Exception | undefined {
  const own = fromAnnotations(workload, 'workload', nowMs);
  const ns = namespace ? fromAnnotations(namespace, 'namespace', nowMs) : undefined;
  if (own && !own.expired) return own;
  // The namespace's exception carries the workload's broken one, so its owner still hears why.
  if (ns && !ns.expired) return own ? { ...ns, setAside: own } : ns;
  return own ?? ns;
}
