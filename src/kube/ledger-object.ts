/**
 * The ConfigMap that holds the shared reservation ledger, as the API server sees it: where it lives,
 * what a new one looks like, and how its data is read and replaced. A ConfigMap rather than a Lease:
 * its `data` is meant for content like this and holds up to 1 MiB, where a Lease would carry it in an
 * annotation (256 KiB for all of them) and its holder fields mean one owner, not every replica at once.
 */

export const DEFAULT_LEDGER_NAME = 'ipguard-ledger';
/** The data key the record lives under; other keys in the object are left as they are. */
export const LEDGER_DATA_KEY = 'reservations.json';

/** The namespace's ConfigMap collection: lists and watches select the one object by name. */
export function configMapsPath(namespace: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
}

export function configMapPath(namespace: string, name: string): string {
  return `${configMapsPath(namespace)}/${encodeURIComponent(name)}`;
}

/**
 * The field selector that narrows a list or watch to the one object. The API server then authorizes
 * the request by that name too, so a Role can grant list and watch with `resourceNames` (kubernetes
 * staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go: a list or watch without a name in
 * the path takes it from an exact `metadata.name` field selector).
 */
export function byName(name: string): string {
  return `metadata.name=${name}`;
}

export type KubeObject = Record<string, unknown> & { metadata: Record<string, unknown> };

export function isObject(v: unknown): v is KubeObject {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { metadata?: unknown }).metadata === 'object' &&
    (v as { metadata?: unknown }).metadata !== null
  );
}

export function resourceVersionOf(obj: KubeObject): string | undefined {
  const rv = obj.metadata.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

/**
 * Whether `a` is older than `b`. resourceVersions are opaque to clients, but every API server backed by
 * etcd hands out increasing integers: comparing them keeps a late watch event from taking the copy
 * back past a write this replica already saw answered. Anything else is never called older (the
 * compare-and-swap still catches a stale copy).
 */
export function olderVersion(a: string, b: string): boolean {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

/** The record text stored in the object, undefined when it has none yet. */
export function ledgerText(obj: KubeObject): string | undefined {
  const data = obj.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const text = (data as Record<string, unknown>)[LEDGER_DATA_KEY];
  return typeof text === 'string' && text.trim() !== '' ? text : undefined;
}

/** The object with its record replaced, everything else (labels, other keys, resourceVersion) kept. */
export function withLedgerText(obj: KubeObject, text: string): KubeObject {
  const data =
    typeof obj.data === 'object' && obj.data !== null ? (obj.data as Record<string, string>) : {};
  return { ...obj, data: { ...data, [LEDGER_DATA_KEY]: text } };
}

/** A new ledger object, for when none exists (the manifests ship an empty one). */
export function newLedgerObject(namespace: string, name: string, text: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace,
      labels: {
        'app.kubernetes.io/name': 'ipguard',
        'app.kubernetes.io/component': 'reservation-ledger',
      },
    },
    data: { [LEDGER_DATA_KEY]: text },
  };
}
