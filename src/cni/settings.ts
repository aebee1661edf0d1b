/**
 * VPC CNI settings, read from the aws-node DaemonSet env the way ipamd reads them
 * (aws/amazon-vpc-cni-k8s pkg/ipamd/ipamd.go: getWarmENITarget, getWarmIPTarget, getMinimumIPTarget,
 * getWarmPrefixTarget, getMaxENI, and utils getEnvBoolWithDefault). ipamd never refuses to start on a
 * bad value: it logs and falls back to the default. We do the same, and say so.
 */
export interface CniSettings {
  /** WARM_ENI_TARGET: spare ENIs kept, default 1; 0 allowed. Ignored when an IP target is set or with prefix delegation. */
  readonly warmEniTarget: number;
  /** WARM_IP_TARGET: spare addresses kept; 0 = unset. */
  readonly warmIpTarget: number;
  /** MINIMUM_IP_TARGET: floor of the pool; 0 = unset. */
  readonly minimumIpTarget: number;
  /** WARM_PREFIX_TARGET: spare /28 prefixes with prefix delegation; 0 in code (the shipped manifest sets 1). */
  readonly warmPrefixTarget: number;
  /** ENABLE_PREFIX_DELEGATION. */
  readonly prefixDelegation: boolean;
  /** AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: pods use ENIConfig subnets, the primary ENI carries no pods. */
  readonly customNetworking: boolean;
  /** ENABLE_POD_ENI: security groups for pods; a trunk ENI takes one slot. */
  readonly podEni: boolean;
  /** MAX_ENI: a cap below the instance's ENI limit; undefined when unset or below 1. */
  readonly maxEni: number | undefined;
  /**
   * ENABLE_SUBNET_DISCOVERY (v1.18+, on by default): a new secondary ENI goes to the subnet with the most
   * free addresses among the node's and the same-zone subnets tagged kubernetes.io/role/cni.
   */
  readonly subnetDiscovery: boolean;
  /**
   * AWS_MANAGE_ENIS_NON_SCHEDULABLE (default false): otherwise ipamd adds no address or ENI on a node tainted
   * node.kubernetes.io/unschedulable (isENIAttachmentAllowed, isNodeNonSchedulable).
   */
  readonly manageEnisNonSchedulable: boolean;
}

export const CNI_SETTING_NAMES = [
  'WARM_ENI_TARGET',
  'WARM_IP_TARGET',
  'MINIMUM_IP_TARGET',
  'WARM_PREFIX_TARGET',
  'ENABLE_PREFIX_DELEGATION',
  'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG',
  'ENABLE_POD_ENI',
  'MAX_ENI',
  'ENABLE_SUBNET_DISCOVERY',
  'AWS_MANAGE_ENIS_NON_SCHEDULABLE',
] as const;

export type CniSettingName = (typeof CNI_SETTING_NAMES)[number];
export type CniEnv = Readonly<Partial<Record<CniSettingName, string>>>;

export const DEFAULT_CNI_SETTINGS: CniSettings = {
  warmEniTarget: 1,
  warmIpTarget: 0,
  minimumIpTarget: 0,
  warmPrefixTarget: 0,
  prefixDelegation: false,
  customNetworking: false,
  podEni: false,
  maxEni: undefined,
  subnetDiscovery: true,
  manageEnisNonSchedulable: false,
};

export function isCniSettingName(name: string): name is CniSettingName {
  return (CNI_SETTING_NAMES as readonly string[]).includes(name);
}

export interface ParsedCniSettings {
  readonly settings: CniSettings;
  /** Values ipamd would ignore, with the default it falls back to. */
  readonly fallbacks: readonly string[];
}

/** Go's strconv.Atoi: optional sign, decimal digits only, 64-bit range. */
function goAtoi(value: string): number | undefined {
  if (!/^[+-]?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Go's strconv.ParseBool. */
function goParseBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

export function parseCniSettings(env: CniEnv): ParsedCniSettings {
  const fallbacks: string[] = [];
  const fallback = (name: CniSettingName, raw: string, used: string): void => {
    fallbacks.push(`${name}=${JSON.stringify(raw)} is not valid for the VPC CNI; it uses ${used}`);
  };

  // WARM_ENI_TARGET: an unparsable or negative value gives the default 1.
  const intAtLeastZero = (name: CniSettingName, dflt: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const n = goAtoi(raw);
    if (n === undefined || n < 0) {
      fallback(name, raw, String(dflt));
      return dflt;
    }
    return n;
  };
  const bool = (name: CniSettingName, dflt = false): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const b = goParseBool(raw);
    if (b === undefined) {
      fallback(name, raw, String(dflt));
      return dflt;
    }
    return b;
  };
  const maxEni = ((): number | undefined => {
    const raw = env.MAX_ENI;
    if (raw === undefined || raw === '') return undefined;
    const n = goAtoi(raw);
    if (n === undefined || n < 1) {
      fallback('MAX_ENI', raw, 'the instance limit');
      return undefined;
    }
    return n;
  })();

  const settings: CniSettings = {
    warmEniTarget: intAtLeastZero('WARM_ENI_TARGET', DEFAULT_CNI_SETTINGS.warmEniTarget),
    warmIpTarget: intAtLeastZero('WARM_IP_TARGET', 0),
    minimumIpTarget: intAtLeastZero('MINIMUM_IP_TARGET', 0),
    warmPrefixTarget: intAtLeastZero('WARM_PREFIX_TARGET', 0),
    prefixDelegation: bool('ENABLE_PREFIX_DELEGATION'),
    customNetworking: bool('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG'),
    podEni: bool('ENABLE_POD_ENI'),
    maxEni,
    subnetDiscovery: bool('ENABLE_SUBNET_DISCOVERY', true),
    manageEnisNonSchedulable: bool('AWS_MANAGE_ENIS_NON_SCHEDULABLE'),
  };
  return { settings, fallbacks };
}

/** True when WARM_IP_TARGET or MINIMUM_IP_TARGET is set: they replace WARM_ENI_TARGET / WARM_PREFIX_TARGET. */
export function ipTargetsDefined(s: CniSettings): boolean {
  return s.warmIpTarget > 0 || s.minimumIpTarget > 0;
}

/** The settings as the env assignments that differ from the CNI defaults, for messages. */
export function describeCniSettings(s: CniSettings): string {
  const parts: string[] = [];
  if (s.prefixDelegation) parts.push('ENABLE_PREFIX_DELEGATION=true');
  if (ipTargetsDefined(s)) {
    if (s.warmIpTarget > 0) parts.push(`WARM_IP_TARGET=${s.warmIpTarget}`);
    if (s.minimumIpTarget > 0) parts.push(`MINIMUM_IP_TARGET=${s.minimumIpTarget}`);
  } else if (s.prefixDelegation) {
    parts.push(`WARM_PREFIX_TARGET=${s.warmPrefixTarget}`);
  } else {
    parts.push(`WARM_ENI_TARGET=${s.warmEniTarget}`);
  }
  if (s.customNetworking) parts.push('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true');
  if (s.podEni) parts.push('ENABLE_POD_ENI=true');
  if (s.maxEni !== undefined) parts.push(`MAX_ENI=${s.maxEni}`);
  return parts.join(' ');
}
