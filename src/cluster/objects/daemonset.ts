import type { DaemonSet } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';
import { podShape } from './pod-shape.js';

export function projectDaemonSet(obj: Reader): DaemonSet {
  const meta = readMeta(obj, true);
  const template = obj.child('spec')?.child('template');
  const spec = template?.child('spec');
  if (!template || !spec) throw obj.fail('spec', 'missing spec.template.spec');
  const labels = template.child('metadata')?.stringMap('labels') ?? {};
  // Plain values only: settings from ConfigMaps or field refs are not visible in the object.
  const env: Record<string, string> = {};
  const main = spec.list('containers').find(c => c.string('name') === 'aws-node');
  for (const e of main?.list('env') ?? []) {
    const value = e.string('value');
    if (value !== undefined) env[e.requireString('name')] = value;
  }
  return {
    namespace: meta.namespace,
    name: meta.name,
    pod: podShape(spec, labels),
    ...(main && { env }),
  };
}
