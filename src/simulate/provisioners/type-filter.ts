import type { InstanceLimits } from '../../cni/instance-limits.js';
import type { NodePool } from '../../cluster/model.js';
import { KNOWN_TYPE_KEYS, NODEPOOL, instanceLabels } from './instance-labels.js';
import { addRequirement, exactly, has, requirementOf, type Requirement } from './requirements.js';

/** NodePool requirements, template labels and the nodepool label: what a NodeClaim of the pool is. */
export function poolRequirements(pool: NodePool): Map<string, Requirement> {
  const out = new Map<string, Requirement>();
  for (const r of pool.requirements) addRequirement(out, r.key, requirementOf(r));
  for (const [k, v] of Object.entries(pool.labels)) addRequirement(out, k, exactly(v));
  addRequirement(out, NODEPOOL, exactly(pool.name));
  return out;
}

/**
 * Whether an instance type's labels meet a NodeClaim's requirements, on the keys ipguard knows per type
 * (kubernetes-sigs/karpenter scheduling Requirements.Compatible against the type's requirements). A label
 * the type lacks is DoesNotExist: only a NotIn or DoesNotExist requirement allows it.
 */
export function typeMeets(
  reqs: ReadonlyMap<string, Requirement>,
  labels: ReadonlyMap<string, string>,
): boolean {
  for (const [key, r] of reqs) {
    if (!KNOWN_TYPE_KEYS.has(key)) continue;
    const v = labels.get(key);
    const absentOk = r.complement ? r.values.size > 0 : r.values.size === 0;
    if (v === undefined ? !absentOk : !has(r, v)) return false;
  }
  return true;
}

/** A NodePool's node class is EKS Auto Mode's: its types carry eks.amazonaws.com/ labels. */
export function isAutoModePool(pool: NodePool): boolean {
  return pool.nodeClassRef.group === 'eks.amazonaws.com';
}

/**
 * The instance types any of these NodePools may launch, resolved against a catalog (EC2's answer for the
 * region): what a snapshot keeps and what EC2 must describe so each type is sized from EC2's own figures.
 */
export function typesNodePoolsAllow(
  pools: Iterable<NodePool>,
  catalog: ReadonlyMap<string, InstanceLimits>,
): Set<string> {
  const out = new Set<string>();
  const resolved = [...pools].map(p => ({
    reqs: poolRequirements(p),
    autoMode: isAutoModePool(p),
  }));
  if (resolved.length === 0) return out;
  for (const [name, limits] of catalog) {
    const plain = instanceLabels(name, limits);
    const auto = resolved.some(r => r.autoMode) ? instanceLabels(name, limits, true) : plain;
    if (resolved.some(r => typeMeets(r.reqs, r.autoMode ? auto : plain))) out.add(name);
  }
  return out;
}
