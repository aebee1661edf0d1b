import type { ClusterModel, Workload } from '../../cluster/model.js';

/**
 * Settings of the Karpenter controller that change what a NodeClaim holds, read from its Deployment's env
 * as the Helm chart writes them (aws/karpenter-provider-aws charts/karpenter/templates/deployment.yaml;
 * pkg/operator/options and kubernetes-sigs/karpenter pkg/operator/options):
 * - RESERVED_ENIS: ENIs left out of the ENI-limited pods of every type (types.go ENILimitedPods), e.g. 1
 *   under custom networking or with security groups for pods;
 * - VM_MEMORY_OVERHEAD_PERCENT: memory taken off each type's SizeInMiB before sizing (default 0.075);
 * - MIN_VALUES_POLICY: Strict (default) keeps NodePool minValues, BestEffort relaxes them.
 * EKS Auto Mode runs Karpenter in the control plane: there is no Deployment to read, nor these settings.
 */
export interface KarpenterSettings {
  readonly reservedEnis: number;
  readonly vmMemoryOverheadPercent: number;
  readonly minValuesPolicy: 'Strict' | 'BestEffort';
  /** AWS_FEATURE_GATES NodeClassCEL: kubelet maxPods given as a CEL expression is evaluated per type. */
  readonly nodeClassCel: boolean;
  /** namespace/name of the controller Deployment; undefined when the inputs have none. */
  readonly deployment?: string;
  /** What was found that differs from the defaults, or could not be read. */
  readonly notes: readonly string[];
}

export const DEFAULT_KARPENTER_SETTINGS: KarpenterSettings = {
  reservedEnis: 0,
  vmMemoryOverheadPercent: 0.075,
  minValuesPolicy: 'Strict',
  nodeClassCel: false,
  notes: [],
};

interface EnvVar {
  readonly name?: unknown;
  readonly value?: unknown;
  readonly valueFrom?: unknown;
}

interface Container {
  readonly name?: unknown;
  readonly image?: unknown;
  readonly env?: unknown;
}

/** The controller container: the chart's image (public.ecr.aws/karpenter/controller) or its name and label. */
function controllerOf(w: Workload): Container | undefined {
  if (w.kind !== 'Deployment') return undefined;
  const spec = (w.template as { spec?: { containers?: unknown } } | undefined)?.spec;
  const containers = Array.isArray(spec?.containers) ? (spec.containers as Container[]) : [];
  const labelled = w.labels['app.kubernetes.io/name'] === 'karpenter' || w.name === 'karpenter';
  return containers.find(
    c =>
      (typeof c.image === 'string' && /(^|\/)karpenter\/controller([:@]|$)/.test(c.image)) ||
      (labelled && c.name === 'controller'),
  );
}

/** The controller's settings, from the first Karpenter controller Deployment in the inputs; else the defaults. */
export function karpenterSettings(model: ClusterModel): KarpenterSettings {
  for (const w of model.workloads.values()) {
    const c = controllerOf(w);
    if (c)
      return settingsOf(
        `${w.namespace}/${w.name}`,
        Array.isArray(c.env) ? (c.env as EnvVar[]) : [],
      );
  }
  return DEFAULT_KARPENTER_SETTINGS;
}

function settingsOf(deployment: string, env: readonly EnvVar[]): KarpenterSettings {
  const notes: string[] = [];
  const read = (name: string): string | undefined => {
    const e = env.find(x => x.name === name);
    if (!e) return undefined;
    if (typeof e.value === 'string') return e.value;
    if (e.valueFrom !== undefined)
      notes.push(
        `Karpenter controller ${deployment}: ${name} comes from a ConfigMap or Secret ipguard does not read; taken at its default`,
      );
    return undefined;
  };
  let { reservedEnis, vmMemoryOverheadPercent, minValuesPolicy } = DEFAULT_KARPENTER_SETTINGS;
  const enis = read('RESERVED_ENIS');
  if (enis !== undefined) {
    // env.WithDefaultInt: what does not parse is the default; below 0 the controller refuses to start.
    const n = /^\s*[+-]?\d+\s*$/.test(enis) ? Number(enis) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= 0) reservedEnis = n;
    else
      notes.push(
        `Karpenter controller ${deployment}: RESERVED_ENIS=${JSON.stringify(enis)} is not a count of ENIs; taken as 0`,
      );
  }
  const overhead = read('VM_MEMORY_OVERHEAD_PERCENT');
  if (overhead !== undefined) {
    const p = Number(overhead);
    if (overhead.trim() !== '' && Number.isFinite(p) && p >= 0 && p < 1)
      vmMemoryOverheadPercent = p;
    else
      notes.push(
        `Karpenter controller ${deployment}: VM_MEMORY_OVERHEAD_PERCENT=${JSON.stringify(overhead)} is not a fraction below 1; taken as 0.075`,
      );
  }
  const policy = read('MIN_VALUES_POLICY');
  if (policy === 'BestEffort') minValuesPolicy = 'BestEffort';
  else if (policy !== undefined && policy !== 'Strict')
    notes.push(
      `Karpenter controller ${deployment}: MIN_VALUES_POLICY=${JSON.stringify(policy)} is neither Strict nor BestEffort; taken as Strict`,
    );
  // pkg/operator/options: "NodeClassCEL=false" by default, comma-separated gates.
  const gates = read('AWS_FEATURE_GATES');
  const nodeClassCel =
    gates?.split(',').some(g => g.replace(/\s/g, '').toLowerCase() === 'nodeclasscel=true') ??
    false;
  if (reservedEnis > 0)
    notes.push(
      `Karpenter controller ${deployment}: RESERVED_ENIS=${reservedEnis}, so each type's ENI-limited max pods leaves ${reservedEnis === 1 ? 'one ENI' : `${reservedEnis} ENIs`} out`,
    );
  if (vmMemoryOverheadPercent !== DEFAULT_KARPENTER_SETTINGS.vmMemoryOverheadPercent)
    notes.push(
      `Karpenter controller ${deployment}: VM_MEMORY_OVERHEAD_PERCENT=${vmMemoryOverheadPercent}`,
    );
  if (minValuesPolicy === 'BestEffort')
    notes.push(
      `Karpenter controller ${deployment}: MIN_VALUES_POLICY=BestEffort, so NodePool minValues are relaxed where the types that fit fall short`,
    );
  return {
    reservedEnis,
    vmMemoryOverheadPercent,
    minValuesPolicy,
    nodeClassCel,
    deployment,
    notes,
  };
}
