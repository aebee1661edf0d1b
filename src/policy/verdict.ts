import type { ClusterModel, Subnet } from '../cluster/model.js';
import { usableAddresses } from '../cluster/aws/subnets.js';
import type { Simulation } from '../simulate/simulate.js';
import type { PolicyConfig } from './config.js';

export type Verdict = 'allow' | 'warn' | 'deny';

export interface SubnetOutcome {
  readonly id: string;
  readonly zone: string;
  readonly available: number;
  readonly required: number;
  /** Free addresses left after the change at its peak. */
  readonly left: number;
  readonly shortfall: number;
  /** The headroom below which a change earns a warning. */
  readonly threshold: number;
}

export interface Judgement {
  readonly verdict: Verdict;
  readonly shortfall: number;
  readonly subnets: readonly SubnetOutcome[];
  /** Subnets left thinner than the threshold (they fit). */
  readonly thin: readonly SubnetOutcome[];
  readonly short: readonly SubnetOutcome[];
}

export function headroomThreshold(
  model: ClusterModel,
  subnetId: string,
  config: PolicyConfig,
): number {
  const s = model.subnets.get(subnetId);
  let size = 0;
  if (s) {
    size = usable.get(s) ?? usableAddresses(s.cidr);
    usable.set(s, size);
  }
  return Math.max(config.warnBelowFreeIps, Math.ceil((size * config.warnBelowFreePercent) / 100));
}

/** A subnet's usable addresses, parsed from its CIDR once. */
const usable = new WeakMap<Subnet, number>();

/**
 * Deny when any subnet the change draws from would need more than it has, or when the scheduler would
 * put pods on nodes whose CNI can never give them an address; warn when a subnet would be left thinner
 * than the headroom threshold, or when part of the change could not be modelled.
 */
export function judge(sim: Simulation, model: ClusterModel, config: PolicyConfig): Judgement {
  const subnets = sim.subnets.map(s => {
    const left = s.available - s.required;
    return {
      id: s.id,
      zone: s.zone,
      available: s.available,
      required: s.required,
      left,
      shortfall: Math.max(0, -left),
      threshold: headroomThreshold(model, s.id, config),
    };
  });
  const short = subnets.filter(s => s.shortfall > 0);
  const thin = subnets.filter(s => s.shortfall === 0 && s.required > 0 && s.left < s.threshold);
  const shortfall = short.reduce((n, s) => n + s.shortfall, 0);
  let verdict: Verdict = 'allow';
  if (short.length > 0 || sim.unservedPods > 0) verdict = 'deny';
  else if (
    thin.length > 0 ||
    sim.unplaced > 0 ||
    sim.notes.length > 0 ||
    worseCasesShort(sim).length > 0
  )
    verdict = 'warn';
  return { verdict, shortfall, subnets, thin, short };
}

/**
 * Where the launcher picks the type and zone (Karpenter, EKS Auto Mode) and the likely case fits: the
 * cases that would not, each a line a person can check ("fits unless Karpenter picks m5.24xlarge in
 * zone c"). A warning, not a denial: the likely case is what Karpenter does.
 */
export function worseCasesShort(sim: Simulation): string[] {
  const b = sim.bounds;
  if (!b) return [];
  const who = b.provisioner === 'auto-mode' ? 'EKS Auto Mode' : 'Karpenter';
  const out: string[] = [];
  for (const s of b.worstShort) {
    const zone = sim.subnets.find(x => x.id === s.id)?.zone ?? '';
    out.push(
      `fits unless ${who} picks ${b.worstType ?? 'a larger type'} in ${zone === '' ? s.id : zone}: ${s.id} would need ${s.required}, has ${s.available}`,
    );
  }
  for (const z of b.zones) {
    if (z.available === undefined) continue;
    if (z.likelyRequired > z.available)
      out.push(
        `fits unless EC2 puts every new node in ${z.zone}: ${z.subnetId ?? '?'} would need ${z.likelyRequired}, has ${z.available}`,
      );
    else if (z.worstRequired > z.available && b.worstType !== undefined)
      out.push(
        `fits unless ${who} picks ${b.worstType} in ${z.zone} for every new node: ${z.subnetId ?? '?'} would need ${z.worstRequired}, has ${z.available}`,
      );
  }
  return out;
}
