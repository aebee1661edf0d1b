import { parseCniSettings, type CniEnv, type CniSettings } from '../cni/settings.js';
import type { AwsNodeSettings } from '../cluster/objects/aws-node.js';
import { UnresolvableChange } from './resolve.js';

/** A change to aws-node's settings as the decision needs it: the settings before and after, and their env. */
export interface ResolvedSettings {
  readonly fromEnv: CniEnv;
  readonly from: CniSettings;
  readonly toEnv: CniEnv;
  readonly to: CniSettings;
  /** Values in the new env the CNI would not accept, with what it uses instead. */
  readonly fallbacks: readonly string[];
  readonly annotations: AwsNodeSettings['annotations'];
}

/**
 * The old settings come from the request's old object when there is one, else from the cluster's aws-node;
 * `overrides` (check --cni) are laid over the old ones. A setting the new object takes from somewhere
 * ipguard cannot read (valueFrom, envFrom), and that is not the same in the old object, makes the change
 * unresolvable: its value is unknown, and guessing would count addresses it cannot see.
 */
export function resolveSettings(
  clusterEnv: CniEnv,
  desired: AwsNodeSettings,
  old: AwsNodeSettings | undefined,
  overrides: CniEnv = {},
): ResolvedSettings {
  if (desired.hidden.length > 0 && (!old || old.hidden.join('\n') !== desired.hidden.join('\n'))) {
    throw new UnresolvableChange(
      `DaemonSet kube-system/aws-node: ${desired.hidden.join(', ')} sets VPC CNI settings ipguard cannot read from the object; give the values in env[].value`,
    );
  }
  const fromEnv = { ...(old?.env ?? clusterEnv), ...overrides };
  const toEnv = desired.env;
  const parsedTo = parseCniSettings(toEnv);
  return {
    fromEnv,
    from: parseCniSettings(fromEnv).settings,
    toEnv,
    to: parsedTo.settings,
    fallbacks: parsedTo.fallbacks,
    annotations: desired.annotations,
  };
}
