import type { Labels } from '../model.js';
import type { Reader } from '../reader.js';

export interface Meta {
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly deleting: boolean;
  readonly owner?: { readonly kind: string; readonly name: string; readonly uid?: string };
}

/** metadata of a namespaced or cluster-scoped object; `name` is required. */
export function readMeta(obj: Reader, namespaced: boolean): Meta {
  const m = obj.child('metadata');
  if (!m) throw obj.fail('metadata', 'missing');
  // An object created with generateName has no name until the apiserver picks one.
  const generated = m.string('generateName');
  const name =
    generated !== undefined && generated !== '' && !m.has('name')
      ? `${generated}*`
      : m.requireString('name');
  const namespace = namespaced ? (m.string('namespace') ?? 'default') : '';
  const owners = m.list('ownerReferences');
  const controller = owners.find(o => o.bool('controller') === true) ?? owners[0];
  const uid = m.string('uid');
  const ownerUid = controller?.string('uid');
  return {
    name,
    namespace,
    ...(uid !== undefined && { uid }),
    labels: m.stringMap('labels'),
    annotations: m.stringMap('annotations'),
    deleting: m.has('deletionTimestamp'),
    ...(controller && {
      owner: {
        kind: controller.requireString('kind'),
        name: controller.requireString('name'),
        ...(ownerUid !== undefined && { uid: ownerUid }),
      },
    }),
  };
}

/** JSON with sorted keys and no nulls: equal text means an equal pod template. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return JSON.stringify(value);
  // Runs on every admission for the old and the new template: plain loops and concatenation, no
  // intermediate arrays of entries.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out +=
        (i === 0 ? '' : ',') + (item === null || item === undefined ? 'null' : canonicalJson(item));
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === null || v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}
