import type {
  Labels,
  NodeSelectorTerm,
  PodNetwork,
  PodShape,
  Resources,
  SelectorOperator,
  SelectorRequirement,
  TaintEffect,
  Toleration,
} from '../model.js';
import { ownValue } from '../fields.js';
import type { Reader } from '../reader.js';

/** The extended resource the VPC resource controller adds to pods that get a branch ENI. */
export const POD_ENI_RESOURCE = 'vpc.amazonaws.com/pod-eni';

const OPERATORS: readonly SelectorOperator[] = [
  'In',
  'NotIn',
  'Exists',
  'DoesNotExist',
  'Gt',
  'Lt',
];
const EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
/** matchFields can only name the node; we keep it as a requirement on this pseudo-label. */
export const NODE_NAME_FIELD = 'metadata.name';

function containerRequests(c: Reader): { cpuMilli: number; memoryBytes: number; podEni: boolean } {
  const res = c.child('resources');
  const requests = res?.child('requests');
  const limits = res?.child('limits');
  // The apiserver defaults a missing request to the limit; captured templates may predate defaulting.
  const cpuMilli = requests?.milli('cpu') ?? limits?.milli('cpu') ?? 0;
  const memoryBytes = requests?.quantity('memory') ?? limits?.quantity('memory') ?? 0;
  const podEni = requests?.has(POD_ENI_RESOURCE) === true || limits?.has(POD_ENI_RESOURCE) === true;
  return { cpuMilli, memoryBytes, podEni };
}

/**
 * Effective requests as the scheduler computes them: the sum of the containers and sidecars
 * (init containers with restartPolicy Always), or the largest init step with the sidecars started
 * before it, whichever is larger, plus the pod overhead.
 */
function effectiveRequests(spec: Reader): { requests: Resources; podEni: boolean } {
  let cpu = 0;
  let mem = 0;
  let podEni = false;
  for (const c of spec.list('containers')) {
    const r = containerRequests(c);
    cpu += r.cpuMilli;
    mem += r.memoryBytes;
    podEni ||= r.podEni;
  }
  let sidecarCpu = 0;
  let sidecarMem = 0;
  let initCpu = 0;
  let initMem = 0;
  for (const c of spec.list('initContainers')) {
    const r = containerRequests(c);
    podEni ||= r.podEni;
    if (c.string('restartPolicy') === 'Always') {
      sidecarCpu += r.cpuMilli;
      sidecarMem += r.memoryBytes;
    } else {
      initCpu = Math.max(initCpu, sidecarCpu + r.cpuMilli);
      initMem = Math.max(initMem, sidecarMem + r.memoryBytes);
    }
  }
  const overhead = spec.child('overhead');
  return {
    requests: {
      cpuMilli: Math.max(cpu + sidecarCpu, initCpu) + (overhead?.milli('cpu') ?? 0),
      memoryBytes: Math.max(mem + sidecarMem, initMem) + (overhead?.quantity('memory') ?? 0),
    },
    podEni,
  };
}

/** One NodeSelectorRequirement (key, operator, values), as pods and Karpenter NodePools write them. */
export function requirement(r: Reader, keyOverride?: string): SelectorRequirement {
  const operator = r.requireString('operator');
  if (!OPERATORS.includes(operator as SelectorOperator)) {
    throw r.fail(
      'operator',
      `expected one of ${OPERATORS.join(', ')}, got ${JSON.stringify(operator)}`,
    );
  }
  return {
    key: keyOverride ?? r.requireString('key'),
    operator: operator as SelectorOperator,
    values: r.strings('values'),
  };
}

function nodeTerms(spec: Reader): NodeSelectorTerm[] {
  const required = spec
    .child('affinity')
    ?.child('nodeAffinity')
    ?.child('requiredDuringSchedulingIgnoredDuringExecution');
  if (!required) return [];
  return required
    .list('nodeSelectorTerms')
    .map(term => [
      ...term.list('matchExpressions').map(r => requirement(r)),
      ...term.list('matchFields').map(r => requirement(r, NODE_NAME_FIELD)),
    ]);
}

function tolerations(spec: Reader): Toleration[] {
  return spec.list('tolerations').map(t => {
    const operator = t.string('operator') ?? 'Equal';
    if (operator !== 'Exists' && operator !== 'Equal') {
      throw t.fail('operator', `expected Exists or Equal, got ${JSON.stringify(operator)}`);
    }
    const effect = t.string('effect');
    if (effect !== undefined && effect !== '' && !EFFECTS.includes(effect as TaintEffect)) {
      throw t.fail(
        'effect',
        `expected one of ${EFFECTS.join(', ')}, got ${JSON.stringify(effect)}`,
      );
    }
    const key = t.string('key');
    const value = t.string('value');
    return {
      operator,
      ...(key !== undefined && key !== '' && { key }),
      ...(value !== undefined && { value }),
      ...(effect !== undefined && effect !== '' && { effect: effect as TaintEffect }),
    };
  });
}

/** Label selector (matchLabels + matchExpressions) against a label set. */
export function selectorMatches(selector: Reader, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.stringMap('matchLabels'))) {
    if (labels[k] !== v) return false;
  }
  return selector.list('matchExpressions').every(r => {
    const req = requirement(r);
    return requirementMatches(req, ownValue(labels, req.key));
  });
}

export function requirementMatches(req: SelectorRequirement, value: string | undefined): boolean {
  switch (req.operator) {
    case 'In':
      return value !== undefined && req.values.includes(value);
    case 'NotIn':
      return value === undefined || !req.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const bound = Number(req.values[0]);
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n) || !Number.isInteger(bound)) return false;
      return req.operator === 'Gt' ? n > bound : n < bound;
    }
  }
}

/** Required anti-affinity against its own labels on the hostname: at most one such pod per node. */
function onePerNode(spec: Reader, labels: Labels): boolean {
  const anti = spec.child('affinity')?.child('podAntiAffinity');
  if (!anti) return false;
  return anti.list('requiredDuringSchedulingIgnoredDuringExecution').some(term => {
    if (term.string('topologyKey') !== 'kubernetes.io/hostname') return false;
    const selector = term.child('labelSelector');
    return selector !== undefined && selectorMatches(selector, labels);
  });
}

/** A pod spec (a pod's or a template's) reduced to what placement needs. */
export function podShape(spec: Reader, labels: Labels): PodShape {
  const { requests, podEni } = effectiveRequests(spec);
  const network: PodNetwork =
    spec.bool('hostNetwork') === true ? 'host' : podEni ? 'branch' : 'pool';
  return {
    requests,
    network,
    nodeSelector: spec.stringMap('nodeSelector'),
    requiredNodeTerms: nodeTerms(spec),
    tolerations: tolerations(spec),
    onePerNode: onePerNode(spec, labels),
    labels,
  };
}

/** Network and requests alone, for pods already running (their scheduling is done). */
export function podUsage(spec: Reader): { requests: Resources; network: PodNetwork } {
  const { requests, podEni } = effectiveRequests(spec);
  return {
    requests,
    network: spec.bool('hostNetwork') === true ? 'host' : podEni ? 'branch' : 'pool',
  };
}
