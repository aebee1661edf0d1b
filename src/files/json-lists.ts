import { open } from 'node:fs/promises';

/**
 * Reads a file of JSON Lists (`kubectl get … -o json`: `{"apiVersion":"v1","items":[…],"kind":"List"}`,
 * or several such values one after another) an item at a time, from the bytes on disk: each item is
 * decoded on its own and handed over, so a 150,000-pod capture never sits in memory as one string and
 * one parsed tree (a 130 MB file took 600 MB that way). Only the shape a List has is read like this;
 * anything else (YAML, a single object, container logs between documents, broken JSON) is `unsupported`
 * and left to the whole-file reader, which knows every other shape and words every error.
 */

/** What a streamed file hands over. Items come in file order; fields are the list's other top-level keys. */
export interface JsonListHandler {
  /** A top-level value starts; `index` counts from 0. */
  documentStart(index: number): void;
  /** One element of the document's `items` array, decoded; `index` is its place in the array. */
  item(value: unknown, index: number): void;
  /** A top-level key other than `items`, decoded (a repeated key is handed over again, as JSON.parse keeps the last). */
  field(key: string, value: unknown): void;
  /** The document's closing brace. */
  documentEnd(): void;
}

export type JsonListOutcome = 'done' | 'unsupported';

const CHUNK_BYTES = 1024 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Thrown inside the scanner when the bytes are not a List it streams; never escapes this module. */
class Unsupported extends Error {}

type State =
  | 'documents' // between top-level values
  | 'key' // after `{` or `,` inside a document: a key (or `}` right after `{`)
  | 'colon'
  | 'value' // a top-level field's value
  | 'items' // right after `"items": [`: an element or `]`
  | 'element'
  | 'afterElement' // `,` or `]`
  | 'afterValue'; // `,` or `}`

/**
 * The scanner proper, fed chunk by chunk. Structural bytes are ASCII and never occur inside a UTF-8
 * multi-byte sequence, so it scans bytes; a value is decoded only once its last byte is in.
 */
class ListScanner {
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  #state: State = 'documents';
  #afterFirstKey = false;
  #key = '';
  #documents = 0;
  #itemIndex = 0;
  #sawItems = false;
  /** Where the value being scanned started (in #buf), and how far it has been scanned. */
  #valueStart = -1;
  #scan = { i: 0, depth: 0, inString: false, started: false, scalar: false };
  readonly #handler: JsonListHandler;

  constructor(handler: JsonListHandler) {
    this.#handler = handler;
  }

  push(chunk: Buffer): void {
    // Keep only what is not consumed yet: the value in progress, or nothing.
    const keepFrom = this.#valueStart >= 0 ? this.#valueStart : this.#pos;
    const rest = this.#buf.subarray(keepFrom);
    this.#buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    this.#pos -= keepFrom;
    if (this.#valueStart >= 0) {
      this.#valueStart -= keepFrom;
      this.#scan.i -= keepFrom;
    }
    this.#run(false);
  }

  end(): void {
    this.#run(true);
    if (this.#state !== 'documents' || this.#documents === 0) throw new Unsupported();
  }

  #run(atEnd: boolean): void {
    const buf = this.#buf;
    for (;;) {
      if (this.#valueStart >= 0) {
        if (!this.#scanValue(atEnd)) return;
        const text = buf.toString('utf8', this.#valueStart, this.#scan.i);
        this.#valueStart = -1;
        this.#pos = this.#scan.i;
        this.#valueDone(text);
        continue;
      }
      while (this.#pos < buf.length && isSpace(buf[this.#pos] as number)) this.#pos += 1;
      if (this.#pos >= buf.length) return;
      const c = buf[this.#pos] as number;
      switch (this.#state) {
        case 'documents':
          if (c !== OPEN_BRACE) throw new Unsupported();
          this.#pos += 1;
          this.#handler.documentStart(this.#documents);
          this.#documents += 1;
          this.#sawItems = false;
          this.#afterFirstKey = false;
          this.#state = 'key';
          break;
        case 'key':
          if (c === CLOSE_BRACE && !this.#afterFirstKey) {
            this.#pos += 1;
            this.#documentEnd();
            break;
          }
          if (c !== QUOTE) throw new Unsupported();
          this.#startValue();
          break;
        case 'colon':
          if (c !== COLON) throw new Unsupported();
          this.#pos += 1;
          this.#state = 'value';
          break;
        case 'value':
          if (this.#key === 'items' && c === OPEN_BRACKET) {
            // A second items array would be the one JSON.parse keeps; not a List this reads.
            if (this.#sawItems) throw new Unsupported();
            this.#sawItems = true;
            this.#itemIndex = 0;
            this.#pos += 1;
            this.#state = 'items';
            break;
          }
          // `items` that is not an array makes the document an object of its own, not a List.
          if (this.#key === 'items') throw new Unsupported();
          this.#startValue();
          break;
        case 'items':
          if (c === CLOSE_BRACKET) {
            this.#pos += 1;
            this.#state = 'afterValue';
            break;
          }
          this.#state = 'element';
          this.#startValue();
          break;
        case 'element':
          this.#startValue();
          break;
        case 'afterElement':
          this.#pos += 1;
          if (c === COMMA) this.#state = 'element';
          else if (c === CLOSE_BRACKET) this.#state = 'afterValue';
          else throw new Unsupported();
          break;
        case 'afterValue':
          this.#pos += 1;
          if (c === COMMA) {
            this.#afterFirstKey = true;
            this.#state = 'key';
          } else if (c === CLOSE_BRACE) this.#documentEnd();
          else throw new Unsupported();
          break;
      }
    }
  }

  #documentEnd(): void {
    if (!this.#sawItems) throw new Unsupported();
    this.#handler.documentEnd();
    this.#state = 'documents';
  }

  #startValue(): void {
    this.#valueStart = this.#pos;
    this.#scan = { i: this.#pos, depth: 0, inString: false, started: false, scalar: false };
  }

  /** A value is in whole: a key, a top-level field, or an item (values start in no other state). */
  #valueDone(text: string): void {
    if (this.#state === 'key') {
      const key = parse(text);
      if (typeof key !== 'string') throw new Unsupported();
      this.#key = key;
      this.#state = 'colon';
    } else if (this.#state === 'value') {
      this.#handler.field(this.#key, parse(text));
      this.#state = 'afterValue';
    } else {
      this.#handler.item(parse(text), this.#itemIndex);
      this.#itemIndex += 1;
      this.#state = 'afterElement';
    }
  }

  /** Advances the value scan; true once the value's last byte is in. */
  #scanValue(atEnd: boolean): boolean {
    const buf = this.#buf;
    const s = this.#scan;
    let i = s.i;
    const n = buf.length;
    if (!s.started) {
      const c = buf[i] as number;
      s.started = true;
      if (c === QUOTE) {
        s.inString = true;
        i += 1;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        s.depth = 1;
        i += 1;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET || c === COMMA || c === COLON) {
        throw new Unsupported();
      } else s.scalar = true;
    }
    if (s.scalar) {
      while (i < n) {
        const c = buf[i] as number;
        if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
        i += 1;
      }
      s.i = i;
      return i < n || atEnd;
    }
    for (;;) {
      if (s.inString) {
        const q = buf.indexOf(QUOTE, i);
        if (q < 0) {
          // Escapes are counted backwards from the quote, over bytes kept since the value began.
          s.i = n;
          return this.#incomplete(atEnd);
        }
        let slashes = 0;
        for (let k = q - 1; k >= 0 && buf[k] === BACKSLASH; k -= 1) slashes += 1;
        i = q + 1;
        if (slashes % 2 === 1) continue;
        s.inString = false;
        if (s.depth === 0) {
          s.i = i;
          return true;
        }
        continue;
      }
      if (i >= n) {
        s.i = i;
        return this.#incomplete(atEnd);
      }
      const c = buf[i] as number;
      i += 1;
      if (c === QUOTE) s.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) s.depth += 1;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        s.depth -= 1;
        if (s.depth === 0) {
          s.i = i;
          return true;
        }
      }
    }
  }

  #incomplete(atEnd: boolean): boolean {
    if (atEnd) throw new Unsupported();
    return false;
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Unsupported();
  }
}

/**
 * Streams the Lists in `path` to `handler`. `unsupported` when the file is not (only) JSON Lists; the
 * handler may have seen part of it then, and should drop what it got. Errors the handler throws, and
 * errors reading the file, propagate. `chunkBytes` is how much is read at a time (tests make it tiny, so
 * that values straddle reads).
 */
export async function streamJsonLists(
  path: string,
  handler: JsonListHandler,
  chunkBytes = CHUNK_BYTES,
): Promise<JsonListOutcome> {
  const scanner = new ListScanner(handler);
  const file = await open(path, 'r');
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await file.read({ buffer: chunk, position: null });
      if (bytesRead === 0) break;
      scanner.push(bytesRead === chunkBytes ? chunk : chunk.subarray(0, bytesRead));
    }
    scanner.end();
    return 'done';
  } catch (err) {
    if (err instanceof Unsupported) return 'unsupported';
    throw err;
  } finally {
    await file.close();
  }
}
