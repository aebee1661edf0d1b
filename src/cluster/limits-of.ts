import type { InstanceLimits } from '../cni/instance-limits.js';
import type { ClusterModel } from './model.js';

/**
 * The one place an instance type becomes limits: the instance types given (file or EC2). Undefined
 * means nothing describes the type; the simulation then records it as unresolved, never as a zero.
 */
export function limitsOf(
  model: Pick<ClusterModel, 'instanceTypes'>,
  instanceType: string | undefined,
): InstanceLimits | undefined {
  return instanceType === undefined ? undefined : model.instanceTypes.get(instanceType);
}
