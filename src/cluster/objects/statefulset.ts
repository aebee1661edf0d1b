import type { StatefulSetStrategy, Workload } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';
import { base, commonStatus, template, type ProjectOptions } from './workload.js';

/**
 * An apps/v1 StatefulSet. The apiserver defaults replicas to 1 and updateStrategy to RollingUpdate
 * with partition 0 (pkg/apis/apps/v1 defaults.go SetDefaults_StatefulSet).
 */
export function projectStatefulSet(obj: Reader, o: ProjectOptions = {}): Workload {
  const meta = readMeta(obj, true);
  const spec = obj.child('spec');
  const strategy = spec?.child('updateStrategy');
  const type = strategy?.string('type') ?? 'RollingUpdate';
  if (type !== 'RollingUpdate' && type !== 'OnDelete') {
    throw (strategy ?? obj).fail(
      'type',
      `expected RollingUpdate or OnDelete, got ${JSON.stringify(type)}`,
    );
  }
  const rolling = strategy?.child('rollingUpdate');
  const partition = rolling?.int('partition');
  const maxUnavailable = rolling?.intOrString('maxUnavailable');
  const statefulSetStrategy: StatefulSetStrategy = {
    type,
    ...(partition !== undefined && { partition }),
    ...(maxUnavailable !== undefined && { maxUnavailable }),
  };
  const replicas = spec?.int('replicas');
  return {
    kind: 'StatefulSet',
    ...base(meta, o),
    ...(replicas !== undefined && { replicas }),
    paused: false,
    ...template(spec, o),
    statefulSetStrategy,
    status: commonStatus(obj.child('status')),
  };
}
