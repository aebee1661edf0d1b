/**
 * AWS errors sorted by what to do about them, from `err.name` (SDK v3 sets it to the service's error
 * code) and the HTTP status. The one place that knows EC2's error vocabulary, as Karpenter's
 * pkg/errors does for its controllers.
 */
export type AwsErrorKind =
  /** Slow down: back off longer than for other errors. */
  | 'throttled'
  /** EC2 or the network had a moment: retry soon. */
  | 'unavailable'
  /** Credentials, permissions, region: retrying will not help until someone fixes the setup. */
  | 'denied'
  /** The request named something EC2 does not know (an instance type, a subnet id). */
  | 'invalid'
  /** We gave up waiting (timeout) or are shutting down. */
  | 'aborted'
  | 'unknown';

/** The SDK's own list of throttling codes (@smithy retry THROTTLING_ERROR_CODES), plus EC2's. */
const THROTTLED = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'EC2ThrottledException',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  'SlowDown',
]);

const UNAVAILABLE = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const DENIED = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'Blocked',
  'OptInRequired',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'CredentialsProviderError',
  'UnrecognizedClientException',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

export function awsErrorName(err: unknown): string {
  const e = err as AwsLikeError | null;
  return typeof e?.name === 'string' ? e.name : 'Error';
}

function httpStatus(err: unknown): number | undefined {
  const s = (err as AwsLikeError | null)?.$metadata?.httpStatusCode;
  return typeof s === 'number' ? s : undefined;
}

export function classifyAwsError(err: unknown): AwsErrorKind {
  const name = awsErrorName(err);
  const code = (err as AwsLikeError | null)?.code;
  const status = httpStatus(err);
  if (THROTTLED.has(name) || status === 429) return 'throttled';
  if (name === 'AbortError') return 'aborted';
  if (DENIED.has(name) || status === 401 || status === 403) return 'denied';
  // The SDK throws a plain Error when no region is configured anywhere.
  if (err instanceof Error && /region is missing/i.test(err.message)) return 'denied';
  if (UNAVAILABLE.has(name) || (status !== undefined && status >= 500)) return 'unavailable';
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'unavailable';
  if (name.startsWith('Invalid') || name.endsWith('NotFound')) return 'invalid';
  return 'unknown';
}

/** `RequestLimitExceeded: Request limit exceeded.` — the name says what, the message says more. */
export function describeAwsError(err: unknown): string {
  const name = awsErrorName(err);
  const message = err instanceof Error ? err.message : String(err);
  return message === '' || message === name ? name : `${name}: ${message}`;
}
