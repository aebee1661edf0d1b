import type { BackoffPolicy } from '../timing/backoff.js';

/**
 * Timings of the EC2 refresher, with the reasons behind them. Refresh intervals themselves come from
 * the configuration (subnetRefreshSeconds, instanceTypeRefreshSeconds).
 */

/** One Describe call (one page) may take this long before we give up on it; EC2 answers in well under a second. */
export const CALL_TIMEOUT_MS = 20_000;

/**
 * After RequestLimitExceeded: EC2's request-rate bucket refills per second, but the account's limit
 * is shared with every other tool (the VPC CNI's ipamd among them), so back off hard: 5 s doubling to 5 min.
 */
export const THROTTLED_BACKOFF: BackoffPolicy = { baseMs: 5_000, capMs: 5 * 60_000, jitter: 0.2 };

/** Other failures (EC2 5xx, network, credentials): 2 s doubling to 2 min. */
export const FAILURE_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 2 * 60_000, jitter: 0.2 };

/**
 * New nodes arrive in bursts (a scale-up adds dozens within seconds): wait this long after a wake-up
 * so one refresh covers the burst.
 */
export const MIN_REFRESH_GAP_MS = 2_000;

/**
 * However fast nodes of new instance types or in new subnets keep coming, a refresh woken by them
 * starts at least this long after the previous one started: one call every few seconds is little next
 * to ipamd, which shares the account's EC2 rate limit.
 */
export const MIN_WAKE_INTERVAL_MS = 10_000;

/** EC2 takes at most 100 instance types per DescribeInstanceTypes call. */
export const INSTANCE_TYPES_PER_CALL = 100;

/** EC2 filters take at most 200 values each. */
export const FILTER_VALUES_PER_CALL = 200;

/** DescribeSubnets and DescribeNetworkInterfaces pages, at EC2's maximum: fewer calls. */
export const PAGE_SIZE = 1000;

/** DescribeInstanceTypes pages without names: EC2 allows at most 100 (MaxResults 5 to 100). */
export const INSTANCE_TYPES_PAGE_SIZE = 100;
