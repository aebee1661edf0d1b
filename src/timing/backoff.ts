/** Capped exponential backoff: base, 2×base, 4×base … up to cap, each spread by ± jitter. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  /** 0.2 spreads each wait over ±20 %, so many replicas restarting together do not retry in step. */
  readonly jitter: number;
}

/** The wait before retry number `attempt` (1 for the first retry). `random` is injectable for tests. */
export function backoffMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const spread = exp * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(policy.capMs, exp + spread)));
}
