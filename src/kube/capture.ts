import type { Logger } from 'pino';
import { DEFAULT_PAGE_SIZE, listPages } from './pager.js';
import { RESOURCES, objectKey, type KubeResource } from './resources.js';
import { KubeHttpError, type KubeTransport } from './transport.js';

export interface CaptureCount {
  readonly resource: KubeResource;
  readonly items: number;
  /** A CRD that is not installed (or not readable): nothing of that kind is captured. */
  readonly absent: boolean;
}

/** An expired continue token this many times in a row on one resource is not going to get better. */
const MAX_RESTARTS = 5;

/**
 * An object as `kubectl get -o json` prints it: with its kind and apiVersion (list items come without),
 * and without managedFields, which kubectl hides and which are often half of an object's size.
 */
export function asKubectlPrints(
  r: KubeResource,
  obj: Record<string, unknown>,
): Record<string, unknown> {
  const meta = obj.metadata as Record<string, unknown> | undefined;
  const metadata: Record<string, unknown> | undefined = meta ? { ...meta } : undefined;
  if (metadata) delete metadata.managedFields;
  return { apiVersion: r.apiVersion, kind: r.kind, ...obj, ...(metadata && { metadata }) };
}

/**
 * Every object of every resource, listed page by page and handed over a page at a time, for one-shot
 * reads (`ipguard snapshot`, `ipguard report` on a live cluster). When a continue token expires the
 * resource is listed again, skipping objects already handed over, so nothing is seen twice. The next
 * page is asked for once the promise `onItems` returns (if any) settles.
 */
export async function captureObjects(
  transport: KubeTransport,
  onItems: (
    resource: KubeResource,
    items: readonly Record<string, unknown>[],
  ) => void | Promise<void>,
  log: Logger,
  signal: AbortSignal = new AbortController().signal,
  pageSize = DEFAULT_PAGE_SIZE,
): Promise<CaptureCount[]> {
  const counts: CaptureCount[] = [];
  for (const resource of RESOURCES) {
    const seen = new Set<string>();
    let absent = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await listPages(
          transport,
          resource,
          async page => {
            const fresh: Record<string, unknown>[] = [];
            for (const obj of page) {
              const key = objectKey(obj);
              if (key === undefined || seen.has(key)) continue;
              seen.add(key);
              fresh.push(asKubectlPrints(resource, obj as Record<string, unknown>));
            }
            if (fresh.length > 0) await onItems(resource, fresh);
          },
          signal,
          pageSize,
        );
        break;
      } catch (err) {
        const code = err instanceof KubeHttpError ? err.statusCode : undefined;
        if (resource.optional && (code === 404 || code === 403)) {
          log.info(
            `${resource.plural}: ${code === 404 ? 'CRD not installed' : 'not readable (403)'}; none captured`,
          );
          absent = true;
          break;
        }
        if (code === 410 && attempt < MAX_RESTARTS) {
          log.info(`${resource.plural}: continue token expired; listing again`);
          continue;
        }
        throw err;
      }
    }
    counts.push({ resource, items: seen.size, absent });
  }
  return counts;
}
