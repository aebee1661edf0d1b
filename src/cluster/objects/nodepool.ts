import type { NodeClaim, NodePool, NodePoolRequirement } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';
import { readTaints } from './node.js';
import { requirement } from './pod-shape.js';

/** The largest weight the NodePool CRD accepts (kubebuilder Maximum on spec.weight). */
const MAX_WEIGHT = 100;

function requirementsOf(list: readonly Reader[]): NodePoolRequirement[] {
  return list.map(r => {
    const minValues = r.int('minValues');
    return { ...requirement(r), ...(minValues !== undefined && { minValues }) };
  });
}

/** karpenter.sh/v1 NodePool, reduced to what deciding a launch needs. */
export function projectNodePool(obj: Reader): NodePool {
  const meta = readMeta(obj, false);
  const spec = obj.child('spec');
  if (!spec) throw obj.fail('spec', 'missing');
  const template = spec.child('template');
  if (!template) throw spec.fail('template', 'missing');
  const tspec = template.child('spec');
  if (!tspec) throw template.fail('spec', 'missing');
  const ref = tspec.child('nodeClassRef');
  if (!ref) throw tspec.fail('nodeClassRef', 'missing');
  const weight = spec.int('weight') ?? 0;
  if (weight > MAX_WEIGHT)
    throw spec.fail('weight', `expected at most ${MAX_WEIGHT}, got ${weight}`);
  const limits = spec.child('limits');
  const cpuMilli = limits?.milli('cpu');
  const memoryBytes = limits?.quantity('memory');
  const nodes = limits?.quantity('nodes');
  return {
    name: meta.name,
    weight,
    requirements: requirementsOf(tspec.list('requirements')),
    labels: template.child('metadata')?.stringMap('labels') ?? {},
    taints: readTaints(tspec.list('taints')),
    nodeClassRef: {
      group: ref.requireString('group'),
      kind: ref.requireString('kind'),
      name: ref.requireString('name'),
    },
    limits: {
      ...(cpuMilli !== undefined && { cpuMilli }),
      ...(memoryBytes !== undefined && { memoryBytes }),
      ...(nodes !== undefined && { nodes }),
    },
  };
}

/** karpenter.sh/v1 NodeClaim: which pool it counts against and what it will be. */
export function projectNodeClaim(obj: Reader): NodeClaim {
  const meta = readMeta(obj, false);
  const status = obj.child('status');
  const capacity = status?.child('capacity');
  const nodePool = meta.labels['karpenter.sh/nodepool'];
  const instanceType = meta.labels['node.kubernetes.io/instance-type'];
  const zone = meta.labels['topology.kubernetes.io/zone'];
  const nodeName = status?.string('nodeName');
  const allocatable = status?.child('allocatable');
  const podsAllocatable = allocatable?.quantity('pods') ?? capacity?.quantity('pods');
  const taints = readTaints(obj.child('spec')?.list('taints') ?? []);
  const initialized = status
    ?.list('conditions')
    .some(c => c.string('type') === 'Initialized' && c.string('status') === 'True');
  return {
    name: meta.name,
    ...(nodePool !== undefined && { nodePool }),
    ...(instanceType !== undefined && { instanceType }),
    ...(zone !== undefined && { zone }),
    ...(nodeName !== undefined && nodeName !== '' && { nodeName }),
    capacity: {
      cpuMilli: capacity?.milli('cpu') ?? 0,
      memoryBytes: capacity?.quantity('memory') ?? 0,
    },
    ...(allocatable &&
      podsAllocatable !== undefined && {
        allocatable: {
          cpuMilli: allocatable.milli('cpu') ?? 0,
          memoryBytes: allocatable.quantity('memory') ?? 0,
          pods: podsAllocatable,
        },
      }),
    ...(Object.keys(meta.labels).length > 0 && { labels: meta.labels }),
    ...(taints.length > 0 && { taints }),
    ...(initialized === true && { initialized: true as const }),
  };
}
