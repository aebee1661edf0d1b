/** Plain checks on decoded JSON/YAML; `Reader` builds path-aware reads on them. */

import { jsonPreview } from './json-walk.js';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as it appears in the input, for error messages. */
export function describeValue(v: unknown): string {
  return jsonPreview(v, 40);
}

