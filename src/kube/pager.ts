import { collectionPath, type KubeResource } from './resources.js';
import type { KubeTransport } from './transport.js';

/** client-go's default page: big enough to be cheap in round trips, small enough to bound memory. */
export const DEFAULT_PAGE_SIZE = 500;

export interface ListOutcome {
  /** The list's resourceVersion: every page of a continued list shares the first page's snapshot. */
  readonly resourceVersion: string | undefined;
  readonly items: number;
  readonly pages: number;
}

function listMeta(page: unknown): { continueToken?: string; resourceVersion?: string } {
  if (typeof page !== 'object' || page === null) return {};
  const meta = (page as { metadata?: unknown }).metadata;
  if (typeof meta !== 'object' || meta === null) return {};
  const m = meta as { continue?: unknown; resourceVersion?: unknown };
  return {
    ...(typeof m.continue === 'string' && m.continue !== '' && { continueToken: m.continue }),
    ...(typeof m.resourceVersion === 'string' &&
      m.resourceVersion !== '' && { resourceVersion: m.resourceVersion }),
  };
}

/**
 * Every object of a collection, page by page (`limit` + `continue`), handed over one page at a time so
 * that a caller projecting them never holds the whole list. A caller that returns a promise holds the
 * next page back until it settles (a writer waiting for the disk). An expired continue token surfaces
 * as the server's HTTP 410: the caller starts again.
 */
export async function listPages(
  transport: KubeTransport,
  resource: KubeResource,
  onItems: (items: readonly unknown[]) => void | Promise<void>,
  signal: AbortSignal,
  pageSize = DEFAULT_PAGE_SIZE,
): Promise<ListOutcome> {
  const path = collectionPath(resource);
  let token: string | undefined;
  let resourceVersion: string | undefined;
  let items = 0;
  let pages = 0;
  do {
    const page = await transport.getJson(path, { limit: pageSize, continue: token }, signal);
    const list = (page as { items?: unknown }).items;
    if (!Array.isArray(list)) throw new Error(`GET ${path}: the answer has no items list`);
    pages += 1;
    items += list.length;
    await onItems(list);
    const meta = listMeta(page);
    token = meta.continueToken;
    resourceVersion = meta.resourceVersion ?? resourceVersion;
  } while (token !== undefined && !signal.aborted);
  return { resourceVersion, items, pages };
}
