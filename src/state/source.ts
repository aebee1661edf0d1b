import type { ClusterModel } from '../cluster/model.js';

/** The state a decision is made on, and how fresh it is. */
export interface StateView {
  readonly model: ClusterModel;
  /** When the Kubernetes objects were last known to be in sync (epoch ms). */
  readonly kubeSyncedAtMs: number;
  /** When EC2 last answered for the subnets (epoch ms). */
  readonly subnetsRefreshedAtMs: number;
  /** Set when the source knows it is behind (a watch down, EC2 failing), with the reason. */
  readonly degraded?: string;
  /**
   * A snapshot the operator chose to decide against: it is a fixed picture, so its age says nothing and
   * every answer warning "stale" would only bury the real warnings.
   */
  readonly fixed?: boolean;
}

/**
 * Where the webhook's state comes from: a snapshot on disk, or the live cluster and EC2.
 * Gather state first, then decide: `current()` never waits on the network.
 */
export interface StateSource {
  /** Human-readable, for logs and the startup line. */
  readonly description: string;
  /** Load the first full state; resolves when `current()` has one (readiness). */
  start(): Promise<void>;
  /** The latest state, or undefined before the first full load. */
  current(): StateView | undefined;
  /** Stop watches, timers and caches. */
  close(): Promise<void>;
}
