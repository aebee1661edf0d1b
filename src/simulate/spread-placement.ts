import type { Node } from '../cluster/model.js';
import type { Candidate } from './candidates.js';
import { MinHeap } from './heap.js';
import { nodeScore } from './scheduler-score.js';
import { HOSTNAME_KEY, ZONE_KEY, type SpreadState } from './topology-spread.js';
import type { PodShape } from '../cluster/model.js';

/**
 * Binding pods one by one under hard topology spread constraints, the scheduler's way: of the nodes the
 * other filters let through, those the spread filter passes now, best score first; every bound pod moves
 * the counts. When no existing node passes, a pod goes to a node not launched yet in the zone with the
 * fewest matching pods among those a provisioner can launch in and the spread allows (Karpenter's
 * topology domain choice, pkg/controllers/provisioning/scheduling topology.go); binding it there can open
 * existing nodes again.
 */

interface Slot {
  readonly node: Node;
  readonly room: number;
  placed: number;
  score: number;
}

/** Candidates that share the values of every constraint not on the hostname: one zone, usually. */
interface Group {
  readonly values: Readonly<Record<string, string>>;
  readonly fresh: readonly Candidate[];
  next: number;
  readonly touched: MinHeap<Slot>;
}

function before(
  a: Slot | Candidate,
  placedA: number,
  b: Slot | Candidate,
  placedB: number,
): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (placedA !== placedB) return placedA < placedB;
  return a.node.name < b.node.name;
}

export interface SpreadResult {
  readonly existing: ReadonlyMap<Node, number>;
  readonly placed: number;
  /** Pods for nodes not launched yet whose zone the spread fixes, per zone. */
  readonly newByZone: ReadonlyMap<string, number>;
  /** Pods for nodes not launched yet in any zone (no constraint on zones, or no zone offered). */
  readonly toNew: number;
  /** Pods the spread lets onto no node, existing or new: they stay Pending. */
  readonly pending: number;
  /** The most pods one new node takes under hostname constraints (maxSkew above the least loaded node). */
  readonly maxPodsPerNewNode?: number;
}

export interface SpreadRun {
  readonly pod: PodShape;
  readonly pods: number;
  readonly sorted: readonly Candidate[];
  readonly state: SpreadState;
  /**
   * Zones a provisioner can launch in for the pod, asked only once no existing node passes; undefined
   * when nothing could launch a node for it.
   */
  readonly launchZones: () => readonly string[] | undefined;
}

export function placeUnderSpread(run: SpreadRun): SpreadResult {
  const { state, pod } = run;
  const groupKeys = [...new Set(state.constraints.map(c => c.topologyKey))].filter(
    k => k !== HOSTNAME_KEY,
  );
  const groups = new Map<string, Group>();
  const lists = new Map<string, Candidate[]>();
  const valuesOf = new Map<string, Record<string, string>>();
  for (const c of run.sorted) {
    // A node without every topology key never passes (UnschedulableAndUnresolvable).
    if (state.check(c.node) === 'no-label') continue;
    const values: Record<string, string> = {};
    for (const k of groupKeys) values[k] = c.node.labels[k] as string;
    const key = JSON.stringify(groupKeys.map(k => values[k]));
    let list = lists.get(key);
    if (!list) {
      lists.set(key, (list = []));
      valuesOf.set(key, values);
    }
    list.push(c);
  }
  for (const [key, fresh] of lists) {
    groups.set(key, {
      values: valuesOf.get(key) ?? {},
      fresh,
      next: 0,
      touched: new MinHeap<Slot>((a, b) => before(a, a.placed, b, b.placed)),
    });
  }
  const setAside: { group: Group; slot: Slot }[] = [];
  const used = new Map<Node, Slot>();

  /** The group's best slot the spread passes now; slots the hostname skew blocks are set aside. */
  const peekAllowed = (g: Group): { slot: Slot | Candidate; fresh: boolean } | undefined => {
    for (;;) {
      const fresh = g.fresh[g.next];
      const top = g.touched.peek();
      let pick: { slot: Slot | Candidate; fresh: boolean };
      if (fresh && (!top || before(fresh, 0, top, top.placed))) pick = { slot: fresh, fresh: true };
      else if (top) pick = { slot: top, fresh: false };
      else return undefined;
      if (state.check(pick.slot.node) === 'ok') return pick;
      let slot: Slot;
      if (pick.fresh) {
        g.next += 1;
        const f = pick.slot;
        slot = { node: f.node, room: f.room, placed: 0, score: f.score };
      } else slot = g.touched.pop() as Slot;
      setAside.push({ group: g, slot });
    }
  };

  const newByZone = new Map<string, number>();
  let zones: readonly string[] | undefined;
  let zonesAsked = false;
  const onZone = groupKeys.includes(ZONE_KEY);
  let placed = 0;
  let pending = 0;
  let toNew = 0;
  for (let i = 0; i < run.pods; i++) {
    let best: { g: Group; slot: Slot | Candidate; fresh: boolean } | undefined;
    for (const g of groups.values()) {
      if (!state.allowsValues(g.values)) continue;
      const top = peekAllowed(g);
      if (!top) continue;
      const placedTop = top.fresh ? 0 : (top.slot as Slot).placed;
      const placedBest = best ? (best.fresh ? 0 : (best.slot as Slot).placed) : 0;
      if (!best || before(top.slot, placedTop, best.slot, placedBest)) best = { g, ...top };
    }
    if (best) {
      let slot: Slot;
      if (best.fresh) {
        best.g.next += 1;
        const f = best.slot;
        slot = { node: f.node, room: f.room, placed: 0, score: f.score };
        used.set(slot.node, slot);
      } else slot = best.g.touched.pop() as Slot;
      slot.placed += 1;
      placed += 1;
      if (slot.placed < slot.room) {
        slot.score = nodeScore(slot.node, pod, slot.placed);
        best.g.touched.push(slot);
      }
      // Only a hostname minimum unblocks what was set aside: the zone-level filter is per group.
      if (state.bind(slot.node, HOSTNAME_KEY)) returnSetAside(setAside);
      continue;
    }
    // No existing node passes. Without a constraint on zones, new nodes never unblock one: the rest go to
    // the provisioners as they are.
    if (!onZone) {
      toNew = run.pods - i;
      break;
    }
    if (!zonesAsked) {
      zonesAsked = true;
      zones = run.launchZones();
      // Zones a provisioner can launch in are domains to Karpenter even before a node runs there.
      for (const z of zones ?? []) state.openDomain(ZONE_KEY, z);
    }
    if (!zones || zones.length === 0) {
      // Nothing launches a node for the pod: the provisioners say why.
      toNew = run.pods - i;
      break;
    }
    const zone = pickZone(state, zones);
    if (zone === undefined) {
      pending = run.pods - i;
      break;
    }
    newByZone.set(zone, (newByZone.get(zone) ?? 0) + 1);
    // The zone counts moved: the groups are checked again for the next pod; nothing set aside changes.
    state.bindValue(ZONE_KEY, zone);
  }
  const existing = new Map<Node, number>();
  for (const [node, s] of used) existing.set(node, s.placed);
  let cap: number | undefined;
  for (const h of state.minOn(HOSTNAME_KEY)) {
    if (!h.selfMatch) continue;
    cap = Math.min(cap ?? Infinity, h.min + h.maxSkew);
  }
  return {
    existing,
    placed,
    newByZone,
    toNew,
    pending,
    ...(cap !== undefined && { maxPodsPerNewNode: cap }),
  };
}

function returnSetAside(setAside: { group: Group; slot: Slot }[]): void {
  for (const { group, slot } of setAside) group.touched.push(slot);
  setAside.length = 0;
}

/** The allowed zone with the fewest matching pods; ties by name. */
function pickZone(state: SpreadState, zones: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestCount = Infinity;
  const index = state.constraints.findIndex(c => c.topologyKey === ZONE_KEY);
  for (const z of [...zones].sort()) {
    if (!state.allowsValues({ [ZONE_KEY]: z })) continue;
    const n = state.count(index, z);
    if (n < bestCount) {
      best = z;
      bestCount = n;
    }
  }
  return best;
}
