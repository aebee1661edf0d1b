import NodeCache from 'node-cache';
import type { Logger } from 'pino';
import type { InstanceLimits } from '../cni/instance-limits.js';
import { holdingsByInstance, type NetworkInterface } from '../cluster/aws/network-interfaces.js';
import type { EniHoldings, Subnet } from '../cluster/model.js';
import { backoffMs, type BackoffPolicy } from '../timing/backoff.js';
import type { Clock, Delay } from '../timing/delay.js';
import type { Ec2Api } from './api.js';
import { classifyAwsError, describeAwsError, type AwsErrorKind } from './errors.js';
import {
  fetchInstanceTypes,
  fetchNetworkInterfaces,
  fetchRegionInstanceTypes,
  fetchSubnets,
} from './fetch.js';
import { selectSubnets, type Ec2Demand } from '../cluster/aws/subnet-selection.js';
import {
  FAILURE_BACKOFF,
  MIN_REFRESH_GAP_MS,
  MIN_WAKE_INTERVAL_MS,
  THROTTLED_BACKOFF,
} from './ttls.js';

/** The EC2 half of the cluster model; the same object until an answer changes something. */
export interface Ec2View {
  readonly version: number;
  /** The subnets that matter (selection.ts), keyed by id. */
  readonly subnets: ReadonlyMap<string, Subnet>;
  readonly instanceTypes: ReadonlyMap<string, InstanceLimits>;
  /** What each instance holds, from its ENIs, keyed by instance id; only with describeNetworkInterfaces. */
  readonly holdings?: ReadonlyMap<string, EniHoldings>;
}

export interface Ec2Health {
  /** The first full load is done: subnets, instance types and (when asked for) ENIs. */
  readonly loaded: boolean;
  readonly subnetsRefreshedAtMs?: number;
  readonly instanceTypesRefreshedAtMs?: number;
  readonly networkInterfacesRefreshedAtMs?: number;
  /** Since when refreshes fail; undefined while they succeed. */
  readonly failingSinceMs?: number;
  readonly lastError?: string;
  readonly lastErrorKind?: AwsErrorKind;
  readonly consecutiveFailures: number;
  readonly nextRefreshAtMs?: number;
  readonly instanceTypesUnknown: readonly string[];
}

export interface Ec2StateOptions {
  readonly api: Ec2Api;
  readonly log: Logger;
  readonly now: Clock;
  readonly delay: Delay;
  readonly subnetRefreshMs: number;
  readonly instanceTypeRefreshSeconds: number;
  readonly describeNetworkInterfaces: boolean;
  readonly clusterName?: string;
  readonly throttledBackoff?: BackoffPolicy;
  readonly failureBackoff?: BackoffPolicy;
  readonly minRefreshGapMs?: number;
  /** Refreshes woken by new demand start no sooner than this after the previous refresh started. */
  readonly minWakeIntervalMs?: number;
  readonly random?: () => number;
}

const SUBNETS_KEY = 'subnets';
const ENIS_KEY = 'network-interfaces';
/** When the region's whole type listing was last read; its TTL is the instance types'. */
const REGION_TYPES_KEY = 'region-instance-types';
const typeKey = (t: string): string => `instance-type:${t}`;

interface CachedSubnets {
  readonly subnets: readonly Subnet[];
  readonly vpcIds: readonly string[];
}

/** A type EC2 said it does not know: remembered so it is not asked for on every refresh. */
const UNKNOWN_TYPE = { unknown: true } as const;
type CachedType = InstanceLimits | typeof UNKNOWN_TYPE;

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What the known subnets could not place: node addresses, and ENIConfig subnets by id. */
function unresolvedOf(selection: {
  readonly uncoveredIps: readonly string[];
  readonly missingEniConfigSubnets: readonly string[];
}): string[] {
  return [
    ...selection.uncoveredIps,
    ...selection.missingEniConfigSubnets.map(id => `subnet ${id}`),
  ];
}

/**
 * Subnets, instance types and (optionally) ENIs, refreshed in the background so that an admission
 * request never waits on EC2. Answers live in a node-cache with a TTL per entry (subnets and ENIs the
 * subnet refresh interval, instance types hours): an expired entry is due for refresh but is still served
 * (`deleteOnExpire: false`), so during an EC2 outage the last good state stays, with its age. Throttling
 * backs off hard; other failures back off gently; both keep what was last loaded.
 */
export class Ec2State {
  readonly #o: Ec2StateOptions & { log: Logger };
  readonly #cache = new NodeCache({
    stdTTL: 0,
    // Refreshes are driven by the loop below; no housekeeping timer to keep the process alive.
    checkperiod: 0,
    useClones: false,
    deleteOnExpire: false,
  });
  readonly #closed = new AbortController();
  #wake = new AbortController();
  #loop: Promise<void> | undefined;
  #markLoaded: () => void = () => undefined;
  #failLoaded: (err: Error) => void = () => undefined;
  readonly #loadedPromise: Promise<void>;

  #demand: Ec2Demand = { nodes: [], instanceTypes: [], instanceIds: [], eniConfigSubnetIds: [] };
  /**
   * Node addresses and ENIConfig subnets that EC2 was last asked about without finding them (EKS
   * Hybrid Nodes, a subnet deleted under an ENIConfig), with when: not asked for again before the next
   * full refresh, however often the nodes change.
   */
  #unresolved = new Map<string, number>();
  /** The next wake-up must describe subnets, not only the new instance types. */
  #subnetsWanted = false;
  /** When the next full refresh (subnets, due instance types, ENIs) is due; wake-ups do not move it. */
  #fullDueAtMs: number | undefined;
  #cycleStartedAtMs: number | undefined;
  #view: Ec2View | undefined;
  #version = 0;
  #loaded = false;
  #backingOff = false;
  #subnetsAtMs: number | undefined;
  #typesAtMs: number | undefined;
  #enisAtMs: number | undefined;
  #failingSinceMs: number | undefined;
  #lastError: string | undefined;
  #lastErrorKind: AwsErrorKind | undefined;
  #failures = 0;
  #nextAtMs: number | undefined;
  #unknownTypes: string[] = [];

  constructor(options: Ec2StateOptions) {
    this.#o = { ...options, log: options.log.child({ component: 'ec2' }) };
    this.#loadedPromise = new Promise((resolve, reject) => {
      this.#markLoaded = resolve;
      this.#failLoaded = reject;
    });
    // A rejection nobody awaits yet (close before start) must not crash the process.
    this.#loadedPromise.catch(() => undefined);
  }

  /**
   * What Kubernetes says EC2 should be asked about. Called on every topology change (nodes coming and
   * going, aws-node's settings, ENIConfigs), so it calls EC2 only for what it cannot answer: an
   * instance type not cached, or a node address or ENIConfig subnet that no known subnet holds and
   * that was not looked for since the last full refresh. Everything else, ENIs included, waits for the
   * regular refresh: the account's EC2 rate limit is shared with the VPC CNI's ipamd.
   */
  setDemand(demand: Ec2Demand): void {
    this.#demand = demand;
    if (!this.#loaded) return;
    const cached = this.#cache.get<CachedSubnets>(SUBNETS_KEY);
    const selection = cached
      ? selectSubnets(cached.subnets, demand, this.#o.clusterName)
      : undefined;
    // Known subnets cover the change: re-select now, no EC2 call needed.
    if (selection) this.#publish(selection.selected);
    const newTypes =
      demand.instanceTypes.some(t => !this.#cache.has(typeKey(t))) ||
      (demand.regionInstanceTypes === true && !this.#cache.has(REGION_TYPES_KEY));
    const nowMs = this.#o.now();
    const newlyUnresolved =
      !selection ||
      unresolvedOf(selection).some(k => {
        const triedAt = this.#unresolved.get(k);
        return triedAt === undefined || nowMs - triedAt >= this.#o.subnetRefreshMs;
      });
    if (newlyUnresolved) this.#subnetsWanted = true;
    if (newTypes || newlyUnresolved) this.poke();
  }

  /** Refresh soon (after MIN_REFRESH_GAP_MS), unless backing off from errors. */
  poke(): void {
    if (this.#backingOff) return;
    this.#wake.abort();
  }

  /** Start refreshing; resolves after the first full load. */
  start(): Promise<void> {
    this.#loop ??= this.#run().catch((err: unknown) => {
      this.#o.log.error({ err }, 'EC2 refresher stopped unexpectedly');
    });
    return this.#loadedPromise;
  }

  async close(): Promise<void> {
    this.#closed.abort();
    this.#wake.abort();
    this.#failLoaded(new Error('closed before EC2 state was loaded'));
    await this.#loop;
    this.#cache.close();
    this.#cache.flushAll();
  }

  view(): Ec2View | undefined {
    return this.#view;
  }

  health(): Ec2Health {
    return {
      loaded: this.#loaded,
      ...(this.#subnetsAtMs !== undefined && { subnetsRefreshedAtMs: this.#subnetsAtMs }),
      ...(this.#typesAtMs !== undefined && { instanceTypesRefreshedAtMs: this.#typesAtMs }),
      ...(this.#enisAtMs !== undefined && { networkInterfacesRefreshedAtMs: this.#enisAtMs }),
      ...(this.#failingSinceMs !== undefined && { failingSinceMs: this.#failingSinceMs }),
      ...(this.#lastError !== undefined && { lastError: this.#lastError }),
      ...(this.#lastErrorKind !== undefined && { lastErrorKind: this.#lastErrorKind }),
      consecutiveFailures: this.#failures,
      ...(this.#nextAtMs !== undefined && { nextRefreshAtMs: this.#nextAtMs }),
      instanceTypesUnknown: this.#unknownTypes,
    };
  }

  #isClosed(): boolean {
    return this.#closed.signal.aborted;
  }

  async #run(): Promise<void> {
    // The first refresh, one after the interval and one after a failure load everything; one woken
    // by new demand asks only for what is new.
    let full = true;
    while (!this.#isClosed()) {
      // A wake-up from here on starts the next cycle right after this one.
      this.#wake = new AbortController();
      const failure = await this.#cycle(full);
      if (this.#isClosed()) break;
      const nowMs = this.#o.now();
      const intervalMs = this.#o.subnetRefreshMs;
      // Wake-ups in between do not put the full refresh off.
      let waitMs = Math.min(intervalMs, Math.max(0, (this.#fullDueAtMs ?? nowMs) - nowMs));
      this.#backingOff = failure !== undefined;
      if (failure !== undefined) {
        const policy =
          failure === 'throttled'
            ? (this.#o.throttledBackoff ?? THROTTLED_BACKOFF)
            : (this.#o.failureBackoff ?? FAILURE_BACKOFF);
        waitMs = backoffMs(policy, this.#failures, this.#o.random);
      }
      this.#nextAtMs = nowMs + waitMs;
      // Per wait, a signal of its own that close() aborts too: no listener left on a long-lived signal.
      const wake = this.#wake.signal;
      await this.#o.delay(waitMs, wake);
      full = !wake.aborted;
      if (!full && !this.#isClosed()) {
        // Woken by new demand: let the rest of a burst of new nodes arrive first, and never refresh
        // more often than minWakeIntervalMs however the cluster churns.
        const sinceMs = this.#o.now() - (this.#cycleStartedAtMs ?? 0);
        const gapMs = Math.max(
          this.#o.minRefreshGapMs ?? MIN_REFRESH_GAP_MS,
          (this.#o.minWakeIntervalMs ?? MIN_WAKE_INTERVAL_MS) - sinceMs,
        );
        await this.#o.delay(gapMs, this.#closed.signal);
      }
    }
  }

  /**
   * One refresh; returns the kind of error that stopped it, if one did. A full one describes the
   * subnets, the instance types past their TTL and (when asked for) the ENIs; one woken by new demand
   * only the new instance types, and the subnets when a node or ENIConfig asked for one not known.
   */
  async #cycle(full: boolean): Promise<AwsErrorKind | undefined> {
    const demand = this.#demand;
    const signal = this.#closed.signal;
    const log = this.#o.log;
    this.#cycleStartedAtMs = this.#o.now();
    const prev = this.#cache.get<CachedSubnets>(SUBNETS_KEY);
    const subnets = full || this.#subnetsWanted || !prev;
    // Cleared before asking, so that demand arriving meanwhile asks again.
    if (subnets) this.#subnetsWanted = false;
    if (full) this.#fullDueAtMs = this.#cycleStartedAtMs + this.#o.subnetRefreshMs;
    try {
      let selected: ReadonlyMap<string, Subnet>;
      if (subnets) {
        const got = await fetchSubnets(
          this.#o.api,
          demand,
          prev?.vpcIds ?? [],
          this.#o.clusterName,
          signal,
          log,
        );
        this.#cache.set<CachedSubnets>(
          SUBNETS_KEY,
          { subnets: got.subnets, vpcIds: got.selection.vpcIds },
          this.#o.subnetRefreshMs / 1000,
        );
        this.#subnetsAtMs = this.#o.now();
        this.#noteUnresolved(unresolvedOf(got.selection));
        selected = got.selection.selected;
        // Fresh free-address counts are served at once, even if a later step of this cycle fails.
        if (this.#loaded) this.#publish(selected);
      } else {
        selected = selectSubnets(prev.subnets, demand, this.#o.clusterName).selected;
      }
      const typesChanged = await this.#refreshTypes(
        demand.instanceTypes,
        demand.regionInstanceTypes === true,
        signal,
      );
      let enisChanged = false;
      if (this.#o.describeNetworkInterfaces && full) {
        const enis = await fetchNetworkInterfaces(this.#o.api, demand.instanceIds, signal, log);
        const before = this.#cache.get<readonly NetworkInterface[]>(ENIS_KEY);
        enisChanged = !before || !sameJson(before, enis.interfaces);
        this.#cache.set(ENIS_KEY, enis.interfaces, this.#o.subnetRefreshMs / 1000);
        this.#enisAtMs = this.#o.now();
      }
      this.#publish(selected, typesChanged, enisChanged);
      if (this.#failures > 0) log.info('EC2 answers again');
      this.#failures = 0;
      this.#failingSinceMs = undefined;
      this.#lastError = undefined;
      this.#lastErrorKind = undefined;
      if (!this.#loaded) {
        this.#loaded = true;
        this.#markLoaded();
      }
      return undefined;
    } catch (err) {
      if (this.#isClosed()) return undefined;
      const kind = classifyAwsError(err);
      this.#failures += 1;
      this.#failingSinceMs ??= this.#o.now();
      this.#lastError = describeAwsError(err);
      this.#lastErrorKind = kind;
      log.warn(
        { err: this.#lastError, kind, failures: this.#failures },
        'EC2 refresh failed: keeping the last good state',
      );
      return kind;
    }
  }

  /** Remember what EC2 was just asked about and did not find; say so once per new address or subnet. */
  #noteUnresolved(keys: readonly string[]): void {
    const nowMs = this.#o.now();
    const fresh = keys.filter(k => !this.#unresolved.has(k));
    if (fresh.length > 0) {
      this.#o.log.info(
        { unresolved: fresh.slice(0, 10), total: keys.length },
        "in no subnet of the cluster's VPC (EKS Hybrid Nodes, or a subnet that is gone): looked for again at each full refresh only",
      );
    }
    this.#unresolved = new Map(keys.map(k => [k, nowMs]));
  }

  #due(key: string): boolean {
    const ttl = this.#cache.getTtl(key);
    // node-cache keeps TTLs on the wall clock
    return ttl === undefined || (ttl !== 0 && ttl <= Date.now());
  }

  /** Cache one type's answer; true when it differs from the one cached. */
  #setType(t: string, limits: CachedType): boolean {
    const before = this.#cache.get<CachedType>(typeKey(t));
    this.#cache.set(typeKey(t), limits, this.#o.instanceTypeRefreshSeconds);
    return !before || !sameJson(before, limits);
  }

  /**
   * Fetch the instance types not cached yet or past their TTL; true when any answer changed. With
   * NodePools in the cluster, the region's whole listing first (a page of 100 per call), so every type a
   * pool may launch is sized from EC2's figures; types named by nodes but not listed are asked by name.
   */
  async #refreshTypes(
    wanted: readonly string[],
    region: boolean,
    signal: AbortSignal,
  ): Promise<boolean> {
    let changed = false;
    if (region && this.#due(REGION_TYPES_KEY)) {
      const listed = await fetchRegionInstanceTypes(this.#o.api, signal, this.#o.log);
      for (const [t, limits] of listed.limits) if (this.#setType(t, limits)) changed = true;
      this.#cache.set(REGION_TYPES_KEY, listed.limits.size, this.#o.instanceTypeRefreshSeconds);
    }
    const due = wanted.filter(t => this.#due(typeKey(t)));
    if (due.length === 0) {
      if (changed) this.#typesAtMs = this.#o.now();
      this.#typesAtMs ??= this.#o.now();
      return changed;
    }
    const got = await fetchInstanceTypes(this.#o.api, due, signal, this.#o.log);
    for (const t of due) if (this.#setType(t, got.limits.get(t) ?? UNKNOWN_TYPE)) changed = true;
    this.#unknownTypes = wanted.filter(
      t => 'unknown' in (this.#cache.get<CachedType>(typeKey(t)) ?? {}),
    );
    this.#typesAtMs = this.#o.now();
    return changed;
  }

  #instanceTypes(): Map<string, InstanceLimits> {
    const out = new Map<string, InstanceLimits>();
    for (const key of this.#cache.keys()) {
      if (!key.startsWith('instance-type:')) continue;
      const v = this.#cache.get<CachedType>(key);
      if (v && !('unknown' in v) && v.instanceType !== undefined) out.set(v.instanceType, v);
    }
    return out;
  }

  /** A new view when the selected subnets, the types or the ENIs differ from the last one. */
  #publish(selected: ReadonlyMap<string, Subnet>, typesChanged = false, enisChanged = false): void {
    const prev = this.#view;
    const subnetsSame = prev !== undefined && sameJson([...prev.subnets], [...selected]);
    if (prev && subnetsSame && !typesChanged && !enisChanged) return;
    const enis = this.#o.describeNetworkInterfaces
      ? this.#cache.get<readonly NetworkInterface[]>(ENIS_KEY)
      : undefined;
    this.#version += 1;
    this.#view = {
      version: this.#version,
      subnets: subnetsSame ? prev.subnets : selected,
      instanceTypes: prev && !typesChanged ? prev.instanceTypes : this.#instanceTypes(),
      ...(enis && {
        holdings: prev?.holdings && !enisChanged ? prev.holdings : holdingsByInstance(enis),
      }),
    };
  }
}
