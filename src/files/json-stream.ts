import { InputError } from '../errors.js';

/**
 * `kubectl cluster-info dump` writes to stdout one pretty-printed JSON list after another (nodes, then
 * per namespace events, replication controllers, services, DaemonSets, Deployments, ReplicaSets, pods),
 * each pod's container logs between them as
 * `==== START logs for container C of pod NS/NAME ====` … `==== END logs for container C of pod NS/NAME ====`
 * (kubectl staging/src/k8s.io/kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go). Log text is anything,
 * JSON log lines included, and need not end in a newline, so a section ends only at its own END marker.
 */
const START = '==== START logs for container ';
const END = '==== END logs for container ';
const MARK_TAIL = ' ====';

export function hasContainerLogs(text: string): boolean {
  return text.includes(START);
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** The text with every container log section blanked out (newlines kept, so line numbers still hold). */
export function withoutContainerLogs(text: string, source: string): string {
  const parts: string[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf(START, from);
    if (start < 0) break;
    if (start > 0 && text[start - 1] !== '\n') {
      // A marker inside some other text is text, not a section.
      parts.push(text.slice(from, start + START.length));
      from = start + START.length;
      continue;
    }
    const eol = text.indexOf('\n', start);
    const header = text.slice(start + START.length, eol < 0 ? text.length : eol);
    if (!header.endsWith(MARK_TAIL))
      throw new InputError(
        `${source}: line ${lineOf(text, start)}: a container log header without its closing "===="`,
      );
    const end = `${END}${header}`;
    const endAt = text.indexOf(end, eol < 0 ? text.length : eol);
    if (endAt < 0)
      throw new InputError(
        `${source}: line ${lineOf(text, start)}: the logs for container ${header.slice(0, -MARK_TAIL.length)} never end (no "${end}")`,
      );
    const after = endAt + end.length;
    parts.push(text.slice(from, start), text.slice(start, after).replace(/[^\n]+/g, ''));
    from = after;
  }
  parts.push(text.slice(from));
  return parts.join('');
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * JSON values one after another (a `cluster-info dump`, or `kubectl get -o json` of several kinds
 * appended to one file), each decoded. Undefined when the text is not such a stream, so the caller can
 * report its own error.
 */
export function parseJsonStream(text: string): unknown[] | undefined {
  const values: unknown[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i += 1;
    if (i >= n) break;
    const open = text.charCodeAt(i);
    if (open !== 0x7b && open !== 0x5b) return undefined; // { or [
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < n; i += 1) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === 0x5c)
          i += 1; // backslash: skip the escaped character
        else if (c === 0x22) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth += 1;
      else if (c === 0x7d || c === 0x5d) {
        depth -= 1;
        if (depth === 0) {
          i += 1;
          break;
        }
      }
    }
    if (depth !== 0) return undefined;
    try {
      values.push(JSON.parse(text.slice(start, i)));
    } catch {
      return undefined;
    }
  }
  return values;
}
