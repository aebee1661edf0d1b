import { pino, type Logger } from 'pino';
import type { JsonLines } from '../http/app.js';
import { LineSink } from './line-sink.js';

/**
 * Lines waiting for stdout, at most: about 40,000 review lines. A log collector that stops reading
 * makes the webhook drop lines past this (counted in `ipguard_log_lines_dropped_total`), never stall
 * its answers or grow without bound.
 */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Lines are written in chunks of at least this much (about 150 review lines): a write to stdout costs
 * as much as a few reviews' own work, and appending a line to the chunk costs nothing (see LineSink).
 */
const LOG_WRITE_MIN_BYTES = 64 * 1024;
/** ...or this often, whichever comes first. */
export const LOG_FLUSH_MS = 250;

export interface ServeLog {
  readonly log: Logger;
  readonly lines: JsonLines;
  /** Lines dropped because the buffer was full. */
  dropped(): number;
  /** Resolves once every line logged so far is written (or the destination failed). */
  flush(): Promise<void>;
  /** At shutdown: flush and stop. (The sink also writes what is left synchronously at exit.) */
  close(): Promise<void>;
}

/**
 * The server's JSON log, written asynchronously: a review's line is appended to a buffer written in
 * chunks, so no request waits on a write to stdout (a synchronous write per review cost more than
 * the rest of a repeated review). `close()` at shutdown, and the sink's synchronous write at exit,
 * keep the last lines.
 */
export function serveLog(
  level: string,
  o: { readonly dest?: number | string; readonly maxBufferBytes?: number } = {},
): ServeLog {
  const sink = new LineSink({
    dest: o.dest ?? 1,
    // Under load, one write per 150 or so lines; a line waits at most LOG_FLUSH_MS when it is quiet.
    minChunkBytes: LOG_WRITE_MIN_BYTES,
    flushMs: LOG_FLUSH_MS,
    maxBufferBytes: o.maxBufferBytes ?? LOG_BUFFER_MAX_BYTES,
  });
  const base = { service: 'ipguard' };
  const log = pino({ level, base }, sink);
  // pino's line: {"level":N,"time":MS,<base>,<bindings>,<fields>,"msg":...}
  const baseMembers = JSON.stringify(base).slice(1, -1);
  const lines: JsonLines = {
    enabled: l => log.isLevelEnabled(l),
    write(l, members, message) {
      if (!log.isLevelEnabled(l)) return;
      sink.write(
        `{"level":${log.levels.values[l]},"time":${Date.now()},${baseMembers}${members === '' ? '' : `,${members}`},"msg":${JSON.stringify(message)}}\n`,
      );
    },
  };
  const flush = (): Promise<void> =>
    new Promise(resolve => {
      sink.flush(() => {
        resolve();
      });
    });
  return {
    log,
    lines,
    dropped: () => sink.dropped,
    flush,
    close: () =>
      new Promise(resolve => {
        sink.close(resolve);
      }),
  };
}
