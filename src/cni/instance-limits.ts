/** What the VPC CNI needs to know about an EC2 instance type. */
export interface InstanceLimits {
  readonly instanceType?: string;
  /** ENIs on the default network card (pkg/vpc ENILimit; multi-card types count card 0 only). */
  readonly maxEnis: number;
  /** IPv4 addresses per ENI, counting the ENI's own primary address (IPv4Limit). */
  readonly ipv4PerEni: number;
  /** VCpuInfo.DefaultVCpus; decides the calculator's 110 / 250 cap. */
  readonly vcpus?: number;
  /** Nitro or bare metal: ipamd can assign /28 prefixes (IsPrefixDelegationSupported). */
  readonly prefixDelegationSupported?: boolean;
  /** Hypervisor "nitro": the max-pods calculator applies its prefix formula only then. */
  readonly nitro?: boolean;
  /** Branch ENIs for security groups for pods; 0 when the type cannot trunk. */
  readonly maxBranchEnis?: number;
  /** MemoryInfo.SizeInMiB, for sizing new nodes of a type no existing node shows. */
  readonly memoryMiB?: number;
  /** ProcessorInfo.SupportedArchitectures as Kubernetes names it (x86_64 → amd64). */
  readonly architecture?: 'amd64' | 'arm64';
}

/** Secondary IPs per ENI usable by pods, or /28 prefixes per ENI with prefix delegation. */
export function slotsPerEni(limits: InstanceLimits): number {
  return limits.ipv4PerEni - 1;
}

/** Prefix delegation takes effect only where EC2 can assign prefixes; elsewhere ipamd stays in secondary-IP mode. */
export function prefixDelegationEffective(limits: InstanceLimits, enabled: boolean): boolean {
  return enabled && limits.prefixDelegationSupported !== false;
}

/**
 * The trunk ENI exists only on types that support trunking (a branch-ENI limit above 0); unknown types
 * are assumed to, as every current Nitro type does.
 */
export function trunkEffective(limits: InstanceLimits, podEni: boolean): boolean {
  return podEni && (limits.maxBranchEnis === undefined || limits.maxBranchEnis > 0);
}
