import type { ProvisionerKind, ZoneOption } from './provisioners/provisioner.js';

/** One new node's addresses over the types its launcher may pick. */
export interface NodeSpread {
  readonly pool: string;
  readonly zone: string;
  readonly subnetId?: string;
  readonly likely: number;
  readonly best: number;
  readonly worst: number;
  readonly likelyType?: string;
  readonly bestType?: string;
  readonly worstType?: string;
  readonly zoneOptions?: readonly ZoneOption[];
  /** Every type the launcher may pick for this node, cheapest first. */
  readonly candidates: readonly string[];
}

/** What every new node landing in one zone would take there. */
export interface ZoneOutcome {
  readonly zone: string;
  readonly subnetId?: string;
  readonly available?: number;
  /** Addresses that subnet would need with the likely types, and with the worst. */
  readonly likelyRequired: number;
  readonly worstRequired: number;
  readonly worstType?: string;
}

/** Bounds where the instance type (and zone) of new nodes is not fixed: Karpenter, EKS Auto Mode. */
export interface NewNodeBounds {
  readonly provisioner: ProvisionerKind;
  readonly nodePools: readonly string[];
  readonly ipsRequiredBest: number;
  readonly ipsRequiredWorst: number;
  readonly likelyType?: string;
  readonly bestType?: string;
  readonly worstType?: string;
  /** Subnets that would run short if the launcher picked the worst type in the likely zones. */
  readonly worstShort: readonly {
    readonly id: string;
    readonly required: number;
    readonly available: number;
  }[];
  /** Where nodes may land in any of several zones: each zone taking them all. */
  readonly zones: readonly ZoneOutcome[];
  /** Every type some new node may be, cheapest first. */
  readonly candidateTypes: readonly string[];
}

function mostAddresses<K>(totals: Map<K, number>): K | undefined {
  let best: K | undefined;
  let n = -Infinity;
  for (const [k, v] of totals) {
    if (v > n) {
      best = k;
      n = v;
    }
  }
  return best;
}

function tally(m: Map<string, number>, key: string | undefined, n: number): void {
  if (key !== undefined) m.set(key, (m.get(key) ?? 0) + n);
}

/**
 * The best and worst totals over each node's candidates, the types that drive them, and per zone what the
 * zone's subnet would need if the launcher put every zone-flexible node there.
 */
export function newNodeBounds(
  provisioner: ProvisionerKind,
  spreads: readonly NodeSpread[],
  required: ReadonlyMap<string, number>,
  availableOf: (subnetId: string) => number | undefined,
  fromExisting: number,
): NewNodeBounds {
  let best = fromExisting;
  let worst = fromExisting;
  const likelyTypes = new Map<string, number>();
  const bestTypes = new Map<string, number>();
  const worstTypes = new Map<string, number>();
  const worstBySubnet = new Map<string, number>();
  const flexibleLikelyBySubnet = new Map<string, number>();
  let flexibleLikely = 0;
  let flexibleWorst = 0;
  const zoneSet = new Map<string, string | undefined>();
  for (const s of spreads) {
    best += s.best;
    worst += s.worst;
    tally(likelyTypes, s.likelyType, s.likely);
    tally(bestTypes, s.bestType, s.best);
    tally(worstTypes, s.worstType, s.worst);
    tally(worstBySubnet, s.subnetId, s.worst - s.likely);
    if (s.zoneOptions) {
      flexibleLikely += s.likely;
      flexibleWorst += s.worst;
      tally(flexibleLikelyBySubnet, s.subnetId, s.likely);
      for (const o of s.zoneOptions) if (!zoneSet.has(o.zone)) zoneSet.set(o.zone, o.subnetId);
    }
  }
  const worstType = mostAddresses(worstTypes);
  const worstShort: { id: string; required: number; available: number }[] = [];
  for (const [id, extra] of worstBySubnet) {
    const available = availableOf(id);
    const need = (required.get(id) ?? 0) + extra;
    if (extra > 0 && available !== undefined && need > available)
      worstShort.push({ id, required: need, available });
  }
  const zones: ZoneOutcome[] = [...zoneSet]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([zone, subnetId]) => {
      const base =
        subnetId === undefined
          ? 0
          : (required.get(subnetId) ?? 0) - (flexibleLikelyBySubnet.get(subnetId) ?? 0);
      const available = subnetId === undefined ? undefined : availableOf(subnetId);
      return {
        zone,
        ...(subnetId !== undefined && { subnetId }),
        ...(available !== undefined && { available }),
        likelyRequired: base + flexibleLikely,
        worstRequired: base + flexibleWorst,
        ...(worstType !== undefined && { worstType }),
      };
    });
  const likelyType = mostAddresses(likelyTypes);
  const bestType = mostAddresses(bestTypes);
  return {
    provisioner,
    nodePools: [...new Set(spreads.map(s => s.pool))],
    ipsRequiredBest: best,
    ipsRequiredWorst: worst,
    ...(likelyType !== undefined && { likelyType }),
    ...(bestType !== undefined && { bestType }),
    ...(worstType !== undefined && { worstType }),
    worstShort,
    zones,
    candidateTypes: [...new Set(spreads.flatMap(s => s.candidates))],
  };
}
