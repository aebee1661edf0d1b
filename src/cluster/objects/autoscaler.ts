import type { Autoscaler } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';
import { policyAnnotations } from './workload.js';

/**
 * KEDA's defaults when a ScaledObject leaves them out: getHPAMaxReplicas returns
 * spec.maxReplicaCount or defaultHPAMaxReplicas = 100 (kedacore/keda controllers/keda/hpa.go).
 */
export const KEDA_DEFAULT_MAX_REPLICAS = 100;
/** Holds the target at this count and sets the HPA's min and max to it (newHPAForScaledObject). */
export const KEDA_PAUSED_REPLICAS = 'autoscaling.keda.sh/paused-replicas';

function targetRef(spec: Reader, defaultKind: string | undefined): Autoscaler['target'] {
  const ref = spec.child('scaleTargetRef');
  if (!ref) throw spec.fail('scaleTargetRef', 'missing');
  const apiVersion = ref.string('apiVersion');
  const kind = ref.string('kind') ?? defaultKind;
  if (kind === undefined || kind === '') throw ref.fail('kind', 'missing');
  return { kind, name: ref.requireString('name'), ...(apiVersion !== undefined && { apiVersion }) };
}

/** An autoscaling/v2 (or v1) HorizontalPodAutoscaler: maxReplicas is required, minReplicas defaults 1. */
export function projectHpa(obj: Reader): Autoscaler {
  const meta = readMeta(obj, true);
  const spec = obj.child('spec');
  if (!spec) throw obj.fail('spec', 'missing');
  const min = spec.int('minReplicas');
  return {
    kind: 'HorizontalPodAutoscaler',
    namespace: meta.namespace,
    name: meta.name,
    target: targetRef(spec, undefined),
    ...(min !== undefined && { minReplicas: min }),
    maxReplicas: spec.positiveInt('maxReplicas'),
    annotations: policyAnnotations(meta.annotations),
  };
}

/**
 * A keda.sh/v1alpha1 ScaledObject. scaleTargetRef.kind defaults to Deployment (apps/v1) in KEDA's
 * ScaledObject types; maxReplicaCount to 100.
 */
export function projectScaledObject(obj: Reader): Autoscaler {
  const meta = readMeta(obj, true);
  const spec = obj.child('spec');
  if (!spec) throw obj.fail('spec', 'missing');
  const min = spec.int('minReplicaCount');
  const pausedText = meta.annotations[KEDA_PAUSED_REPLICAS];
  let pausedReplicas: number | undefined;
  if (pausedText !== undefined) {
    if (!/^\d+$/.test(pausedText.trim()))
      throw obj.fail(
        'metadata',
        `annotations.${KEDA_PAUSED_REPLICAS}: expected a whole number, got ${JSON.stringify(pausedText)}`,
      );
    pausedReplicas = Number(pausedText.trim());
  }
  return {
    kind: 'ScaledObject',
    namespace: meta.namespace,
    name: meta.name,
    target: targetRef(spec, 'Deployment'),
    ...(min !== undefined && { minReplicas: min }),
    maxReplicas: spec.int('maxReplicaCount') ?? KEDA_DEFAULT_MAX_REPLICAS,
    ...(pausedReplicas !== undefined && { pausedReplicas }),
    annotations: policyAnnotations(meta.annotations),
  };
}
