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
