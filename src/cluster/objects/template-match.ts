import { quantityMilli } from '../quantity.js';

/**
 * Whether a template written in a manifest describes the same pods as the cluster's copy of it. The
 * apiserver fills in defaults the manifest leaves out (imagePullPolicy, terminationMessagePath, the
 * protocol of a port...), so every field the manifest sets must match, and fields only the cluster has
 * are its defaults. Quantities compare by value ("0.5" is "500m"). A field removed from the manifest
 * is not seen, as `kubectl apply` would not see it without its last-applied annotation.
 */
export function manifestMatches(manifest: unknown, server: unknown): boolean {
  // Pairs still to compare, on the heap: a manifest nests as deep as its author makes it.
  const pending: unknown[] = [manifest, server];
  while (pending.length > 0) {
    const s = pending.pop();
    const m = pending.pop();
    if (!leafMatches(m, s, pending)) return false;
  }
  return true;
}

/** One pair: scalars compared here, the children of lists and maps queued on `pending`. */
function leafMatches(manifest: unknown, server: unknown, pending: unknown[]): boolean {
  if (manifest === null || manifest === undefined) return true;
  if (Array.isArray(manifest)) {
    if (!Array.isArray(server) || server.length !== manifest.length) return false;
    for (let i = 0; i < manifest.length; i++) pending.push(manifest[i], server[i]);
    return true;
  }
  if (typeof manifest === 'object') {
    if (typeof server !== 'object' || server === null || Array.isArray(server)) return false;
    const s = server as Record<string, unknown>;
    for (const [k, v] of Object.entries(manifest as Record<string, unknown>))
      pending.push(v, Object.hasOwn(s, k) ? s[k] : undefined);
    return true;
  }
  if (manifest === server) return true;
  if (typeof server === 'object' || server === undefined) return false;
  // A port 8080 written "8080" (int-or-string) is the same port.
  if (`${manifest as string | number | boolean}` === `${server as string | number | boolean}`)
    return true;
  const a = quantityMilli(manifest);
  return a !== undefined && a === quantityMilli(server);
}
