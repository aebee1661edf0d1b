import type { DaemonSet, DaemonSetStrategy, Workload } from '../model.js';
import type { Reader } from '../reader.js';
import { canonicalDigest } from '../json-walk.js';
import { readMeta } from './meta.js';
import { podShape } from './pod-shape.js';
import { policyAnnotations } from './workload.js';

function strategyOf(spec: Reader): DaemonSetStrategy {
  const strategy = spec.child('updateStrategy');
  const type = strategy?.string('type') ?? 'RollingUpdate';
  if (type !== 'RollingUpdate' && type !== 'OnDelete') {
    throw (strategy ?? spec).fail(
      'type',
      `expected RollingUpdate or OnDelete, got ${JSON.stringify(type)}`,
    );
  }
  const rolling = strategy?.child('rollingUpdate');
  const maxSurge = rolling?.intOrString('maxSurge');
  const maxUnavailable = rolling?.intOrString('maxUnavailable');
  return {
    type,
    ...(maxSurge !== undefined && { maxSurge }),
    ...(maxUnavailable !== undefined && { maxUnavailable }),
  };
}

export function projectDaemonSet(obj: Reader): DaemonSet {
  const meta = readMeta(obj, true);
  const dsSpec = obj.child('spec');
  const template = dsSpec?.child('template');
  const spec = template?.child('spec');
  if (!dsSpec || !template || !spec) throw obj.fail('spec', 'missing spec.template.spec');
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
    templateKey: canonicalDigest(template.value),
    template: template.value,
    strategy: strategyOf(dsSpec),
    annotations: policyAnnotations(meta.annotations),
  };
}

/** A DaemonSet as a workload to judge: no replicas, one pod per node it admits. */
export function daemonSetWorkload(ds: DaemonSet): Workload {
  return {
    kind: 'DaemonSet',
    namespace: ds.namespace,
    name: ds.name,
    labels: {},
    annotations: ds.annotations ?? {},
    paused: false,
    templateKey: ds.templateKey ?? '',
    ...(ds.template && { template: ds.template }),
    pod: ds.pod,
    daemonSetStrategy: ds.strategy ?? { type: 'RollingUpdate' },
    status: {},
  };
}
