/**
 * Preloaded into a server the benchmark starts (`node --expose-gc --import memory-probe.js …`): asked
 * over the IPC channel, it answers with the process's memory after a forced GC. The channel is unref'd,
 * so the server lives and exits as it would without it.
 */
import { memoryAfterGc } from './memory.js';

process.on('message', (m: unknown) => {
  if (m === 'memory') process.send?.(memoryAfterGc());
});
process.channel?.unref();
