import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';

/** An autoscaling/v1 Scale: the apiserver sends only metadata, spec.replicas and status. */
export interface Scale {
  readonly namespace: string;
  readonly name: string;
  /** ScaleSpec.replicas is omitempty: a scale to 0 arrives as `"spec": {}`. */
  readonly replicas: number;
}

export function projectScale(obj: Reader): Scale {
  const meta = readMeta(obj, true);
  return {
    namespace: meta.namespace,
    name: meta.name,
    replicas: obj.child('spec')?.int('replicas') ?? 0,
  };
}
