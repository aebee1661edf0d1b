import type {
  CanaryStep,
  Labels,
  DeploymentStrategy,
  RolloutStrategy,
  Workload,
  WorkloadRef,
  WorkloadStatus,
} from '../model.js';
import type { Reader } from '../reader.js';
import { canonicalDigest } from '../json-walk.js';
import { readMeta, type Meta } from './meta.js';
import { podShape } from './pod-shape.js';

/** Defaults applied by the apiserver (Deployment) and by the Argo controller (Rollout). */
export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';
export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;
export const DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS = 30;
export const DEFAULT_MAX_TRAFFIC_WEIGHT = 100;

/** What to read besides the spec: an object only compared against (an oldObject) needs no pod shape. */
export interface ProjectOptions {
  readonly pod?: boolean;
  /**
   * Keep only what judging a later change needs, for kinds a cluster holds by the thousand (Jobs):
   * no pod shape, no template (only its digest), only the ipguard.io/ annotations.
   */
  readonly compact?: boolean;
}

/** The annotations the policy reads (mode, exception, expiry); the rest is not kept for compact kinds. */
export function policyAnnotations(annotations: Labels): Labels {
  let out: Record<string, string> | undefined;
  for (const k in annotations) {
    if (!k.startsWith('ipguard.io/')) continue;
    (out ??= {})[k] = annotations[k] as string;
  }
  return out ?? {};
}

export function template(
  spec: Reader | undefined,
  o: ProjectOptions,
): Pick<Workload, 'templateKey' | 'template' | 'pod'> {
  const tpl = spec?.child('template');
  const podSpec = tpl?.child('spec');
  if (!tpl || !podSpec) return { templateKey: '' };
  // A digest, recomputed per request: a cache of template texts by raw JSON held two copies of every
  // template it saw (200 dry runs of a 1 MB Deployment took 400 MB), and the walk costs microseconds.
  const templateKey = canonicalDigest(tpl.value);
  if (o.compact === true) return { templateKey };
  if (o.pod === false) return { templateKey, template: tpl.value };
  const labels = tpl.child('metadata')?.stringMap('labels') ?? {};
  return { templateKey, template: tpl.value, pod: podShape(podSpec, labels) };
}

export function commonStatus(status: Reader | undefined): WorkloadStatus {
  if (!status) return {};
  const out: Record<string, number> = {};
  for (const key of [
    'replicas',
    'updatedReplicas',
    'readyReplicas',
    'availableReplicas',
  ] as const) {
    const v = status.int(key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

export function base(
  meta: Meta,
  o: ProjectOptions = {},
): Pick<Workload, 'namespace' | 'name' | 'uid' | 'labels' | 'annotations'> {
  return {
    namespace: meta.namespace,
    name: meta.name,
    ...(meta.uid !== undefined && { uid: meta.uid }),
    labels: o.compact === true ? {} : meta.labels,
    annotations: o.compact === true ? policyAnnotations(meta.annotations) : meta.annotations,
  };
}

export function projectDeployment(obj: Reader, o: ProjectOptions = {}): Workload {
  const meta = readMeta(obj, true);
  const spec = obj.child('spec');
  const strategy = spec?.child('strategy');
  const type = strategy?.string('type') ?? 'RollingUpdate';
  if (type !== 'RollingUpdate' && type !== 'Recreate') {
    throw (strategy ?? obj).fail(
      'type',
      `expected RollingUpdate or Recreate, got ${JSON.stringify(type)}`,
    );
  }
  const rolling = strategy?.child('rollingUpdate');
  const maxSurge = rolling?.intOrString('maxSurge');
  const maxUnavailable = rolling?.intOrString('maxUnavailable');
  const deploymentStrategy: DeploymentStrategy = {
    type,
    ...(maxSurge !== undefined && { maxSurge }),
    ...(maxUnavailable !== undefined && { maxUnavailable }),
  };
  const replicas = spec?.int('replicas');
  return {
    kind: 'Deployment',
    ...base(meta),
    ...(replicas !== undefined && { replicas }),
    paused: spec?.bool('paused') === true,
    ...template(spec, o),
    deploymentStrategy,
    status: commonStatus(obj.child('status')),
  };
}

function canarySteps(canary: Reader): CanaryStep[] {
  return canary.list('steps').map(step => {
    const setWeight = step.int('setWeight');
    const scale = step.child('setCanaryScale');
    const replicas = scale?.int('replicas');
    const weight = scale?.int('weight');
    return {
      ...(setWeight !== undefined && { setWeight }),
      ...(scale && {
        setCanaryScale: {
          ...(replicas !== undefined && { replicas }),
          ...(weight !== undefined && { weight }),
          ...(scale.bool('matchTrafficWeight') === true && { matchTrafficWeight: true }),
        },
      }),
      ...(step.has('pause') && { pause: true }),
    };
  });
}

function rolloutStrategy(spec: Reader | undefined): RolloutStrategy {
  const strategy = spec?.child('strategy');
  const bg = strategy?.child('blueGreen');
  const canary = strategy?.child('canary');
  if (bg) {
    const previewReplicaCount = bg.int('previewReplicaCount');
    const limit = bg.int('scaleDownDelayRevisionLimit');
    const activeService = bg.string('activeService');
    return {
      blueGreen: {
        ...(previewReplicaCount !== undefined && { previewReplicaCount }),
        autoPromotionEnabled: bg.bool('autoPromotionEnabled') ?? true,
        scaleDownDelaySeconds: bg.int('scaleDownDelaySeconds') ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS,
        ...(limit !== undefined && { scaleDownDelayRevisionLimit: limit }),
        abortScaleDownDelaySeconds:
          bg.int('abortScaleDownDelaySeconds') ?? DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS,
        ...(activeService !== undefined && { activeService }),
      },
    };
  }
  if (canary) {
    const traffic = canary.child('trafficRouting');
    const maxSurge = canary.intOrString('maxSurge');
    const maxUnavailable = canary.intOrString('maxUnavailable');
    const minPods = canary.int('minPodsPerReplicaSet');
    return {
      canary: {
        ...(maxSurge !== undefined && { maxSurge }),
        ...(maxUnavailable !== undefined && { maxUnavailable }),
        steps: canarySteps(canary),
        trafficRouting: traffic !== undefined,
        maxTrafficWeight: traffic?.int('maxTrafficWeight') ?? DEFAULT_MAX_TRAFFIC_WEIGHT,
        dynamicStableScale: canary.bool('dynamicStableScale') === true,
        ...(minPods !== undefined && { minPodsPerReplicaSet: minPods }),
      },
    };
  }
  // A Rollout with no strategy is a canary with no steps (Argo's default).
  return {
    canary: {
      steps: [],
      trafficRouting: false,
      maxTrafficWeight: DEFAULT_MAX_TRAFFIC_WEIGHT,
      dynamicStableScale: false,
    },
  };
}

export function projectRollout(obj: Reader, o: ProjectOptions = {}): Workload {
  const meta = readMeta(obj, true);
  const spec = obj.child('spec');
  const ref = spec?.child('workloadRef');
  let workloadRef: WorkloadRef | undefined;
  if (ref) {
    const apiVersion = ref.string('apiVersion');
    const scaleDown = ref.string('scaleDown');
    workloadRef = {
      kind: ref.requireString('kind'),
      name: ref.requireString('name'),
      ...(apiVersion !== undefined && { apiVersion }),
      ...(scaleDown !== undefined && { scaleDown }),
    };
  }
  const status = obj.child('status');
  const pauseConditions = status?.list('pauseConditions') ?? [];
  const currentPodHash = status?.string('currentPodHash');
  const stableRS = status?.string('stableRS');
  const currentStepIndex = status?.int('currentStepIndex');
  const activeSelector = status?.child('blueGreen')?.string('activeSelector');
  const replicas = spec?.int('replicas');
  return {
    kind: 'Rollout',
    ...base(meta),
    ...(replicas !== undefined && { replicas }),
    paused: spec?.bool('paused') === true,
    ...template(spec, o),
    rolloutStrategy: rolloutStrategy(spec),
    ...(workloadRef && { workloadRef }),
    status: {
      ...commonStatus(status),
      paused: pauseConditions.length > 0,
      abort: status?.bool('abort') === true,
      promoteFull: status?.bool('promoteFull') === true,
      ...(currentPodHash !== undefined && { currentPodHash }),
      ...(stableRS !== undefined && { stableRS }),
      ...(currentStepIndex !== undefined && { currentStepIndex }),
      ...(activeSelector !== undefined && { activeSelector }),
    },
  };
}
