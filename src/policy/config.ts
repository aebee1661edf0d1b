/** How ipguard judges, the same for `check` and the webhook. */
export type Mode = 'enforce' | 'warn' | 'off';

export const MODES: readonly Mode[] = ['enforce', 'warn', 'off'];

export interface PolicyConfig {
  /** The mode of namespaces without an `ipguard.io/mode` annotation. */
  readonly defaultMode: Mode;
  /** Warn when a subnet would keep fewer free addresses than this... */
  readonly warnBelowFreeIps: number;
  /** ...or fewer than this share of its usable addresses (percent). The larger bound applies. */
  readonly warnBelowFreePercent: number;
  /** Usernames of autoscalers (HPA, KEDA); their denials become warnings unless `autoscalersEnforced`. */
  readonly autoscalerUsernames: readonly string[];
  readonly autoscalersEnforced: boolean;
}

export const DEFAULT_POLICY: PolicyConfig = {
  defaultMode: 'enforce',
  warnBelowFreeIps: 16,
  warnBelowFreePercent: 10,
  autoscalerUsernames: [
    'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
    'system:kube-controller-manager',
    'system:serviceaccount:keda:keda-operator',
  ],
  autoscalersEnforced: false,
};

export const ANNOTATION_PREFIX = 'ipguard.io/';
export const MODE_ANNOTATION = `${ANNOTATION_PREFIX}mode`;
export const EXCEPTION_ANNOTATION = `${ANNOTATION_PREFIX}exception`;
export const EXCEPTION_EXPIRES_ANNOTATION = `${ANNOTATION_PREFIX}exception-expires`;
