import type { ClusterModel } from '../../cluster/model.js';
import { KarpenterProvisioner } from './karpenter.js';
import { karpenterSettings } from './karpenter-settings.js';
import { NodeGroupProvisioner } from './node-groups.js';
import type { Provisioner } from './provisioner.js';

const derived = new WeakMap<ClusterModel, readonly Provisioner[]>();

/**
 * The provisioners a cluster has, in the order they are asked; derived once per (immutable) model.
 * Karpenter (and EKS Auto Mode) act on pending pods within seconds, Cluster Autoscaler after its scan, so
 * NodePools are asked first; node groups then exclude the pools Karpenter owns.
 */
export function provisionersOf(model: ClusterModel): readonly Provisioner[] {
  const cached = derived.get(model);
  if (cached) return cached;
  const pools = new Set(model.nodePools?.keys() ?? []);
  const list: Provisioner[] =
    pools.size > 0
      ? [new KarpenterProvisioner(karpenterSettings(model)), new NodeGroupProvisioner(pools)]
      : [new NodeGroupProvisioner()];
  derived.set(model, list);
  return list;
}
