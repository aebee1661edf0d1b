import type { ClusterModel, Node, NodeClaim, NodeClassSubnet } from '../cluster/model.js';
import { eniConfigNameOf } from '../cni/eni-config-name.js';
import { isTransientTaint } from './node-groups.js';
import { daemonSetLoad } from './node-room.js';

/**
 * Nodes that are coming: Karpenter NodeClaims in flight. Karpenter's scheduler counts them as nodes before
 * it launches more (pkg/controllers/provisioning/scheduling: in-flight NodeClaims are existing nodes to
 * it), and kube-scheduler binds the pending pods to them once they register, so pods that no registered
 * node takes go there before any new node. A NodeClaim is in flight until its Node registers; a registered
 * node whose NodeClaim is not yet Initialized is still launching (not ready, startup taints): it counts as
 * the node it is about to be.
 */

const ZONE = 'topology.kubernetes.io/zone';
const HOSTNAME = 'kubernetes.io/hostname';

interface Coming {
  /** NodeClaims without a Node yet, as the nodes they will be. */
  readonly nodes: readonly Node[];
  /** NodeClaims in flight that cannot be sized (no status.allocatable yet): left out, named in a note. */
  readonly unsized: readonly string[];
  /** Registered nodes whose NodeClaim is not Initialized. */
  readonly launching: ReadonlySet<string>;
}

const derived = new WeakMap<ClusterModel, Coming>();

/** The subnets a NodeClaim's pool launches into (its node class's status.subnets). */
function poolSubnets(model: ClusterModel, pool: string | undefined): readonly NodeClassSubnet[] {
  const ref = pool === undefined ? undefined : model.nodePools?.get(pool)?.nodeClassRef;
  if (!ref) return [];
  if (ref.group === 'eks.amazonaws.com')
    return model.autoModeNodeClasses?.get(ref.name)?.subnets ?? [];
  return model.ec2NodeClasses?.get(ref.name)?.subnets ?? [];
}

/** Karpenter launches into the zone's node class subnet with the most free addresses (ZonalSubnetsForLaunch). */
function subnetOf(model: ClusterModel, claim: NodeClaim): string | undefined {
  let best: string | undefined;
  let free = -Infinity;
  for (const s of poolSubnets(model, claim.nodePool)) {
    if (claim.zone !== undefined && s.zone !== claim.zone) continue;
    const f = model.subnets.get(s.id)?.availableIps ?? -Infinity;
    if (best === undefined || f > free) {
      best = s.id;
      free = f;
    }
  }
  return best;
}

function claimNode(model: ClusterModel, claim: NodeClaim, allocatable: Node['allocatable']): Node {
  const labels: Record<string, string> = {
    ...(claim.nodePool !== undefined && model.nodePools?.get(claim.nodePool)?.labels),
    ...claim.labels,
    [HOSTNAME]: claim.name,
  };
  if (claim.zone !== undefined) labels[ZONE] = claim.zone;
  const taints = (claim.taints ?? []).filter(t => !isTransientTaint(t));
  const ds = daemonSetLoad(model.daemonSets, { name: claim.name, labels, taints });
  const subnetId = subnetOf(model, claim);
  return {
    name: claim.name,
    ...(claim.instanceType !== undefined && { instanceType: claim.instanceType }),
    ...(claim.zone !== undefined && { zone: claim.zone }),
    ...(claim.nodePool !== undefined && { nodeGroup: claim.nodePool }),
    ...(subnetId !== undefined && { subnetId }),
    labels,
    taints,
    allocatable,
    maxPods: allocatable.pods,
    unschedulable: false,
    ready: true,
    eniConfig: eniConfigNameOf(labels, undefined, model.eniConfigKeys),
    usage: {
      pods: ds.pods,
      poolPods: ds.poolPods,
      hostNetworkPods: ds.pods - ds.poolPods - ds.branchPods,
      branchPods: ds.branchPods,
      cpuMilli: ds.cpuMilli,
      memoryBytes: ds.memoryBytes,
      scoreCpuMilli: ds.cpuMilli,
      scoreMemoryBytes: ds.memoryBytes,
    },
  };
}

/** The nodes that are coming, derived once per (immutable) model. */
export function comingNodes(model: ClusterModel): Coming {
  const hit = derived.get(model);
  if (hit) return hit;
  const nodes: Node[] = [];
  const unsized: string[] = [];
  const launching = new Set<string>();
  for (const claim of model.nodeClaims ?? []) {
    const { nodeName } = claim;
    if (nodeName !== undefined && model.nodes.has(nodeName)) {
      if (!claim.initialized) launching.add(nodeName);
      continue;
    }
    if (!claim.allocatable) {
      unsized.push(claim.name);
      continue;
    }
    nodes.push(claimNode(model, claim, claim.allocatable));
  }
  const out = { nodes, unsized: unsized.sort(), launching };
  derived.set(model, out);
  return out;
}
