import type { InstanceLimits } from '../../cni/instance-limits.js';
import { eksMaxPods } from '../../cni/max-pods.js';
import { DEFAULT_CNI_SETTINGS, type CniSettings } from '../../cni/settings.js';
import type { AutoModeNodeClass } from '../../cluster/model.js';
import { capacityMemoryMiB, kubeReservedCpuMilli } from './ec2-node-class.js';
import { MiB, type TypeCapacity } from './type-capacity.js';

/**
 * EKS Auto Mode: Karpenter run by AWS, with AWS's own node networking instead of the aws-node DaemonSet.
 * What is documented (awsdocs/amazon-eks-user-guide latest/ug/automode/auto-networking.adoc and
 * create-node-class.adoc):
 * - "Configuration options for the previous AWS VPC CNI will not apply": no WARM_* or MINIMUM_IP_TARGET,
 *   no prefix-delegation switch, no custom networking (ENIConfig), no security groups per pod.
 * - It "provisions /28 IPv4 prefixes to the primary network interface" and "maintains a predefined warm
 *   pool … that scales based on the number of scheduled pods"; secondary ENIs go to the node's subnet;
 *   without free prefixes it "falls back to secondary IPv4 addresses".
 * - "EKS limits the maximum number of pods on a node to 110 … applied after the existing max pods
 *   calculation".
 * What is not documented there, and so is ipguard's assumption (said in every Auto Mode result):
 * - the warm pool's size: taken as the 16 addresses of one prefix, growing a prefix at a time;
 * - NodeClass spec.advancedNetworking.ipv4PrefixSize "32" (secondary-IP mode, found only in secondary
 *   sources): one address per pod plus one spare;
 * - kube-reserved and eviction as Karpenter's AL2023 defaults (Auto Mode runs Bottlerocket-based nodes).
 */

export const AUTO_MODE_MAX_PODS = 110;

/** Whether a NodeClass runs its pods on /32 secondary addresses instead of /28 prefixes. */
export function secondaryIpMode(nodeClass: AutoModeNodeClass): boolean {
  return nodeClass.ipv4PrefixSize?.trim() === '32';
}

/** The VPC CNI settings that reproduce Auto Mode's documented addressing (see the assumptions above). */
export function autoModeCni(nodeClass: AutoModeNodeClass): CniSettings {
  return secondaryIpMode(nodeClass)
    ? { ...DEFAULT_CNI_SETTINGS, warmEniTarget: 0, warmIpTarget: 1, subnetDiscovery: false }
    : {
        ...DEFAULT_CNI_SETTINGS,
        prefixDelegation: true,
        warmEniTarget: 0,
        warmIpTarget: 1,
        minimumIpTarget: 16,
        subnetDiscovery: false,
      };
}

export function autoModeAssumptions(nodeClass: AutoModeNodeClass): string {
  const mode = secondaryIpMode(nodeClass)
    ? 'ipv4PrefixSize "32": one address per pod and one spare'
    : 'one /28 prefix per 16 pods, one prefix at least, no warm ENI';
  const podSubnets = nodeClass.separatePodSubnets
    ? '; podSubnetSelectorTerms puts pods in other subnets, which ipguard counts in the node subnet'
    : '';
  return `EKS Auto Mode NodeClass ${nodeClass.name}: addresses modelled from AWS's documentation (${mode}; max pods 110)${podSubnets}`;
}

/** Capacity of a type under Auto Mode: max pods as the calculator computes it, capped at 110. */
export function autoModeTypeCapacity(
  name: string,
  limits: InstanceLimits,
  nodeClass: AutoModeNodeClass,
): TypeCapacity | undefined {
  const memMiB = capacityMemoryMiB(name, limits);
  if (limits.vcpus === undefined || memMiB === undefined) return undefined;
  const pods = Math.min(
    AUTO_MODE_MAX_PODS,
    eksMaxPods(limits, { prefixDelegation: !secondaryIpMode(nodeClass), showMaxAllowed: true }),
  );
  const memoryBytes = memMiB * MiB;
  return {
    cpuMilli: limits.vcpus * 1000,
    memoryBytes,
    pods,
    allocatable: {
      cpuMilli: limits.vcpus * 1000 - kubeReservedCpuMilli(limits.vcpus),
      memoryBytes: memoryBytes - (11 * pods + 255) * MiB - 100 * MiB,
    },
  };
}
