/**
 * How the apiserver reads the objects in manifests/, restated as small functions so tests can ask
 * what an object does rather than what it says: which requests a webhook rule routes, which
 * namespaces a selector picks, which Pod Security level a pod meets.
 */

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelector semantics; an empty or absent selector selects everything. */
export function selects(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(value!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

/** The labels the apiserver gives every namespace (kubernetes.io/metadata.name, Kubernetes 1.22+). */
export function namespaceLabels(name: string, extra: Record<string, string> = {}) {
  return { ...extra, 'kubernetes.io/metadata.name': name };
}

export interface WebhookRule {
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  operations?: string[];
  scope?: string;
}

export interface RequestShape {
  group: string;
  version: string;
  resource: string;
  subResource: string;
  operation: string;
  namespaced: boolean;
}

const listHas = (list: readonly string[] | undefined, v: string) =>
  (list ?? []).some(x => x === '*' || x === v);

/**
 * apiserver `pkg/admission/plugin/webhook/predicates/rules`: `deployments` is the main resource only,
 * `deployments/scale` the subresource, `*` every main resource, `x/*` and `*\/sub` and `*\/*`.
 */
export function ruleRoutes(rule: WebhookRule, req: RequestShape): boolean {
  if (!listHas(rule.apiGroups, req.group)) return false;
  if (!listHas(rule.apiVersions, req.version)) return false;
  if (!listHas(rule.operations, req.operation)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Namespaced' && !req.namespaced) return false;
  if (scope === 'Cluster' && req.namespaced) return false;
  const sub = req.subResource;
  return (rule.resources ?? []).some(r => {
    if (r === '*/*') return true;
    if (sub === '') return r === '*' || r === req.resource;
    return r === `${req.resource}/${sub}` || r === `${req.resource}/*` || r === `*/${sub}`;
  });
}

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

const LEVELS: readonly PodSecurityLevel[] = ['restricted', 'baseline', 'privileged'];

export function levelAllows(enforce: PodSecurityLevel, pod: PodSecurityLevel): boolean {
  return LEVELS.indexOf(pod) <= LEVELS.indexOf(enforce);
}

interface SecurityContextish {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  seccompProfile?: { type?: string };
  capabilities?: { add?: string[]; drop?: string[] };
}

interface Containerish {
  name: string;
  securityContext?: SecurityContextish;
  ports?: { hostPort?: number }[];
}

export interface PodSpecish {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContextish;
  containers: Containerish[];
  initContainers?: Containerish[];
  volumes?: Record<string, unknown>[];
}

// Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards), the checks
// that can apply to a Deployment like ipguard's.
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** The strictest Pod Security level the pod meets, with the reasons it misses the stricter ones. */
export function podSecurityLevel(pod: PodSpecish): { level: PodSecurityLevel; why: string[] } {
  const baseline: string[] = [];
  const restricted: string[] = [];
  if (pod.hostNetwork === true) baseline.push('hostNetwork');
  if (pod.hostPID === true) baseline.push('hostPID');
  if (pod.hostIPC === true) baseline.push('hostIPC');
  const volumeTypes = (pod.volumes ?? []).flatMap(v => Object.keys(v).filter(k => k !== 'name'));
  if (volumeTypes.includes('hostPath')) baseline.push('hostPath volume');
  for (const t of volumeTypes) if (!RESTRICTED_VOLUMES.has(t)) restricted.push(`${t} volume`);
  const podSc = pod.securityContext ?? {};
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged === true) baseline.push(`${at}: privileged`);
    if ((c.ports ?? []).some(p => (p.hostPort ?? 0) !== 0)) baseline.push(`${at}: hostPort`);
    for (const cap of sc.capabilities?.add ?? []) {
      if (!BASELINE_CAPABILITIES.has(cap)) baseline.push(`${at}: adds ${cap}`);
      if (cap !== 'NET_BIND_SERVICE') restricted.push(`${at}: adds ${cap}`);
    }
    if (sc.allowPrivilegeEscalation !== false)
      restricted.push(`${at}: allowPrivilegeEscalation not false`);
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true)
      restricted.push(`${at}: runAsNonRoot not true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) restricted.push(`${at}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      restricted.push(`${at}: seccompProfile ${seccomp ?? 'unset'}`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL'))
      restricted.push(`${at}: does not drop ALL capabilities`);
  }
  if (baseline.length > 0) return { level: 'privileged', why: [...baseline, ...restricted] };
  if (restricted.length > 0) return { level: 'baseline', why: restricted };
  return { level: 'restricted', why: [] };
}
