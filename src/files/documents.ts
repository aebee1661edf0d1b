import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { InputError } from '../errors.js';

/**
 * The documents in a JSON or YAML file (several YAML documents allowed), decoded but not interpreted.
 * Errors name the file, and the line for YAML.
 */
export async function readDocuments(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError(`${path}: cannot read the file (${code})`, { cause: err });
  }
  return parseDocuments(text, path);
}

export function parseDocuments(text: string, source: string): unknown[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return [JSON.parse(text)];
    } catch (err) {
      // YAML is a superset of JSON in practice; fall through so a JSON-ish YAML file still loads,
      // but report the JSON error if YAML cannot read it either.
      const yamlDocs = tryYaml(text, source);
      if (yamlDocs) return yamlDocs;
      throw new InputError(`${source}: not valid JSON (${(err as Error).message})`, { cause: err });
    }
  }
  const docs = tryYaml(text, source, true);
  return docs ?? [];
}

function tryYaml(text: string, source: string, strict = false): unknown[] | undefined {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: unknown[] = [];
  for (const doc of list) {
    const first = doc.errors[0];
    if (first) {
      if (!strict) return undefined;
      const line = first.linePos?.[0].line;
      const where = line === undefined ? source : `${source}: line ${line}`;
      throw new InputError(`${where}: not valid YAML (${first.message.split('\n')[0] ?? ''})`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      // An alias bomb or an alias to nothing parses but cannot be expanded; that is the file's fault.
      throw new InputError(
        `${source}: YAML cannot be expanded (${(err as Error).message.split('\n')[0] ?? ''})`,
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
