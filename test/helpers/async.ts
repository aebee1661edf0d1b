import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import type { Delay } from '../../src/timing/delay.js';

/**
 * Poll until `cond` holds; fail with `what` after `timeoutMs` so a broken test ends instead of hanging.
 * The bound is generous because a loaded CI machine (2 cores) can stall timers for seconds; a passing
 * test returns as soon as the condition holds.
 */
export async function waitFor(
  cond: () => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A pino logger whose lines a test can read (level debug), written nowhere else. */
export function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'debug' },
    {
      write(s: string) {
        lines.push(JSON.parse(s) as Record<string, unknown>);
      },
    },
  );
  return { log, lines };
}

/**
 * A delay that records every wait asked for and sleeps a thousandth of it: backoff and refresh loops
 * keep their order and shape but a 5-minute wait takes 300 ms. Honours abort like the real one.
 */
export function scaledDelay(scale = 0.001): { delay: Delay; waits: number[] } {
  const waits: number[] = [];
  const delay: Delay = async (ms, signal) => {
    waits.push(ms);
    if (signal.aborted) return;
    try {
      await sleep(Math.max(1, ms * scale), undefined, { signal });
    } catch {
      // aborted
    }
  };
  return { delay, waits };
}
