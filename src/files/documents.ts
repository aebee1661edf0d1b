import { open, type FileHandle } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { InputError } from '../errors.js';
import { hasContainerLogs, parseJsonStream, withoutContainerLogs } from './json-stream.js';

/**
 * The most YAML read from one file. The yaml library keeps a syntax tree of about 50 times the text
 * and takes seconds per megabyte: 10 MB of YAML took 25 s and 2.4 GB, 100 MB ran V8 out of memory.
 * The apiserver takes at most 3 MiB per request, so a manifest is far below this; a cluster dump
 * that is larger can be written as JSON, which JSON.parse reads in a fraction of the time and memory.
 */
export const MAX_YAML_BYTES = 4 * 1024 * 1024;

/** The most JSON read from one file: close to the longest string V8 can hold (about 512 MiB). */
export const MAX_JSON_BYTES = 480 * 1024 * 1024;

/**
 * Aliases expanded per document, the yaml library's own default: Kubernetes manifests rarely use
 * any, and each one can stand for a whole tree, so a few hundred repeat a large object thousands of
 * times over in what the file means.
 */
export const MAX_YAML_ALIASES = 100;

/** Rounded up, so a file just over a limit never reads as the limit itself ("4.0 MiB is more than 4.0"). */
function mib(bytes: number): string {
  return `${(Math.ceil((bytes * 10) / (1024 * 1024)) / 10).toFixed(1)} MiB`;
}

function tooLargeForYaml(source: string, bytes: number): InputError {
  return new InputError(
    `${source}: ${mib(bytes)} of YAML is more than ipguard reads (${mib(MAX_YAML_BYTES)}); write it as JSON (kubectl get ... -o json)`,
  );
}

/** The first bytes of a file, to tell JSON from YAML before reading it all. */
async function head(file: FileHandle): Promise<string> {
  const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(HEAD_BYTES), position: 0 });
  return buffer.toString('utf8', 0, bytesRead);
}

const HEAD_BYTES = 64 * 1024;

function looksLikeJson(text: string): boolean {
  const trimmed = text.trimStart();
  return trimmed.startsWith('{') || trimmed.startsWith('[');
}

/**
 * The documents in a JSON or YAML file (several YAML documents allowed), decoded but not interpreted.
 * Errors name the file, and the line for YAML.
 */
export async function readDocuments(path: string): Promise<unknown[]> {
  let text: string;
  try {
    // The size first, from the open file: a file too large to read is refused before it is read.
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      if (size > MAX_JSON_BYTES)
        throw new InputError(
          `${path}: ${mib(size)} is more than ipguard reads from one file (${mib(MAX_JSON_BYTES)})`,
        );
      if (size > MAX_YAML_BYTES && !looksLikeJson(await head(file)))
        throw tooLargeForYaml(path, size);
      text = await file.readFile({ encoding: 'utf8' });
    } finally {
      await file.close();
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError(`${path}: cannot read the file (${code})`, { cause: err });
  }
  return parseDocuments(text, path);
}

export function parseDocuments(text: string, source: string): unknown[] {
  // `kubectl cluster-info dump` puts container logs between its JSON (or YAML) documents.
  if (hasContainerLogs(text)) text = withoutContainerLogs(text, source);
  if (looksLikeJson(text)) {
    try {
      return [JSON.parse(text)];
    } catch (err) {
      // Documents one after another, as `cluster-info dump` and appended `kubectl get` outputs are.
      const stream = parseJsonStream(text);
      if (stream) return stream;
      // YAML is a superset of JSON in practice; fall through so a JSON-ish YAML file still loads,
      // but report the JSON error if YAML cannot read it either (or is not tried: too large).
      const yamlDocs = text.length > MAX_YAML_BYTES ? undefined : tryYaml(text, source);
      if (yamlDocs) return yamlDocs;
      throw new InputError(`${source}: not valid JSON (${(err as Error).message})`, { cause: err });
    }
  }
  // Characters, not bytes: a UTF-8 file is at least as many bytes as its text has characters.
  if (text.length > MAX_YAML_BYTES) throw tooLargeForYaml(source, Buffer.byteLength(text));
  const docs = tryYaml(text, source, true);
  return docs ?? [];
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? '';
}

function tryYaml(text: string, source: string, strict = false): unknown[] | undefined {
  let list;
  try {
    list = parseAllDocuments(text, { prettyErrors: true });
  } catch (err) {
    // The parser recurses over nesting; past the stack it throws instead of reporting an error.
    if (!strict) return undefined;
    throw new InputError(`${source}: not valid YAML (${firstLine((err as Error).message)})`, {
      cause: err,
    });
  }
  const docs = Array.isArray(list) ? list : [list];
  const out: unknown[] = [];
  for (const doc of docs) {
    const first = doc.errors[0];
    if (first) {
      if (!strict) return undefined;
      const line = first.linePos?.[0].line;
      const where = line === undefined ? source : `${source}: line ${line}`;
      throw new InputError(`${where}: not valid YAML (${firstLine(first.message)})`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (err) {
      // An alias bomb or an alias to nothing parses but cannot be expanded; that is the file's fault.
      throw new InputError(
        `${source}: YAML cannot be expanded (${firstLine((err as Error).message)})`,
        { cause: err },
      );
    }
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** A single JSON/YAML document, as `aws ... --output json` writes. */
export async function readSingleDocument(path: string): Promise<unknown> {
  const docs = await readDocuments(path);
  if (docs.length !== 1)
    throw new InputError(`${path}: expected one document, found ${docs.length}`);
  return docs[0];
}
