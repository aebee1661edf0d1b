import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown> & {
    replicas?: number;
    template?: {
      spec: {
        containers: { name?: string; image: string; env?: { name: string; value: string }[] }[];
      };
    };
  };
  status?: Record<string, unknown>;
}

/** One kind of review, as the apiserver would send it again and again (each with its own uid). */
export interface RequestClass {
  readonly name: string;
  /** What it is, for the table. */
  readonly description: string;
  readonly bodies: readonly string[];
}

/** Bodies per class, each with its own uid: the apiserver never sends one uid twice. */
const BODIES_PER_CLASS = 16;

interface Resource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

interface Kind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

function review(
  uid: string,
  resource: Resource,
  kind: Kind,
  operation: 'CREATE' | 'UPDATE',
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
      operation,
      userInfo: { username: 'bench', groups: ['system:authenticated'] },
      object: obj,
      ...(old !== undefined && { oldObject: old }),
      dryRun: false,
      ...o,
    },
  });
}

function uids(prefix: string): string[] {
  return Array.from(
    { length: BODIES_PER_CLASS },
    (_, i) => `${prefix}-${String(i).padStart(4, '0')}-4e5f-4a6b-8c7d-9e0f1a2b3c4d`,
  );
}

const DEPLOYMENTS: Resource = { group: 'apps', version: 'v1', resource: 'deployments' };
const DEPLOYMENT: Kind = { group: 'apps', version: 'v1', kind: 'Deployment' };
const SCALE: Kind = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
const DAEMONSETS: Resource = { group: 'apps', version: 'v1', resource: 'daemonsets' };
const DAEMONSET: Kind = { group: 'apps', version: 'v1', kind: 'DaemonSet' };

function scaleOf(d: K8sObject, replicas: number): unknown {
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: d.metadata.name, namespace: d.metadata.namespace },
    spec: { replicas },
    status: { replicas: d.spec.replicas },
  };
}

/**
 * The kinds of review a busy cluster sends, each measured on its own: the 250-replica rolling
 * update (dry run), the 1,000-replica blue/green switch, replica changes through /scale, a scale-up
 * denied with its remedies, a metadata-only update, an `aws-node` settings change judged on every
 * node, an IP-taking DaemonSet created on every node, and scales to a new size every time (nothing
 * decided before can answer them).
 */
export async function requestClasses(clusterDir: string): Promise<RequestClass[]> {
  const list = JSON.parse(await readFile(join(clusterDir, 'cluster.json'), 'utf8')) as {
    items: K8sObject[];
  };
  const rollout = list.items.find(i => i.kind === 'Rollout' && i.metadata.name === 'storefront');
  const deployments = list.items.filter(i => i.kind === 'Deployment');
  const awsNode = list.items.find(
    i =>
      i.kind === 'DaemonSet' &&
      i.metadata.name === 'aws-node' &&
      i.metadata.namespace === 'kube-system',
  );
  if (!rollout || deployments.length < 4 || !awsNode)
    throw new Error('the large cluster lacks the storefront Rollout, Deployments or aws-node');
  // The Deployment nearest 250 replicas: the generator sizes them by the pods that fill the nodes.
  const rolling = deployments.reduce((a, b) =>
    Math.abs((b.spec.replicas ?? 0) - 250) < Math.abs((a.spec.replicas ?? 0) - 250) ? b : a,
  );
  const named = (d: K8sObject): Record<string, unknown> => ({
    name: d.metadata.name,
    namespace: d.metadata.namespace,
  });

  const newImage = structuredClone(rolling);
  const app = newImage.spec.template?.spec.containers[0];
  if (app) app.image = `${app.image}-next`;
  const rollingUpdate = uids('rolling').map(uid =>
    review(uid, DEPLOYMENTS, DEPLOYMENT, 'UPDATE', newImage, rolling, {
      ...named(rolling),
      dryRun: true,
    }),
  );

  const rolloutsRes = { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' };
  const rolloutKind = { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' };
  const next = structuredClone(rollout);
  const container = next.spec.template?.spec.containers[0];
  if (container) container.image = 'storefront:2';
  const switches = uids('switch').map(uid =>
    review(uid, rolloutsRes, rolloutKind, 'UPDATE', next, rollout, named(rollout)),
  );

  const four = deployments.slice(0, 4);
  const scales = uids('scale').map((uid, i) => {
    const d = four[i % four.length]!;
    const n = d.spec.replicas ?? 1;
    return review(uid, DEPLOYMENTS, SCALE, 'UPDATE', scaleOf(d, n + 2), scaleOf(d, n), {
      subResource: 'scale',
      ...named(d),
    });
  });

  const denied = uids('denied').map(uid =>
    review(
      uid,
      DEPLOYMENTS,
      SCALE,
      'UPDATE',
      scaleOf(rolling, 40_000),
      scaleOf(rolling, rolling.spec.replicas ?? 1),
      { subResource: 'scale', ...named(rolling), dryRun: true },
    ),
  );

  const noops = uids('noop').map((uid, i) => {
    const d = four[i % four.length]!;
    const labelled = structuredClone(d);
    labelled.metadata.labels = { ...(labelled.metadata.labels ?? {}), 'bench/touched': String(i) };
    return review(uid, DEPLOYMENTS, DEPLOYMENT, 'UPDATE', labelled, d, named(d));
  });

  const settings = structuredClone(awsNode);
  for (const c of settings.spec.template?.spec.containers ?? [])
    for (const e of c.env ?? []) if (e.name === 'MINIMUM_IP_TARGET') e.value = '8';
  const settingsChanges = uids('settings').map(uid =>
    review(uid, DAEMONSETS, DAEMONSET, 'UPDATE', settings, awsNode, {
      ...named(awsNode),
      dryRun: true,
    }),
  );

  const agent = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'bench-agent', namespace: 'observability' },
    spec: {
      selector: { matchLabels: { app: 'bench-agent' } },
      template: {
        metadata: { labels: { app: 'bench-agent' } },
        spec: {
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: 'agent',
              image: 'agent:1',
              resources: { requests: { cpu: '10m', memory: '32Mi' } },
            },
          ],
        },
      },
    },
  };
  const daemonSetCreates = uids('daemonset').map(uid =>
    review(uid, DAEMONSETS, DAEMONSET, 'CREATE', agent, undefined, {
      name: 'bench-agent',
      namespace: 'observability',
      dryRun: true,
    }),
  );

  // A new replica count each time round, over more sizes than any memo keeps: each is decided anew
  // once. autocannon's connections send the list in the same order, so each size comes about once
  // per connection, close together: the first is decided, the rest are repeats.
  const target = four[0]!;
  const base = target.spec.replicas ?? 1;
  const fresh = Array.from({ length: 2000 }, (_, i) =>
    review(
      `fresh-${String(i).padStart(4, '0')}-4e5f-4a6b-8c7d-9e0f1a2b3c4d`,
      DEPLOYMENTS,
      SCALE,
      'UPDATE',
      scaleOf(target, base + 1 + i),
      scaleOf(target, base),
      { subResource: 'scale', ...named(target), dryRun: true },
    ),
  );

  return [
    {
      name: 'rolling-update',
      description: `${rolling.spec.replicas ?? 0}-replica Deployment, new image, dry run`,
      bodies: rollingUpdate,
    },
    {
      name: 'blue-green-switch',
      description: `${rollout.spec.replicas ?? 0}-replica blue/green Rollout, new image`,
      bodies: switches,
    },
    {
      name: 'scale',
      description: 'deployments/scale, 2 more replicas (4 Deployments)',
      bodies: scales,
    },
    {
      name: 'denied-scale',
      description: 'deployments/scale to 40,000 replicas: denied, with remedies, dry run',
      bodies: denied,
    },
    {
      name: 'metadata-only',
      description: 'Deployment update that changes a label only (4 Deployments)',
      bodies: noops,
    },
    {
      name: 'settings-change',
      description: 'aws-node MINIMUM_IP_TARGET 13 -> 8, judged on every node, dry run',
      bodies: settingsChanges,
    },
    {
      name: 'daemonset-create',
      description: 'IP-taking DaemonSet created on every node, dry run',
      bodies: daemonSetCreates,
    },
    {
      name: 'new-scale-each-time',
      description:
        'deployments/scale to each of 2,000 sizes in turn, dry run (every connection sends them in one order: each size is decided once, then repeated by the other connections)',
      bodies: fresh,
    },
  ];
}

/** Every class's bodies, interleaved so each connection sees the whole mix (the memory bench's stream). */
export async function requestMix(clusterDir: string): Promise<string[]> {
  return interleaved(await requestClasses(clusterDir));
}

/** Two bodies of each class in turn, the fresh scales included. */
export function interleaved(classes: readonly RequestClass[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < 2; i++) for (const c of classes) if (c.bodies[i]) out.push(c.bodies[i]!);
  return out;
}
