import { bluegreenObjects, clone } from './examples.js';

/** Env changes on aws-node: a value sets it, undefined removes it (kubectl set env NAME-). */
export type EnvEdit = Readonly<Record<string, string | undefined>>;

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

/** The fields of the aws-node DaemonSet that tests edit. */
export interface AwsNodeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: { template: { spec: { containers: { name: string; image?: string; env: EnvVar[] }[] } } };
}

/** The story cluster's aws-node DaemonSet (VPC CNI v1.20.4, MINIMUM_IP_TARGET=13), with env edits. */
export function awsNodeObject(
  edit: EnvEdit = {},
  annotations?: Record<string, string>,
): AwsNodeObject {
  const found = bluegreenObjects().find(
    o =>
      o.kind === 'DaemonSet' && (o.metadata as { name?: string } | undefined)?.name === 'aws-node',
  );
  if (!found) throw new Error('the example has no aws-node');
  const ds = clone(found) as unknown as AwsNodeObject;
  ds.apiVersion = 'apps/v1';
  ds.kind = 'DaemonSet';
  if (annotations) ds.metadata.annotations = { ...(ds.metadata.annotations ?? {}), ...annotations };
  const main = ds.spec.template.spec.containers.find(c => c.name === 'aws-node');
  if (!main) throw new Error('the example aws-node has no aws-node container');
  const env = main.env;
  for (const [name, value] of Object.entries(edit)) {
    const i = env.findIndex(e => e.name === name);
    if (value === undefined) {
      if (i >= 0) env.splice(i, 1);
    } else if (i >= 0) env[i] = { name, value };
    else env.push({ name, value });
  }
  return ds;
}

/** The story's cluster objects with aws-node's env edited: the state before a settings change. */
export function clusterWithAwsNode(edit: EnvEdit): {
  kind: string;
  apiVersion: string;
  items: unknown[];
} {
  const items: unknown[] = bluegreenObjects().map(o =>
    o.kind === 'DaemonSet' && (o.metadata as { name?: string } | undefined)?.name === 'aws-node'
      ? awsNodeObject(edit)
      : o,
  );
  return { kind: 'List', apiVersion: 'v1', items };
}

/** UPDATE of daemonsets kube-system/aws-node as the apiserver sends it (kubectl set env). */
export function settingsReview(
  oldEdit: EnvEdit,
  newEdit: EnvEdit,
  o: { uid?: string; dryRun?: boolean; annotations?: Record<string, string> } = {},
): Record<string, any> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: o.uid ?? 'aws-node-env',
      kind: { group: 'apps', version: 'v1', kind: 'DaemonSet' },
      resource: { group: 'apps', version: 'v1', resource: 'daemonsets' },
      requestKind: { group: 'apps', version: 'v1', kind: 'DaemonSet' },
      requestResource: { group: 'apps', version: 'v1', resource: 'daemonsets' },
      name: 'aws-node',
      namespace: 'kube-system',
      operation: 'UPDATE',
      userInfo: { username: 'alice', groups: ['system:authenticated'] },
      object: awsNodeObject(newEdit, o.annotations),
      oldObject: awsNodeObject(oldEdit),
      dryRun: o.dryRun ?? false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions', fieldManager: 'kubectl-set' },
    },
  };
}
