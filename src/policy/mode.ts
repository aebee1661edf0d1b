import type { Namespace } from '../cluster/model.js';
import { MODE_ANNOTATION, MODES, type Mode } from './config.js';

export interface ResolvedMode {
  readonly mode: Mode;
  /** Where it came from, or why the annotation was not used. */
  readonly note?: string;
}

/** A namespace's `ipguard.io/mode`, else the cluster default; an unknown value keeps the default and says so. */
export function modeFor(namespace: Namespace | undefined, defaultMode: Mode): ResolvedMode {
  const raw = namespace?.annotations[MODE_ANNOTATION];
  if (raw === undefined) return { mode: defaultMode };
  const value = raw.trim().toLowerCase();
  if ((MODES as readonly string[]).includes(value)) return { mode: value as Mode };
  return {
    mode: defaultMode,
    note: `namespace ${namespace?.name ?? ''}: ${MODE_ANNOTATION}=${JSON.stringify(raw)} is not enforce, warn or off; using ${defaultMode}`,
  };
}
