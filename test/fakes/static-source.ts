import type { ClusterModel } from '../../src/cluster/model.js';
import type { StateSource, StateView } from '../../src/state/source.js';

/** A state source holding whatever the test puts in it; `view = undefined` means not loaded yet. */
export class StaticSource implements StateSource {
  readonly description = 'test state';
  view: StateView | undefined;

  constructor(model?: ClusterModel, atMs = 0) {
    this.view = model ? { model, kubeSyncedAtMs: atMs, subnetsRefreshedAtMs: atMs } : undefined;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  current(): StateView | undefined {
    return this.view;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
