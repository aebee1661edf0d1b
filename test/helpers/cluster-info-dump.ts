import type { KubeObject } from '../fakes/kube-api.js';

/**
 * What `kubectl cluster-info dump` (stdout, the default `-o json`) writes, built from the bundled
 * example's objects as kubectl builds it (staging/src/k8s.io/kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go,
 * kubernetes/kubernetes): the NodeList, then per namespace EventList, ReplicationControllerList,
 * ServiceList, DaemonSetList, DeploymentList, ReplicaSetList and PodList, each printed by the JSON
 * printer (json.MarshalIndent with four spaces, then a newline; the type setter fills the list's kind and
 * apiVersion, the items of a typed list carry none), and after each namespace's pods every container's
 * log between "==== START logs for container C of pod NS/NAME ====\n" and the matching END line. Log data
 * is written raw, so a log that does not end in a newline runs into its END marker.
 */
export function clusterInfoDump(objects: readonly KubeObject[]): string {
  const list = (kind: string, apiVersion: string, items: readonly KubeObject[]): string =>
    `${JSON.stringify(
      {
        kind: `${kind}List`,
        apiVersion,
        metadata: { resourceVersion: '770' },
        items: items.map(o => {
          const rest: Record<string, unknown> = { ...o };
          delete rest.kind;
          delete rest.apiVersion;
          return rest;
        }),
      },
      null,
      4,
    )}\n`;
  const of = (kind: string, ns?: string): KubeObject[] =>
    objects.filter(
      o =>
        o.kind === kind &&
        (ns === undefined || (o.metadata as { namespace?: string }).namespace === ns),
    );
  const namespaces = [
    ...new Set(
      objects.flatMap(o => {
        const ns = (o.metadata as { namespace?: string }).namespace;
        return ns === undefined ? [] : [ns];
      }),
    ),
  ].sort();
  let out = list('Node', 'v1', of('Node'));
  for (const ns of namespaces) {
    out += list('Event', 'v1', []);
    out += list('ReplicationController', 'v1', []);
    out += list('Service', 'v1', []);
    out += list('DaemonSet', 'apps/v1', of('DaemonSet', ns));
    out += list('Deployment', 'apps/v1', of('Deployment', ns));
    out += list('ReplicaSet', 'apps/v1', of('ReplicaSet', ns));
    const pods = of('Pod', ns);
    out += list('Pod', 'v1', pods);
    pods.forEach((pod, i) => {
      const name = (pod.metadata as { name: string }).name;
      const containers = (pod.spec as { containers: { name: string }[] }).containers;
      for (const c of containers) {
        out += `==== START logs for container ${c.name} of pod ${ns}/${name} ====\n`;
        // What real logs hold: JSON lines, braces, a kubectl error, and no final newline.
        if (i % 3 === 0) out += '{"level":"info","msg":"started","items":[{"a":1}]}\n';
        else if (i % 3 === 1) out += 'Request log error: the server rejected our request\n';
        else out += '} ] { "unbalanced": [ text with no newline';
        out += `==== END logs for container ${c.name} of pod ${ns}/${name} ====\n`;
      }
    });
  }
  return out;
}
