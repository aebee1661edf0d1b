import type { ClusterModel } from '../cluster/model.js';
import { loadStateFiles, snapshotFiles } from './files.js';
import type { StateSource, StateView } from './source.js';

/** State from a folder of kubectl / aws CLI output, read once at start. */
export class SnapshotSource implements StateSource {
  readonly description: string;
  readonly #dir: string;
  readonly #now: () => number;
  #view: StateView | undefined;

  constructor(dir: string, now: () => number = Date.now) {
    this.#dir = dir;
    this.#now = now;
    this.description = `snapshot ${dir}`;
  }

  async start(): Promise<void> {
    const model: ClusterModel = await loadStateFiles(await snapshotFiles(this.#dir));
    const at = this.#now();
    // A snapshot is as fresh as it will ever be: its age is not staleness of a live feed.
    this.#view = { model, kubeSyncedAtMs: at, subnetsRefreshedAtMs: at, fixed: true };
  }

  current(): StateView | undefined {
    return this.#view;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
