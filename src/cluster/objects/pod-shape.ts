import type {
  LabelSelector,
  Labels,
  NodeSelectorTerm,
  PodNetwork,
  PodShape,
  Resources,
  SelectorOperator,
  SelectorRequirement,
  SpreadConstraint,
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

/**
 * What the scheduler's scoring counts for a container without a cpu or memory request
 * (kubernetes pkg/scheduler/util/pod_resources.go: DefaultMilliCPURequest, DefaultMemoryRequest;
 * "Override if un-set, but not if explicitly set to zero").
 */
export const SCORE_DEFAULT_CPU_MILLI = 100;
export const SCORE_DEFAULT_MEMORY_BYTES = 200 * 1024 * 1024;

interface ContainerRequests {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  readonly scoreCpuMilli: number;
  readonly scoreMemoryBytes: number;
  readonly podEni: boolean;
}

function containerRequests(c: Reader): ContainerRequests {
  const res = c.child('resources');
  const requests = res?.child('requests');
  const limits = res?.child('limits');
  // The apiserver defaults a missing request to the limit; captured templates may predate defaulting.
  const cpu = requests?.milli('cpu') ?? limits?.milli('cpu');
  const memory = requests?.quantity('memory') ?? limits?.quantity('memory');
  const podEni = requests?.has(POD_ENI_RESOURCE) === true || limits?.has(POD_ENI_RESOURCE) === true;
  return {
    cpuMilli: cpu ?? 0,
    memoryBytes: memory ?? 0,
    scoreCpuMilli: cpu ?? SCORE_DEFAULT_CPU_MILLI,
    scoreMemoryBytes: memory ?? SCORE_DEFAULT_MEMORY_BYTES,
    podEni,
  };
}

/** Sidecar-aware pod requests from per-container figures: what one field of ContainerRequests sums to. */
function podTotal(
  containers: readonly ContainerRequests[],
  inits: readonly { readonly sidecar: boolean; readonly r: ContainerRequests }[],
  field: (r: ContainerRequests) => number,
): number {
  let sum = 0;
  for (const c of containers) sum += field(c);
  let sidecars = 0;
  let init = 0;
  for (const { sidecar, r } of inits) {
    if (sidecar) sidecars += field(r);
    else init = Math.max(init, sidecars + field(r));
  }
  return Math.max(sum + sidecars, init);
}

/**
 * Effective requests as the scheduler computes them: the sum of the containers and sidecars
 * (init containers with restartPolicy Always), or the largest init step with the sidecars started
 * before it, whichever is larger, plus the pod overhead. `scoreRequests` is the same with missing
 * requests at the scoring defaults, and only present when it differs.
 */
function effectiveRequests(spec: Reader): {
  requests: Resources;
  scoreRequests?: Resources;
  podEni: boolean;
} {
  const containers = spec.list('containers').map(containerRequests);
  const inits = spec.list('initContainers').map(c => ({
    sidecar: c.string('restartPolicy') === 'Always',
    r: containerRequests(c),
  }));
  const podEni = containers.some(r => r.podEni) || inits.some(i => i.r.podEni);
  const overhead = spec.child('overhead');
  const overheadCpu = overhead?.milli('cpu') ?? 0;
  const overheadMem = overhead?.quantity('memory') ?? 0;
  const requests = {
    cpuMilli: podTotal(containers, inits, r => r.cpuMilli) + overheadCpu,
    memoryBytes: podTotal(containers, inits, r => r.memoryBytes) + overheadMem,
  };
  const scoreRequests = {
    cpuMilli: podTotal(containers, inits, r => r.scoreCpuMilli) + overheadCpu,
    memoryBytes: podTotal(containers, inits, r => r.scoreMemoryBytes) + overheadMem,
  };
  const same =
    scoreRequests.cpuMilli === requests.cpuMilli &&
    scoreRequests.memoryBytes === requests.memoryBytes;
  return { requests, ...(!same && { scoreRequests }), podEni };
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

function labelSelector(r: Reader): LabelSelector {
  return {
    matchLabels: r.stringMap('matchLabels'),
    matchExpressions: r.list('matchExpressions').map(e => requirement(e)),
  };
}

function inclusionPolicy(r: Reader, key: string, unset: 'Honor' | 'Ignore'): 'Honor' | 'Ignore' {
  const v = r.string(key);
  if (v === undefined) return unset;
  if (v !== 'Honor' && v !== 'Ignore')
    throw r.fail(key, `expected Honor or Ignore, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * topologySpreadConstraints with whenUnsatisfiable DoNotSchedule, with the scheduler's defaults for what
 * is unset (podtopologyspread common.go filterTopologySpreadConstraints: minDomains 1, nodeAffinityPolicy
 * Honor, nodeTaintsPolicy Ignore). ScheduleAnyway entries only weigh in scoring and are left out.
 */
function spreadConstraints(spec: Reader): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  for (const c of spec.list('topologySpreadConstraints')) {
    const when = c.requireString('whenUnsatisfiable');
    if (when !== 'DoNotSchedule' && when !== 'ScheduleAnyway')
      throw c.fail(
        'whenUnsatisfiable',
        `expected DoNotSchedule or ScheduleAnyway, got ${JSON.stringify(when)}`,
      );
    const maxSkew = c.positiveInt('maxSkew');
    const topologyKey = c.requireString('topologyKey');
    if (when !== 'DoNotSchedule') continue;
    const selector = c.child('labelSelector');
    const minDomains = c.has('minDomains') ? c.positiveInt('minDomains') : 1;
    out.push({
      maxSkew,
      topologyKey,
      ...(selector && { labelSelector: labelSelector(selector) }),
      matchLabelKeys: c.strings('matchLabelKeys'),
      minDomains,
      nodeAffinityPolicy: inclusionPolicy(c, 'nodeAffinityPolicy', 'Honor'),
      nodeTaintsPolicy: inclusionPolicy(c, 'nodeTaintsPolicy', 'Ignore'),
    });
  }
  return out;
}

/** A pod spec (a pod's or a template's) reduced to what placement needs. */
export function podShape(spec: Reader, labels: Labels): PodShape {
  const { requests, scoreRequests, podEni } = effectiveRequests(spec);
  const network: PodNetwork =
    spec.bool('hostNetwork') === true ? 'host' : podEni ? 'branch' : 'pool';
  const spread = spreadConstraints(spec);
  return {
    requests,
    ...(scoreRequests && { scoreRequests }),
    network,
    nodeSelector: spec.stringMap('nodeSelector'),
    requiredNodeTerms: nodeTerms(spec),
    tolerations: tolerations(spec),
    onePerNode: onePerNode(spec, labels),
    labels,
    ...(spread.length > 0 && { spread }),
  };
}

/** Network and requests alone, for pods already running (their scheduling is done). */
export function podUsage(spec: Reader): {
  requests: Resources;
  scoreRequests?: Resources;
  network: PodNetwork;
} {
  const { requests, scoreRequests, podEni } = effectiveRequests(spec);
  return {
    requests,
    ...(scoreRequests && { scoreRequests }),
    network: spec.bool('hostNetwork') === true ? 'host' : podEni ? 'branch' : 'pool',
  };
}
