import type { ClusterModel } from '../../cluster/model.js';
import { NodeGroupProvisioner } from './node-groups.js';
import type { Provisioner } from './provisioner.js';

const derived = new WeakMap<ClusterModel, readonly Provisioner[]>();

/** The provisioners a cluster has, in the order they are asked; derived once per (immutable) model. */
export function provisionersOf(model: ClusterModel): readonly Provisioner[] {
  const cached = derived.get(model);
  if (cached) return cached;
  const list: Provisioner[] = [new NodeGroupProvisioner()];
  derived.set(model, list);
  return list;
}
