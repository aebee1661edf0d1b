import { pino, type Logger } from 'pino';

/**
 * Lines waiting for stdout, at most: about 40,000 review lines. A log collector that stops reading
 * makes the webhook drop lines past this (counted in `ipguard_log_lines_dropped_total`), never stall
 * its answers or grow without bound.
 */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Lines are written in chunks of at least this much: a write to stdout costs as much as a few
 * reviews' own work, and each line appended costs a scan of the chunk it joins (so not larger).
 */
const LOG_WRITE_MIN_BYTES = 8 * 1024;
/** ...or this often, whichever comes first. */
export const LOG_FLUSH_MS = 250;

export interface ServeLog {
  readonly log: Logger;
  /** Lines dropped because the buffer was full. */
  dropped(): number;
  /** Resolves once every line logged so far is written (or the destination failed). */
  flush(): Promise<void>;
  /** At shutdown: flush. (pino itself flushes what is left synchronously on exit.) */
  close(): Promise<void>;
}

/**
 * The server's JSON log, written asynchronously: a review's line is appended to a buffer written in
 * chunks, so no request waits on a write to stdout (a synchronous write per review cost more than
 * the rest of a repeated review). `close()` at shutdown, and pino's own synchronous flush on exit
 * (for any asynchronous destination), keep the last lines.
 */
export function serveLog(
  level: string,
  o: { readonly dest?: number | string; readonly maxBufferBytes?: number } = {},
): ServeLog {
  const destination = pino.destination({
    dest: o.dest ?? 1,
    sync: false,
    // Under load, one write per 20 or so lines; a line waits at most LOG_FLUSH_MS when it is quiet.
    minLength: LOG_WRITE_MIN_BYTES,
    periodicFlush: LOG_FLUSH_MS,
    maxLength: o.maxBufferBytes ?? LOG_BUFFER_MAX_BYTES,
  });
  let dropped = 0;
  destination.on('drop', () => {
    dropped += 1;
  });
  // A broken stdout (the collector gone) must not crash the webhook: lines are lost, answers are not.
  destination.on('error', () => undefined);
  const log = pino({ level, base: { service: 'ipguard' } }, destination);
  const flush = (): Promise<void> =>
    new Promise(resolve => {
      // An error here is the destination's (fsync on a pipe fails): the lines were written.
      log.flush(() => {
        resolve();
      });
    });
  return {
    log,
    dropped: () => dropped,
    flush,
    close: flush,
  };
}
