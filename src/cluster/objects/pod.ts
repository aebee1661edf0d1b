import type { PodRecord } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';
import { podUsage } from './pod-shape.js';

/** A pod reduced to its node, its requests and how it takes an address. */
export function projectPod(obj: Reader): PodRecord {
  const meta = readMeta(obj, true);
  const spec = obj.child('spec');
  if (!spec) throw obj.fail('spec', 'missing');
  const phase = obj.child('status')?.string('phase');
  const nodeName = spec.string('nodeName');
  const { requests, scoreRequests, network } = podUsage(spec);
  return {
    namespace: meta.namespace,
    name: meta.name,
    ...(nodeName !== undefined && nodeName !== '' && { nodeName }),
    terminal: phase === 'Succeeded' || phase === 'Failed',
    network,
    requests,
    ...(scoreRequests && { scoreRequests }),
    ...(meta.owner && { ownerKind: meta.owner.kind, ownerName: meta.owner.name }),
  };
}
