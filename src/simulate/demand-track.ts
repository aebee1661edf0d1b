import type { ClusterModel, PodShape } from '../cluster/model.js';
import type { AddressBook } from './address-book.js';
import type { BindTrajectory } from './bind-trajectory.js';
import { SecondaryEniPlacer } from './eni-subnets.js';
import { growExistingNode, type ExistingGrowth } from './node-growth.js';
import { nodeSubnets } from './subnet-shares.js';
import { UnservedTally } from './unserved.js';

/** What the existing nodes given a run's pods take, when nothing else is left to count. */
export interface TrackedDemand {
  /** Addresses per subnet, only where some node takes more. */
  readonly fromExisting: Map<string, number>;
  /** Subnets of the nodes given pods, even when they take no new address. */
  readonly touched: Set<string>;
  readonly existingNodesUsed: number;
}

/** Picks between two kept copies of the running sums: a run's demand replays at most this many. */
const CHECKPOINT_PICKS = 64;

/**
 * What existing nodes take per subnet after each pick of one bind trajectory, on one state version under
 * its own CNI settings: a scale to any replica count on that version reads its demand off the running sums
 * instead of working out each node it lands on.
 *
 * Summing per node is exact only while what a node takes depends on nothing but its own pods. So the
 * track stops at the first pick whose node is not so simple, and runs that reach it are counted in full:
 * - its new ENIs may leave its subnet (subnet discovery with a tagged subnet in its zone): the CNI then
 *   picks by the free addresses the nodes before it left, an order the full count follows;
 * - its subnet or type is not described, or it names an ENIConfig that does not exist (unresolved, or a
 *   note that counts nodes);
 * - its CNI leaves some of its pods without an address (counted per node group and cause).
 */
export class DemandTrack {
  readonly model: ClusterModel;
  readonly #pool: number;
  readonly #branch: number;
  readonly #scratch: ExistingGrowth;
  /** Counted by growExistingNode, through noteMissing: nodes naming an ENIConfig that does not exist. */
  #missingEniConfigs = 0;
  readonly #subnets: string[] = [];
  readonly #subnetIndex = new Map<string, number>();
  /** Per subnet: the pick that first gave a node in it a pod. */
  readonly #firstTouch: number[] = [];
  /** Per subnet, after the picks consumed: what the nodes given pods take there. */
  readonly #sums: number[] = [];
  /** checkpoints[j]: the sums before pick j * CHECKPOINT_PICKS (subnets added later were 0). */
  readonly #checkpoints: number[][] = [];
  /** Pick i changed the sums by opDelta[k] in subnet opSubnet[k], for k in [opStart[i], opStart[i + 1]). */
  readonly #opStart: number[] = [0];
  readonly #opSubnet: number[] = [];
  readonly #opDelta: number[] = [];
  /** After pick i: the slots given a pod so far. */
  readonly #slotsUsed: number[] = [];
  /** Per slot: pods given so far, and what its node takes as [subnet index, addresses] pairs. */
  readonly #counts: number[] = [];
  readonly #growth: (readonly (readonly [number, number])[])[] = [];
  #length = 0;
  /** Every pick consumed was simple; the track stops at the first that is not. */
  #exact = true;
  /** A run length asked before: the track is built only once a second one shows it will be used. */
  #firstAsked: number | undefined;

  constructor(model: ClusterModel, book: AddressBook, pod: PodShape) {
    this.model = model;
    this.#pool = pod.network === 'pool' ? 1 : 0;
    this.#branch = pod.network === 'branch' ? 1 : 0;
    const cni = model.cni;
    this.#scratch = {
      model,
      cni,
      book,
      placer: new SecondaryEniPlacer(model, cni),
      fromExisting: new Map(),
      touched: new Set(),
      notes: [],
      unresolved: [],
      noteMissing: s => {
        if (s.missingEniConfig !== undefined) this.#missingEniConfigs += 1;
      },
      unserved: new UnservedTally(),
    };
  }

  /**
   * The demand of the trajectory's first `pods` picks, all of them kept; undefined when the track does not
   * reach that far exactly, or on the first run length asked (one run is cheaper counted in full).
   */
  demandAt(t: BindTrajectory, pods: number): TrackedDemand | undefined {
    if (!(pods > 0)) return undefined;
    if (this.#length === 0 && this.#exact) {
      if (this.#firstAsked === undefined || this.#firstAsked === pods) {
        this.#firstAsked = pods;
        return undefined;
      }
    }
    while (this.#length < pods && this.#exact) this.#consume(t, this.#length);
    if (pods > this.#length) return undefined;
    const j = Math.floor((pods - 1) / CHECKPOINT_PICKS);
    const sums = [...(this.#checkpoints[j] as number[])];
    for (
      let k = this.#opStart[j * CHECKPOINT_PICKS] as number;
      k < (this.#opStart[pods] as number);
      k++
    ) {
      const s = this.#opSubnet[k] as number;
      sums[s] = (sums[s] ?? 0) + (this.#opDelta[k] as number);
    }
    const fromExisting = new Map<string, number>();
    const touched = new Set<string>();
    this.#subnets.forEach((id, s) => {
      if ((sums[s] ?? 0) > 0) fromExisting.set(id, sums[s] as number);
      if ((this.#firstTouch[s] ?? Infinity) < pods) touched.add(id);
    });
    return { fromExisting, touched, existingNodesUsed: this.#slotsUsed[pods - 1] as number };
  }

  #indexOf(subnet: string): number {
    let s = this.#subnetIndex.get(subnet);
    if (s === undefined) {
      s = this.#subnets.length;
      this.#subnets.push(subnet);
      this.#subnetIndex.set(subnet, s);
    }
    return s;
  }

  /** Pick `pick` of the trajectory, kept (the caller asked `kept` for at least this many). */
  #consume(t: BindTrajectory, pick: number): void {
    if (pick % CHECKPOINT_PICKS === 0) this.#checkpoints.push([...this.#sums]);
    const slot = t.slotOf(pick);
    const node = t.nodeOf(slot);
    const onNode = (this.#counts[slot] ?? 0) + 1;
    const g = this.#scratch;
    g.fromExisting.clear();
    g.touched.clear();
    const missingBefore = this.#missingEniConfigs;
    growExistingNode(
      g,
      node,
      node.usage.poolPods + this.#pool * onNode,
      node.usage.branchPods + this.#branch * onNode,
    );
    const subnets = nodeSubnets(this.model, g.cni.customNetworking, node.subnetId, node.eniConfig);
    const ownEnisStayHome =
      (subnets.pod !== undefined && subnets.pod !== subnets.node) ||
      subnets.node === undefined ||
      g.placer.staysHome(subnets.node);
    if (
      g.unresolved.length > 0 ||
      this.#missingEniConfigs !== missingBefore ||
      g.unserved.size > 0 ||
      !ownEnisStayHome
    ) {
      this.#exact = false;
      return;
    }
    for (const id of g.touched) {
      const s = this.#indexOf(id);
      if (this.#firstTouch[s] === undefined) this.#firstTouch[s] = pick;
    }
    const growth: (readonly [number, number])[] = [];
    for (const [id, ips] of g.fromExisting) growth.push([this.#indexOf(id), ips]);
    const before = this.#growth[slot] ?? [];
    const change = new Map<number, number>();
    for (const [s, ips] of before) change.set(s, -ips);
    for (const [s, ips] of growth) change.set(s, (change.get(s) ?? 0) + ips);
    for (const [s, d] of change) {
      if (d === 0) continue;
      this.#opSubnet.push(s);
      this.#opDelta.push(d);
      this.#sums[s] = (this.#sums[s] ?? 0) + d;
    }
    this.#opStart.push(this.#opSubnet.length);
    this.#growth[slot] = growth;
    this.#counts[slot] = onNode;
    this.#slotsUsed.push(Math.max(pick > 0 ? (this.#slotsUsed[pick - 1] as number) : 0, slot + 1));
    this.#length = pick + 1;
  }
}
