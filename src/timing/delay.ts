import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Wait `ms`, or less when `signal` aborts; never rejects. Adapters take one of these instead of calling
 * setTimeout, so tests can run backoff and refresh loops without real time passing.
 */
export type Delay = (ms: number, signal: AbortSignal) => Promise<void>;

export const realDelay: Delay = async (ms, signal) => {
  if (signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // Aborted: the caller checks its own state to tell a wake-up from a shutdown.
  }
};

/** Milliseconds since the epoch; injected for the same reason as Delay. */
export type Clock = () => number;
