import { EMPTY_USAGE, type Node, type Taint, type TaintEffect } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';

export const INSTANCE_TYPE_LABELS = [
  'node.kubernetes.io/instance-type',
  'beta.kubernetes.io/instance-type',
];
export const ZONE_LABELS = [
  'topology.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/zone',
];
/** EKS managed node groups, Karpenter node pools, eksctl self-managed groups. */
export const NODE_GROUP_LABELS = [
  'eks.amazonaws.com/nodegroup',
  'karpenter.sh/nodepool',
  'alpha.eksctl.io/nodegroup-name',
];
/** The longest object name; a longer annotation value cannot name an ENIConfig. */
const MAX_NAME_LENGTH = 253;

const EFFECTS: readonly string[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function firstLabel(
  labels: Readonly<Record<string, string>>,
  keys: readonly string[],
): string | undefined {
  for (const k of keys) {
    const v = labels[k];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** `aws:///us-east-1a/i-0123456789abcdef0` → `i-0123456789abcdef0`. */
export function instanceIdFromProviderId(providerId: string | undefined): string | undefined {
  if (providerId === undefined) return undefined;
  const m = /^aws:\/\/\/[^/]*\/(i-[0-9a-f]+)$/.exec(providerId);
  return m?.[1];
}

/** Node taints, as a Node's spec and a Karpenter NodePool template write them. */
export function readTaints(list: readonly Reader[]): Taint[] {
  return list.map(t => {
    const effect = t.requireString('effect');
    if (!EFFECTS.includes(effect)) throw t.fail('effect', `expected one of ${EFFECTS.join(', ')}`);
    const value = t.string('value');
    return {
      key: t.requireString('key'),
      ...(value !== undefined && { value }),
      effect: effect as TaintEffect,
    };
  });
}

export function projectNode(obj: Reader): Node {
  const meta = readMeta(obj, false);
  const spec = obj.child('spec');
  const status = obj.child('status');
  const taints = readTaints(spec?.list('taints') ?? []);
  const allocatable = status?.child('allocatable');
  const capacity = status?.child('capacity');
  const podsAllocatable = allocatable?.quantity('pods') ?? capacity?.quantity('pods') ?? 110;
  const internalIp = status
    ?.list('addresses')
    .find(a => a.string('type') === 'InternalIP')
    ?.string('address');
  const ready =
    status
      ?.list('conditions')
      .find(c => c.string('type') === 'Ready')
      ?.string('status') === 'True';
  const instanceType = firstLabel(meta.labels, INSTANCE_TYPE_LABELS);
  const zone = firstLabel(meta.labels, ZONE_LABELS);
  const nodeGroup = firstLabel(meta.labels, NODE_GROUP_LABELS);
  const instanceId = instanceIdFromProviderId(spec?.string('providerID'));
  const annotations: Record<string, string> = {};
  let kept = 0;
  for (const [k, v] of Object.entries(meta.annotations)) {
    if (v.length <= MAX_NAME_LENGTH) {
      annotations[k] = v;
      kept += 1;
    }
  }
  return {
    name: meta.name,
    ...(instanceType !== undefined && { instanceType }),
    ...(zone !== undefined && { zone }),
    ...(nodeGroup !== undefined && { nodeGroup }),
    ...(internalIp !== undefined && { internalIp }),
    ...(instanceId !== undefined && { instanceId }),
    labels: meta.labels,
    ...(kept > 0 && { annotations }),
    taints,
    allocatable: {
      cpuMilli: allocatable?.milli('cpu') ?? 0,
      memoryBytes: allocatable?.quantity('memory') ?? 0,
      pods: podsAllocatable,
    },
    maxPods: capacity?.quantity('pods') ?? podsAllocatable,
    unschedulable: spec?.bool('unschedulable') === true,
    // A node with no conditions at all (a hand-written fixture) counts as ready.
    ready: ready || status?.list('conditions').length === 0 || status === undefined,
    usage: EMPTY_USAGE,
  };
}
