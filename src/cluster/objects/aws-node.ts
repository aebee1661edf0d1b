import { isCniSettingName, type CniEnv, type CniSettingName } from '../../cni/settings.js';
import type { Labels } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';

/** Where the VPC CNI runs: DaemonSet kube-system/aws-node, container aws-node (ipamd reads its env). */
export const AWS_NODE_NAMESPACE = 'kube-system';
export const AWS_NODE_NAME = 'aws-node';

export function isAwsNode(namespace: string | undefined, name: string | undefined): boolean {
  return namespace === AWS_NODE_NAMESPACE && name === AWS_NODE_NAME;
}

/** The CNI settings an aws-node object carries, as ipamd would read them. */
export interface AwsNodeSettings {
  readonly env: CniEnv;
  /**
   * Settings ipguard cannot read from the object: a CNI setting from valueFrom (a ConfigMap or Secret
   * key), or an envFrom on the container, which may set any of them. Each names the field.
   */
  readonly hidden: readonly string[];
  readonly annotations: Labels;
}

/** The aws-node container's env: plain values of the CNI's settings; the rest of the object is not read. */
export function projectAwsNodeSettings(obj: Reader): AwsNodeSettings {
  const meta = readMeta(obj, true);
  const spec = obj.child('spec')?.child('template')?.child('spec');
  if (!spec) throw obj.fail('spec', 'missing spec.template.spec');
  const containers = spec.list('containers');
  const main = containers.find(c => c.string('name') === AWS_NODE_NAME);
  if (!main)
    throw spec.fail(
      'containers',
      `no container named ${AWS_NODE_NAME}: the VPC CNI reads its settings there`,
    );
  const env: Partial<Record<CniSettingName, string>> = {};
  const hidden: string[] = [];
  for (const e of main.list('env')) {
    const name = e.requireString('name');
    if (!isCniSettingName(name)) continue;
    const value = e.string('value');
    // Kubernetes takes the last entry of a repeated name; so do we.
    if (e.has('valueFrom')) {
      hidden.push(`${e.path('valueFrom')} (${name})`);
      Reflect.deleteProperty(env, name);
    } else env[name] = value ?? '';
  }
  if (main.list('envFrom').length > 0) hidden.push(main.path('envFrom'));
  return { env, hidden, annotations: meta.annotations };
}
