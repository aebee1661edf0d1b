import type { InstanceLimits } from '../../cni/instance-limits.js';

/**
 * The labels Karpenter's AWS provider gives an instance type (aws/karpenter-provider-aws
 * pkg/providers/instancetype/types.go computeRequirements), for the ones ipguard can tell from
 * DescribeInstanceTypes figures. Zone and capacity type are offerings, handled apart.
 */

export const INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const ARCH = 'kubernetes.io/arch';
export const OS = 'kubernetes.io/os';
export const ZONE = 'topology.kubernetes.io/zone';
export const CAPACITY_TYPE = 'karpenter.sh/capacity-type';
export const NODEPOOL = 'karpenter.sh/nodepool';

const AWS = 'karpenter.k8s.aws/';
export const CATEGORY = `${AWS}instance-category`;
export const FAMILY = `${AWS}instance-family`;
export const GENERATION = `${AWS}instance-generation`;
export const SIZE = `${AWS}instance-size`;
export const CPU = `${AWS}instance-cpu`;
export const MEMORY = `${AWS}instance-memory`;
export const HYPERVISOR = `${AWS}instance-hypervisor`;

/**
 * EKS Auto Mode names the same per-type labels under its own prefix (eks.amazonaws.com/instance-category,
 * -generation, -family, -size, -cpu, -memory, -hypervisor: "Create a Node Pool for EKS Auto Mode", supported
 * labels); its built-in general-purpose pool asks for eks.amazonaws.com/instance-generation Gt 4.
 */
const EKS = 'eks.amazonaws.com/';
const AWS_TYPE_KEYS = [CATEGORY, FAMILY, GENERATION, SIZE, CPU, MEMORY, HYPERVISOR] as const;

/** Keys whose value ipguard knows per type; a requirement on any other AWS key cannot be checked. */
export const KNOWN_TYPE_KEYS: ReadonlySet<string> = new Set([
  INSTANCE_TYPE,
  ARCH,
  OS,
  ...AWS_TYPE_KEYS,
  ...AWS_TYPE_KEYS.map(k => EKS + k.slice(AWS.length)),
]);

/** A per-type label of Karpenter's AWS provider or of EKS Auto Mode: instance types fix its value. */
export function isInstanceTypeKey(key: string): boolean {
  return key.startsWith(AWS) || key.startsWith(`${EKS}instance-`);
}

/** Labels Karpenter knows and an instance type or offering fixes (v1.WellKnownLabels plus the AWS ones). */
export function isWellKnownLabel(key: string): boolean {
  return (
    key === NODEPOOL ||
    key === ZONE ||
    key === 'topology.kubernetes.io/region' ||
    key === INSTANCE_TYPE ||
    key === ARCH ||
    key === OS ||
    key === CAPACITY_TYPE ||
    key === 'node.kubernetes.io/windows-build' ||
    isInstanceTypeKey(key) ||
    key === 'topology.k8s.aws/zone-id'
  );
}

/** types.go instanceTypeScheme: category letters, an optional "-Ntb", then the generation digit(s). */
const INSTANCE_TYPE_SCHEME = /(^[a-z]+)(-[0-9]+tb)?([0-9]+).*\./;

/**
 * Graviton families have a "g" right after the generation (m6g, c7gn, r8gd, t4g, x2gd, im4gn, is4gen);
 * a1 is Graviton's first. Used only when the instance-types input does not say.
 */
const ARM64_FAMILY = /^(a1|[a-z]+\d+g[a-z]*)$/;

export function architectureOf(name: string, limits: InstanceLimits): 'amd64' | 'arm64' {
  if (limits.architecture) return limits.architecture;
  const family = name.split('.')[0] ?? '';
  return ARM64_FAMILY.test(family) ? 'arm64' : 'amd64';
}

/**
 * Labels per limits object: a NodePool decision filters the whole catalog (hundreds of types), and the
 * labels depend only on the name, Auto Mode or not, and the figures, which never change for one object.
 */
interface CachedLabels {
  readonly name: string;
  plain?: ReadonlyMap<string, string>;
  autoMode?: ReadonlyMap<string, string>;
}
const labelCache = new WeakMap<InstanceLimits, CachedLabels>();

/**
 * A type's single-valued labels as Karpenter computes them; memory is absent when unknown. Under EKS Auto
 * Mode the AWS ones also carry Auto Mode's eks.amazonaws.com/ names.
 */
export function instanceLabels(
  name: string,
  limits: InstanceLimits,
  autoMode = false,
): ReadonlyMap<string, string> {
  let hit = labelCache.get(limits);
  if (hit?.name !== name) labelCache.set(limits, (hit = { name }));
  if (autoMode) return (hit.autoMode ??= computeLabels(name, limits, true));
  return (hit.plain ??= computeLabels(name, limits, false));
}

function computeLabels(
  name: string,
  limits: InstanceLimits,
  autoMode: boolean,
): Map<string, string> {
  const labels = new Map<string, string>([
    [INSTANCE_TYPE, name],
    [ARCH, architectureOf(name, limits)],
    [OS, 'linux'],
  ]);
  const parts = INSTANCE_TYPE_SCHEME.exec(name);
  if (parts?.[1] !== undefined && parts[3] !== undefined) {
    labels.set(CATEGORY, parts[1]);
    labels.set(GENERATION, parts[3]);
  }
  const dot = name.split('.');
  if (dot.length === 2 && dot[0] !== undefined && dot[1] !== undefined) {
    labels.set(FAMILY, dot[0]);
    labels.set(SIZE, dot[1]);
  }
  if (limits.vcpus !== undefined) labels.set(CPU, String(limits.vcpus));
  if (limits.memoryMiB !== undefined) labels.set(MEMORY, String(limits.memoryMiB));
  if (limits.nitro === true) labels.set(HYPERVISOR, 'nitro');
  else if (limits.nitro === false && limits.prefixDelegationSupported === false)
    labels.set(HYPERVISOR, 'xen');
  if (autoMode)
    for (const k of AWS_TYPE_KEYS) {
      const v = labels.get(k);
      if (v !== undefined) labels.set(EKS + k.slice(AWS.length), v);
    }
  return labels;
}
