import type { ChangeKind } from '../simulate/peaks/index.js';
import type { ResolvedChange } from '../simulate/resolve.js';
import type { Decision } from '../policy/decide.js';
import type { Verdict } from '../policy/verdict.js';

/** One entry of `ipguard check --output json` (SPEC.md fixes the names). */
export interface CheckResult {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly change: ChangeKind;
  readonly verdict: Verdict;
  readonly currentPods: number;
  readonly peakPods: number;
  readonly deltaPods: number;
  readonly newNodes: number;
  readonly ipsRequired: number;
  readonly ipsAvailable: number;
  readonly shortfall: number;
  /** Pods the scheduler would place where the CNI never gives them an address. */
  readonly unservedPods: number;
  readonly subnets: readonly { id: string; zone: string; available: number; required: number }[];
  readonly messages: readonly string[];
  readonly remedies: readonly string[];
  /** Where Karpenter or EKS Auto Mode picks the type: the bounds and the types and pools behind them. */
  readonly ipsRequiredBest?: number;
  readonly ipsRequiredWorst?: number;
  readonly nodePools?: readonly string[];
  readonly instanceType?: string;
  readonly instanceTypeBest?: string;
  readonly instanceTypeWorst?: string;
}

export function checkResult(resolved: ResolvedChange, d: Decision): CheckResult {
  const s = d.sim;
  return {
    kind: resolved.subject.kind,
    namespace: resolved.subject.namespace,
    name: resolved.subject.name,
    change: s.peak.change,
    verdict: d.verdict,
    currentPods: s.peak.currentPods,
    peakPods: s.peak.peakPods,
    deltaPods: s.deltaPods,
    newNodes: s.newNodes,
    ipsRequired: s.ipsRequired,
    ipsAvailable: s.ipsAvailable,
    shortfall: d.judgement.shortfall,
    unservedPods: s.unservedPods,
    subnets: s.subnets.map(x => ({
      id: x.id,
      zone: x.zone,
      available: x.available,
      required: x.required,
    })),
    messages: [
      ...(resolved.via === undefined ? [] : [`simulated through ${resolved.via}`]),
      ...(resolved.notes ?? []),
      ...d.messages,
    ],
    remedies: d.remedies.map(r => r.text),
    ...(s.bounds && {
      ipsRequiredBest: s.bounds.ipsRequiredBest,
      ipsRequiredWorst: s.bounds.ipsRequiredWorst,
      nodePools: s.bounds.nodePools,
      ...(s.bounds.likelyType !== undefined && { instanceType: s.bounds.likelyType }),
      ...(s.bounds.bestType !== undefined && { instanceTypeBest: s.bounds.bestType }),
      ...(s.bounds.worstType !== undefined && { instanceTypeWorst: s.bounds.worstType }),
    }),
  };
}

export function ignoredResult(ig: {
  kind: string;
  namespace: string;
  name: string;
  reason: string;
}): CheckResult {
  return {
    kind: ig.kind,
    namespace: ig.namespace,
    name: ig.name,
    change: 'none',
    verdict: 'allow',
    currentPods: 0,
    peakPods: 0,
    deltaPods: 0,
    newNodes: 0,
    ipsRequired: 0,
    ipsAvailable: 0,
    shortfall: 0,
    unservedPods: 0,
    subnets: [],
    messages: [`not checked: ${ig.reason}`],
    remedies: [],
  };
}
