import type { Node, PodShape } from '../cluster/model.js';
import type { Candidate } from './candidates.js';
import { MinHeap } from './heap.js';
import { nodeScore } from './scheduler-score.js';

/** A node given pods by the scheduler: how many fit it, and how many it got. */
export interface BoundSlot {
  readonly node: Node;
  readonly room: number;
  readonly placed: number;
}

interface Slot {
  readonly node: Node;
  readonly room: number;
  /** Its place in the trajectory's slots. */
  readonly index: number;
  placed: number;
  score: number;
}

/**
 * Pods a kept trajectory binds, at most: it holds 4 bytes per pick and a slot per node picked, so one
 * stays within about a quarter of a MiB, as large as the candidate list it extends (up to 256 of those
 * per state version, candidates.ts). Longer runs are bound afresh, as every run was before.
 */
export const MAX_KEPT_PICKS = 4096;

/**
 * The scheduler's bindings of a run of identical pods onto `sorted` candidates, kept as the order in
 * which it picks nodes. Binding one pod at a time (best score first, a node rescored as it fills) does
 * not depend on how many pods come after: the first k of a run of n > k pods land exactly where a run
 * of k would. So one trajectory, extended as far as the largest run asked for, answers every replica
 * count of a workload on one state version: a scale to a new size replays the picks instead of
 * placing its pods again.
 */
export class BindTrajectory {
  readonly #sorted: readonly Candidate[];
  readonly #pod: PodShape;
  readonly #maxPicks: number;
  /** Slots in the order they were first picked: the first k picks use a prefix of them. */
  readonly #slots: Slot[] = [];
  /** picks[i]: index in #slots of the node pod i went to. */
  #picks = new Int32Array(64);
  #length = 0;
  /** After the last pick: the next untouched candidate, and the touched nodes that still have room. */
  #next = 0;
  readonly #touched = new MinHeap<Slot>((a, b) =>
    before(a.score, a.placed, a.node.name, b.score, b.placed, b.node.name),
  );
  /** No node takes another pod. */
  #full = false;

  constructor(sorted: readonly Candidate[], pod: PodShape, maxPicks = MAX_KEPT_PICKS) {
    this.#sorted = sorted;
    this.#pod = pod;
    this.#maxPicks = maxPicks;
  }

  /**
   * Where `pods` pods go: the nodes given at least one, in the order they were first picked, and how
   * many were bound (fewer than `pods` when the candidates fill up).
   */
  bind(pods: number): { used: BoundSlot[]; placed: number } {
    // No pods (or a count below one) bind nowhere, as the scheduler's loop would not start.
    if (!(pods > 0)) return { used: [], placed: 0 };
    this.#extendTo(Math.min(pods, this.#maxPicks));
    if (pods > this.#length && !this.#full) return bindAfresh(this.#sorted, pods, this.#pod);
    const placed = Math.min(pods, this.#length);
    let slots = 0;
    const counts = new Int32Array(Math.min(this.#slots.length, placed) + 1);
    for (let i = 0; i < placed; i++) {
      const s = this.#picks[i] as number;
      counts[s] = (counts[s] ?? 0) + 1;
      if (s >= slots) slots = s + 1;
    }
    const used: BoundSlot[] = new Array<BoundSlot>(slots);
    for (let s = 0; s < slots; s++) {
      const slot = this.#slots[s] as Slot;
      used[s] = { node: slot.node, room: slot.room, placed: counts[s] ?? 0 };
    }
    return { used, placed };
  }

  /**
   * Picks kept for a run of `pods` pods: `pods` itself when every binding of the run is kept, fewer when
   * the candidates fill up first or the run is longer than a trajectory keeps.
   */
  kept(pods: number): number {
    if (!(pods > 0)) return 0;
    this.#extendTo(Math.min(pods, this.#maxPicks));
    return Math.min(pods, this.#length);
  }

  /** The slot pick `pick` (below `kept`) went to: slots are numbered in the order first picked. */
  slotOf(pick: number): number {
    return this.#picks[pick] as number;
  }

  nodeOf(slot: number): Node {
    return (this.#slots[slot] as Slot).node;
  }

  #extendTo(pods: number): void {
    const pod = this.#pod;
    while (this.#length < pods && !this.#full) {
      const fresh = this.#sorted[this.#next];
      const top = this.#touched.peek();
      let slot: Slot;
      if (
        fresh &&
        (!top || before(fresh.score, 0, fresh.node.name, top.score, top.placed, top.node.name))
      ) {
        this.#next += 1;
        slot = {
          node: fresh.node,
          room: fresh.room,
          index: this.#slots.length,
          placed: 0,
          score: fresh.score,
        };
        this.#slots.push(slot);
      } else if (top) {
        slot = this.#touched.pop() as Slot;
      } else {
        this.#full = true;
        break;
      }
      if (this.#length === this.#picks.length) {
        const grown = new Int32Array(Math.min(this.#picks.length * 2, this.#maxPicks));
        grown.set(this.#picks);
        this.#picks = grown;
      }
      this.#picks[this.#length] = slot.index;
      this.#length += 1;
      slot.placed += 1;
      if (slot.placed < slot.room) {
        slot.score = nodeScore(slot.node, pod, slot.placed);
        this.#touched.push(slot);
      }
    }
  }
}

/** The same bindings without keeping them: for candidates not cached, or runs past MAX_KEPT_PICKS. */
export function bindAfresh(
  sorted: readonly Candidate[],
  pods: number,
  pod: PodShape,
): { used: BoundSlot[]; placed: number } {
  return new BindTrajectory(sorted, pod, pods).bind(pods);
}

/**
 * Higher score first. The scheduler picks among equal scores at random (selectHost), which spreads a
 * run of pods evenly over nodes that tie; the node given fewer of them so far goes first here, then
 * the node name.
 */
function before(
  scoreA: number,
  placedA: number,
  nameA: string,
  scoreB: number,
  placedB: number,
  nameB: string,
): boolean {
  if (scoreA !== scoreB) return scoreA > scoreB;
  if (placedA !== placedB) return placedA < placedB;
  return nameA < nameB;
}
