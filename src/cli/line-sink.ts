import { closeSync, openSync, write, writeSync } from 'node:fs';

/**
 * Log lines to a file descriptor, written in large chunks off the event loop: a line is appended to a
 * list (no copy, no scan of what is already queued), and the list is joined and written once it holds
 * `minChunkBytes`, or `flushMs` after its first line when it is quiet. One write is in flight at a time;
 * past `maxBufferBytes` waiting, lines are dropped and counted, so a stdout nobody reads never stalls
 * answers or grows memory without bound. What is left at exit is written synchronously.
 *
 * (pino's SonicBoom, which this replaced, measures the chunk it appends to on every line: writing a
 * review's line to a pipe cost 4.5 µs there against 0.9 here.)
 */
export interface LineSinkOptions {
  /** A file descriptor (1: stdout) or a path, opened for appending. */
  readonly dest: number | string;
  readonly minChunkBytes: number;
  readonly flushMs: number;
  readonly maxBufferBytes: number;
}

/** How long to wait before writing again to a destination that said it is full (EAGAIN). */
const BUSY_RETRY_MS = 50;

export class LineSink {
  readonly #fd: number;
  readonly #ownsFd: boolean;
  readonly #o: LineSinkOptions;
  #queue: string[] = [];
  #queuedBytes = 0;
  /** What is left to write of the chunk being written, and how many lines it holds. */
  #writing: Buffer | undefined;
  #writingLines = 0;
  /** A write of `#writing` was called and has not called back (not so while it waits to retry after EAGAIN). */
  #inFlight = false;
  #timer: NodeJS.Timeout | undefined;
  #failed = false;
  /** Closed: a file this sink opened is closed, and its descriptor number may be another file's now. */
  #closed = false;
  #dropped = 0;
  #flushWaiters: (() => void)[] = [];
  readonly #onExit = (): void => {
    this.flushSync();
  };

  constructor(o: LineSinkOptions) {
    this.#o = o;
    this.#ownsFd = typeof o.dest === 'string';
    this.#fd = typeof o.dest === 'string' ? openSync(o.dest, 'a') : o.dest;
    process.on('exit', this.#onExit);
  }

  /** Lines dropped: the buffer was full, or the destination failed. */
  get dropped(): number {
    return this.#dropped;
  }

  /** pino's destination interface: one serialised line, newline included. */
  write(line: string): boolean {
    if (this.#failed || this.#closed) {
      this.#dropped += 1;
      return false;
    }
    const bytes = Buffer.byteLength(line);
    if (this.#queuedBytes + bytes > this.#o.maxBufferBytes) {
      this.#dropped += 1;
      return false;
    }
    this.#queue.push(line);
    this.#queuedBytes += bytes;
    if (this.#writing) return true;
    if (this.#queuedBytes >= this.#o.minChunkBytes) this.#writeQueued();
    else
      this.#timer ??= setTimeout(() => {
        this.#writeQueued();
      }, this.#o.flushMs).unref();
    return true;
  }

  /** Calls back once every line written so far is out (or the destination failed). */
  flush(done: (err?: Error) => void): void {
    if (!this.#writing && this.#queue.length === 0) {
      done();
      return;
    }
    this.#flushWaiters.push(done);
    if (!this.#writing) this.#writeQueued();
  }

  /** Everything queued, written now, blocking: at exit, when no callback will run again. */
  flushSync(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    // A chunk already handed to a write in flight is the kernel's: writing it again would repeat its
    // lines (SonicBoom's flushSync leaves it too).
    const pending: Buffer[] = this.#queue.length > 0 ? [Buffer.from(this.#queue.join(''))] : [];
    // A chunk waiting to retry after EAGAIN is in no write: it goes first, or its lines are lost.
    if (this.#writing && !this.#inFlight) {
      pending.unshift(this.#writing);
      this.#writing = undefined;
    }
    this.#queue = [];
    this.#queuedBytes = 0;
    if (this.#failed) return;
    for (let chunk of pending) {
      let busy = 0;
      while (chunk.length > 0) {
        try {
          chunk = chunk.subarray(writeSync(this.#fd, chunk));
        } catch (err) {
          // A full pipe at exit: a few retries, then what is left is lost rather than hanging the exit.
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN' && busy++ < 100) continue;
          this.#failed = true;
          return;
        }
      }
    }
  }

  /** Flush, stop, and close a file this sink opened. */
  close(done: () => void): void {
    this.flush(() => {
      this.#closed = true;
      process.removeListener('exit', this.#onExit);
      if (this.#ownsFd) {
        try {
          closeSync(this.#fd);
        } catch {
          // Closed already: nothing was lost.
        }
      }
      done();
    });
  }

  #writeQueued(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writing || this.#queue.length === 0) return;
    const chunk = Buffer.from(this.#queue.join(''));
    this.#writingLines = this.#queue.length;
    this.#queue = [];
    this.#writing = chunk;
    this.#writeChunk();
  }

  #writeChunk(): void {
    const chunk = this.#writing;
    if (!chunk) return;
    this.#inFlight = true;
    write(this.#fd, chunk, 0, chunk.length, null, (err, written) => {
      this.#inFlight = false;
      if (err) {
        if (err.code === 'EAGAIN') {
          setTimeout(() => {
            this.#writeChunk();
          }, BUSY_RETRY_MS).unref();
          return;
        }
        // The reader is gone (EPIPE) or the disk is full: lines are lost from here, answers are not.
        this.#failed = true;
        this.#dropped += this.#writingLines + this.#queue.length;
        this.#queue = [];
        this.#queuedBytes = 0;
        this.#writing = undefined;
        this.#settle();
        return;
      }
      this.#queuedBytes -= written;
      if (written < chunk.length) {
        this.#writing = chunk.subarray(written);
        this.#writeChunk();
        return;
      }
      this.#writing = undefined;
      if (this.#queue.length === 0) this.#settle();
      else if (this.#queuedBytes >= this.#o.minChunkBytes || this.#flushWaiters.length > 0)
        this.#writeQueued();
      else
        this.#timer ??= setTimeout(() => {
          this.#writeQueued();
        }, this.#o.flushMs).unref();
    });
  }

  #settle(): void {
    const waiters = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const w of waiters) w();
  }
}
