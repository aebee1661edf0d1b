import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: Record<string, unknown> & {
    replicas?: number;
    template?: { spec: { containers: { image: string }[] } };
  };
  status?: Record<string, unknown>;
}

function review(
  uid: string,
  resource: { group: string; version: string; resource: string },
  kind: { group: string; version: string; kind: string },
  obj: unknown,
  old: unknown,
  o: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind,
      resource,
      requestKind: kind,
      requestResource: resource,
      operation: 'UPDATE',
      userInfo: { username: 'bench' },
      object: obj,
      oldObject: old,
      dryRun: false,
      ...o,
    },
  });
}

/**
 * A realistic mix for a busy cluster: blue/green switches of the 1,000-replica Rollout, replica changes
 * through deployments/scale, and no-op updates (a label or annotation changed), 2:4:4.
 */
export async function requestMix(clusterDir: string): Promise<string[]> {
  const list = JSON.parse(await readFile(join(clusterDir, 'cluster.json'), 'utf8')) as {
    items: K8sObject[];
  };
  const rollout = list.items.find(i => i.kind === 'Rollout' && i.metadata.name === 'storefront');
  const deployments = list.items.filter(i => i.kind === 'Deployment').slice(0, 4);
  if (!rollout || deployments.length < 4)
    throw new Error('the large cluster lacks the storefront Rollout or Deployments');
  const rolloutsRes = { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' };
  const rolloutKind = { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' };
  const next = structuredClone(rollout);
  const container = next.spec.template?.spec.containers[0];
  if (container) container.image = 'storefront:2';
  const switches = [0, 1].map(i =>
    review(`switch-${i}`, rolloutsRes, rolloutKind, next, rollout, {
      name: 'storefront',
      namespace: rollout.metadata.namespace,
    }),
  );
  const scales = deployments.map((d, i) => {
    const scale = (n: number): unknown => ({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: d.metadata.name, namespace: d.metadata.namespace },
      spec: { replicas: n },
      status: { replicas: d.spec.replicas },
    });
    const n = d.spec.replicas ?? 1;
    return review(
      `scale-${i}`,
      { group: 'apps', version: 'v1', resource: 'deployments' },
      { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      scale(n + 2),
      scale(n),
      { subResource: 'scale', name: d.metadata.name, namespace: d.metadata.namespace },
    );
  });
  const noops = deployments.map((d, i) => {
    const labelled = structuredClone(d);
    labelled.metadata.labels = { ...(labelled.metadata.labels ?? {}), 'bench/touched': String(i) };
    return review(
      `noop-${i}`,
      { group: 'apps', version: 'v1', resource: 'deployments' },
      { group: 'apps', version: 'v1', kind: 'Deployment' },
      labelled,
      d,
      { name: d.metadata.name, namespace: d.metadata.namespace },
    );
  });
  // Interleaved so every connection sees the whole mix.
  return [
    switches[0]!,
    scales[0]!,
    noops[0]!,
    scales[1]!,
    noops[1]!,
    switches[1]!,
    scales[2]!,
    noops[2]!,
    scales[3]!,
    noops[3]!,
  ];
}
