import type { EniConfig } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';

/** crd.k8s.amazonaws.com/v1alpha1 ENIConfig: the subnet pods use under custom networking. */
export function projectEniConfig(obj: Reader): EniConfig {
  const meta = readMeta(obj, false);
  const spec = obj.child('spec');
  if (!spec) throw obj.fail('spec', 'missing');
  return { name: meta.name, subnetId: spec.requireString('subnet') };
}
