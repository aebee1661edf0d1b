import { quantityMilli } from '../quantity.js';

/**
 * Whether a template written in a manifest describes the same pods as the cluster's copy of it. The
 * apiserver fills in defaults the manifest leaves out (imagePullPolicy, terminationMessagePath, the
 * protocol of a port...), so every field the manifest sets must match, and fields only the cluster has
 * are its defaults. Quantities compare by value ("0.5" is "500m"). A field removed from the manifest
 * is not seen, as `kubectl apply` would not see it without its last-applied annotation.
 */
export function manifestMatches(manifest: unknown, server: unknown): boolean {
  if (manifest === null || manifest === undefined) return true;
  if (Array.isArray(manifest)) {
    if (!Array.isArray(server) || server.length !== manifest.length) return false;
    return manifest.every((item, i) => manifestMatches(item, server[i]));
  }
  if (typeof manifest === 'object') {
    if (typeof server !== 'object' || server === null || Array.isArray(server)) return false;
    const s = server as Record<string, unknown>;
    for (const [k, v] of Object.entries(manifest as Record<string, unknown>)) {
      if (!manifestMatches(v, s[k])) return false;
    }
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
