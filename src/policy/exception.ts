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
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an RFC 3339 time, or undefined. */
export function parseRfc3339(text: string): number | undefined {
  const t = text.trim();
  if (!RFC3339.test(t)) return undefined;
  const ms = Date.parse(t.replace(' ', 'T'));
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
  if (ns && !ns.expired) return ns;
  return own ?? ns;
}
