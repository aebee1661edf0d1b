/**
 * Resident memory as the kernel counts it (/proc/self/status), after a forced full GC so that what is
 * measured is what the process holds, not garbage it has yet to collect. Needs `--expose-gc`.
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

export interface MemoryReading {
  /** VmRSS after gc(), MiB. */
  readonly rssMiB: number;
  /** VmHWM: the most the process was resident at any time, MiB. */
  readonly peakRssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  /** Backing stores of ArrayBuffers and typed arrays: outside the heap, yet held all the same. */
  readonly arrayBuffersMiB: number;
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
    arrayBuffersMiB: heap.arrayBuffers / 2 ** 20,
    forcedGc: gc !== undefined,
  };
}

/**
 * What the resident memory is made of, for reading by a person: V8's spaces (committed, used, resident)
 * and the process's largest mappings from /proc/self/smaps (the brk heap is glibc's main arena; 64 MiB
 * aligned anonymous ones are its thread arenas; the others are V8's).
 */
export function memoryDetail(): string {
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  const lines = getHeapSpaceStatistics()
    .filter(s => s.physical_space_size > 0)
    .map(
      s =>
        `${s.space_name}: committed ${mib(s.space_size)} used ${mib(s.space_used_size)} resident ${mib(s.physical_space_size)} MiB`,
    );
  const mappings: { kiB: number; head: string }[] = [];
  let head = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) head = line.replace(/\s+/g, ' ');
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) mappings.push({ kiB: Number(rss[1]), head });
  }
  mappings.sort((a, b) => b.kiB - a.kiB);
  for (const m of mappings.slice(0, 12)) lines.push(`${mib(m.kiB * 1024)} MiB ${m.head}`);
  return `${lines.join('\n')}\n`;
}
