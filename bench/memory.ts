/**
 * Resident memory as the kernel counts it (/proc/self/status), after a forced full GC so that what is
 * measured is what the process holds, not garbage it has yet to collect. Needs `--expose-gc`.
 */
import { readFileSync } from 'node:fs';

export interface MemoryReading {
  /** VmRSS after gc(), MiB. */
  readonly rssMiB: number;
  /** VmHWM: the most the process was resident at any time, MiB. */
  readonly peakRssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  /** False when gc() was not exposed: then the figures include garbage. */
  readonly forcedGc: boolean;
}

function statusKiB(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync('/proc/self/status', 'utf8'),
  );
  return m ? Number(m[1]) : Number.NaN;
}

export function memoryAfterGc(): MemoryReading {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: the first full GC runs finalizers and frees what only weak references held.
  gc?.();
  gc?.();
  const heap = process.memoryUsage();
  return {
    rssMiB: statusKiB('VmRSS') / 1024,
    peakRssMiB: statusKiB('VmHWM') / 1024,
    heapUsedMiB: heap.heapUsed / 2 ** 20,
    heapTotalMiB: heap.heapTotal / 2 ** 20,
    forcedGc: gc !== undefined,
  };
}
