import { createHash } from 'node:crypto';

/**
 * Walks over decoded JSON that never use the call stack. Admission objects nest as deep as the
 * apiserver lets them (10,000 levels for a custom resource), and JSON.stringify, structuredClone or a
 * recursive walk overflow the stack at about 5,000: a review that crashed the walk would get the
 * failure mode's answer instead of a verdict. Everything here keeps its own stack on the heap.
 */

type Frame =
  | { readonly list: readonly unknown[]; i: number }
  | {
      readonly map: Readonly<Record<string, unknown>>;
      readonly keys: string[];
      i: number;
      first: boolean;
    };

/** A scalar as JSON writes it; what JSON cannot hold (undefined, functions) as null. */
function scalarJson(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    ? JSON.stringify(v)
    : 'null';
}

/** Text is hashed in slices of about this many characters, so a large template is never one string. */
const HASH_SLICE_CHARS = 64 * 1024;

/**
 * A digest of `value` as JSON with sorted keys and no null fields: equal digests, equal pod templates.
 * Empty for no value. The digest, not the text, is what a workload keeps: a 1 MB template costs 44
 * bytes, not two copies of itself.
 */
export function canonicalDigest(value: unknown): string {
  if (value === null || value === undefined) return '';
  const hash = createHash('sha256');
  let text = '';
  const stack: Frame[] = [];
  const open = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) {
      text += scalarJson(v);
    } else if (Array.isArray(v)) {
      text += '[';
      stack.push({ list: v, i: 0 });
    } else {
      const map = v as Record<string, unknown>;
      text += '{';
      stack.push({ map, keys: Object.keys(map).sort(), i: 0, first: true });
    }
  };
  open(value);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if ('list' in top) {
      if (top.i >= top.list.length) {
        text += ']';
        stack.pop();
      } else {
        if (top.i > 0) text += ',';
        const item = top.list[top.i++];
        open(item === undefined ? null : item);
      }
    } else if (top.i >= top.keys.length) {
      text += '}';
      stack.pop();
    } else {
      const key = top.keys[top.i++] as string;
      const v = top.map[key];
      if (v === null || v === undefined) continue;
      text += `${top.first ? '' : ','}${JSON.stringify(key)}:`;
      top.first = false;
      open(v);
    }
    if (text.length >= HASH_SLICE_CHARS) {
      hash.update(text);
      text = '';
    }
  }
  hash.update(text);
  return hash.digest('base64');
}

/**
 * Deep equality of decoded JSON. Stops at the first difference and builds no strings: a template
 * change deep in the spec is found without serializing either side.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const pending: unknown[] = [a, b];
  while (pending.length > 0) {
    const y = pending.pop();
    const x = pending.pop();
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) pending.push(x[i], y[i]);
      continue;
    }
    if (Array.isArray(y)) return false;
    const xs = x as Record<string, unknown>;
    const ys = y as Record<string, unknown>;
    let keys = 0;
    for (const k of Object.keys(xs)) {
      if (!Object.hasOwn(ys, k)) return false;
      pending.push(xs[k], ys[k]);
      keys += 1;
    }
    if (Object.keys(ys).length !== keys) return false;
  }
  return true;
}

/**
 * The start of `value` as JSON, at most `maxChars` long (cut with "..."), for error messages: built
 * from the front without serializing the rest, so a 5 MB string or a 10,000-level object costs no
 * more than a short one.
 */
export function jsonPreview(value: unknown, maxChars: number): string {
  if (value === undefined) return 'nothing';
  // A little past the limit, to know whether it was cut.
  const budget = maxChars + 1;
  let text = '';
  const stack: Frame[] = [];
  const scalar = (v: unknown): string => {
    if (typeof v === 'string') {
      const head = JSON.stringify(v.length > budget ? v.slice(0, budget) : v);
      return v.length > budget ? head.slice(0, -1) : head;
    }
    return scalarJson(v);
  };
  const open = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) text += scalar(v);
    else if (Array.isArray(v)) {
      text += '[';
      stack.push({ list: v, i: 0 });
    } else {
      const map = v as Record<string, unknown>;
      text += '{';
      // Insertion order, as JSON.stringify shows it; only the keys shown are looked at.
      stack.push({ map, keys: Object.keys(map), i: 0, first: true });
    }
  };
  open(value);
  while (stack.length > 0 && text.length <= budget) {
    const top = stack[stack.length - 1] as Frame;
    if ('list' in top) {
      if (top.i >= top.list.length) {
        text += ']';
        stack.pop();
      } else {
        if (top.i > 0) text += ',';
        const item = top.list[top.i++];
        open(item === undefined ? null : item);
      }
    } else if (top.i >= top.keys.length) {
      text += '}';
      stack.pop();
    } else {
      const key = top.keys[top.i++] as string;
      const v = top.map[key];
      if (v === undefined) continue;
      text += `${top.first ? '' : ','}${scalar(key)}:`;
      top.first = false;
      open(v);
    }
  }
  return text.length > maxChars ? `${text.slice(0, maxChars - 3)}...` : text;
}
