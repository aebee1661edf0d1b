/**
 * Which ENIConfig a node's pod ENIs use under custom networking, resolved as ipamd resolves it
 * (pkg/eniconfig/eniconfig.go GetNodeSpecificENIConfigName): the externally managed label first, then the
 * node annotation named by ENI_CONFIG_ANNOTATION_DEF, then the node label named by ENI_CONFIG_LABEL_DEF,
 * else the ENIConfig called "default". Presence decides, not content: an empty value names an ENIConfig
 * that cannot exist, as it does for ipamd.
 */

/** Set out of band (on the kubelet, say); ipamd treats it as the source of truth. */
export const EXTERNAL_ENI_CONFIG_LABEL = 'vpc.amazonaws.com/externalEniConfig';
/** The CNI's default for both ENI_CONFIG_ANNOTATION_DEF and ENI_CONFIG_LABEL_DEF. */
export const DEFAULT_ENI_CONFIG_KEY = 'k8s.amazonaws.com/eniConfig';
export const DEFAULT_ENI_CONFIG_NAME = 'default';

export interface EniConfigKeys {
  /** ENI_CONFIG_ANNOTATION_DEF. */
  readonly annotation: string;
  /** ENI_CONFIG_LABEL_DEF. */
  readonly label: string;
}

export const DEFAULT_ENI_CONFIG_KEYS: EniConfigKeys = {
  annotation: DEFAULT_ENI_CONFIG_KEY,
  label: DEFAULT_ENI_CONFIG_KEY,
};

/** The keys from aws-node's env; unset or empty means the default, as in getEniConfigAnnotationDef. */
export function eniConfigKeysOf(env: Readonly<Record<string, string>> | undefined): EniConfigKeys {
  const annotation = env?.ENI_CONFIG_ANNOTATION_DEF;
  const label = env?.ENI_CONFIG_LABEL_DEF;
  return {
    annotation: annotation === undefined || annotation === '' ? DEFAULT_ENI_CONFIG_KEY : annotation,
    label: label === undefined || label === '' ? DEFAULT_ENI_CONFIG_KEY : label,
  };
}

export function eniConfigNameOf(
  labels: Readonly<Record<string, string>>,
  annotations: Readonly<Record<string, string>> | undefined,
  keys: EniConfigKeys,
): string {
  return (
    labels[EXTERNAL_ENI_CONFIG_LABEL] ??
    annotations?.[keys.annotation] ??
    labels[keys.label] ??
    DEFAULT_ENI_CONFIG_NAME
  );
}

export function sameEniConfigKeys(a: EniConfigKeys, b: EniConfigKeys): boolean {
  return a.annotation === b.annotation && a.label === b.label;
}
