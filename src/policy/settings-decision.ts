import { poolReason } from '../cni/explain.js';
import {
  CNI_SETTING_NAMES,
  DEFAULT_CNI_SETTINGS,
  type CniEnv,
  type CniSettings,
} from '../cni/settings.js';
import type { ClusterModel, Labels } from '../cluster/model.js';
import type { AddressBook } from '../simulate/address-book.js';
import {
  settingsImpact,
  type ClassOutcome,
  type SettingsImpact,
  type SettingsSubnet,
} from '../simulate/settings-change.js';
import type { Simulation } from '../simulate/simulate.js';
import type { PolicyConfig } from './config.js';
import type { Decision } from './decide.js';
import { MAX_WARNINGS } from './decide.js';
import { exceptionFor } from './exception.js';
import { oneLine } from './messages.js';
import { modeFor } from './mode.js';
import { soften } from './soften.js';
import type { StopSearch } from './remedies.js';
import { settingsRemedies } from './settings-remedies.js';
import { headroomThreshold, type Judgement, type SubnetOutcome, type Verdict } from './verdict.js';

/** The aws-node DaemonSet, whose container env is the VPC CNI's settings. */
export const AWS_NODE = { namespace: 'kube-system', name: 'aws-node' } as const;

export interface SettingsChangeInput {
  readonly model: ClusterModel;
  /** The CNI settings now (the cluster's aws-node, or --cni what-ifs on it), and their env. */
  readonly from: CniSettings;
  readonly fromEnv: CniEnv;
  /** The settings in the new aws-node object. */
  readonly to: CniSettings;
  readonly toEnv: CniEnv;
  /** Values the CNI would not accept in the new env, with what it uses instead. */
  readonly fallbacks?: readonly string[];
  /** The new aws-node object's annotations (an exception may sit there). */
  readonly annotations: Labels;
  readonly config: PolicyConfig;
  readonly book: AddressBook;
  readonly reserved?: ReadonlyMap<string, number>;
  readonly stale?: string;
  readonly nowMs: number;
  readonly stopSearch?: StopSearch;
}

/** A decision on a settings change, with the impact behind it. */
export interface SettingsDecision extends Decision {
  readonly impact: SettingsImpact;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `MINIMUM_IP_TARGET 8 -> 13, WARM_IP_TARGET unset -> 2`: the env the CNI reads, as it was and will be. */
export function settingsDiff(fromEnv: CniEnv, toEnv: CniEnv): string {
  const parts: string[] = [];
  for (const name of CNI_SETTING_NAMES) {
    const a = fromEnv[name] ?? '';
    const b = toEnv[name] ?? '';
    if (a === b) continue;
    parts.push(`${name} ${a === '' ? 'unset' : a} -> ${b === '' ? 'unset' : b}`);
  }
  return parts.length > 0 ? parts.join(', ') : 'no VPC CNI setting';
}

/** Existing nodes that change alike, whatever their subnet: one line each. */
interface ClassGroup {
  readonly first: ClassOutcome;
  nodes: number;
  readonly subnets: Set<string>;
}

function classGroups(impact: SettingsImpact): ClassGroup[] {
  const groups = new Map<string, ClassGroup>();
  for (const c of impact.classes) {
    if (c.ipsAfter === c.ipsBefore) continue;
    const key = `${c.cls.instanceType}|${c.cls.shape.poolPods}|${c.ipsBefore}|${c.ipsAfter}|${c.target.driver}|${c.cls.shape.held ? 1 : 0}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { first: c, nodes: 0, subnets: new Set() }));
    g.nodes += c.cls.nodes;
    if (c.cls.shape.subnetId !== undefined) g.subnets.add(c.cls.shape.subnetId);
  }
  return [...groups.values()].sort(
    (a, b) =>
      Math.abs(b.first.ipsAfter - b.first.ipsBefore) * b.nodes -
      Math.abs(a.first.ipsAfter - a.first.ipsBefore) * a.nodes,
  );
}

function classLine(g: ClassGroup, to: CniSettings): string {
  const c = g.first;
  const { cls } = c;
  const d = c.ipsAfter - c.ipsBefore;
  const why = poolReason(c.target, to, cls.shape.limits, cls.shape.maxPods);
  const counted = cls.shape.held ? ', counted from its ENIs' : '';
  const where =
    g.subnets.size === 1 ? ` in ${[...g.subnets][0] ?? ''}` : ` in ${g.subnets.size} subnets`;
  return `${plural(g.nodes, `${cls.instanceType} node`)}${where} with ${plural(cls.shape.poolPods, 'pod')} taking addresses (e.g. ${cls.example}): ${c.ipsBefore} -> ${c.ipsAfter} addresses each (${d > 0 ? '+' : ''}${d}${counted}); ${why}`;
}

function subnetLine(s: SettingsSubnet, o: SubnetOutcome): string {
  const need =
    s.growth > 0 ? ` (growth on ${plural(s.growingNodes, 'existing node')}, at once)` : '';
  const avail =
    s.reserved !== 0
      ? `${s.available} available (${s.free} free, ${s.reserved} reserved by admitted changes)`
      : `${s.available} available`;
  const tail = o.shortfall > 0 ? `: short ${o.shortfall}` : `: ${o.left} left`;
  const back =
    s.release > 0
      ? `; then ${plural(s.releasingNodes, 'node')} give back ${s.release} within about 30 s`
      : '';
  return `${s.id} (${s.zone}) needs ${s.growth}${need}, ${avail}${tail}${back}`;
}

/** What ipamd gives back, or why it gives nothing (vpc-cni notes, section 5). */
function releaseLine(impact: SettingsImpact): string | undefined {
  if (impact.release > 0) {
    const where = impact.subnets
      .filter(s => s.release > 0)
      .map(s => `${s.id} ${s.release}`)
      .join(', ');
    return `${plural(impact.releasingNodes, 'node')} give back ${impact.release} addresses at ipamd's next pool decrease (at most every 30 s; ${where}): unused pool addresses above the new targets, never one a pod holds`;
  }
  const wouldShrink = impact.classes.some(c => c.target.ips < c.ipsBefore);
  if (!wouldShrink) return undefined;
  if (impact.to.prefixDelegation)
    return 'nothing is given back at once: with prefix delegation ipamd returns a /28 only when none of its 16 addresses is in use, and pods sit on prefixes at random';
  return 'nothing is given back: under WARM_ENI_TARGET ipamd never returns single addresses, and frees an ENI only once no pod uses it (set WARM_IP_TARGET or MINIMUM_IP_TARGET to have addresses released)';
}

/** Per instance type, how many pods a node's CNI serves, where the change moves it. */
function servedLines(impact: SettingsImpact): string[] {
  const seen = new Map<string, ClassOutcome>();
  for (const c of impact.classes) {
    if (c.servedAfter === c.servedBefore) continue;
    const key = `${c.cls.instanceType}|${c.cls.shape.maxPods}|${c.servedBefore}|${c.servedAfter}`;
    if (!seen.has(key)) seen.set(key, c);
  }
  const to = impact.to;
  const frozen = to.minimumIpTarget > 0 && to.warmIpTarget === 0;
  return [...seen.values()].map(c => {
    const why =
      frozen && c.servedAfter < c.servedBefore && c.servedAfter <= to.minimumIpTarget
        ? `: MINIMUM_IP_TARGET=${to.minimumIpTarget} without WARM_IP_TARGET never grows the pool past ${to.minimumIpTarget}, so pods past it sit in ContainerCreating and no autoscaler adds a node for them`
        : '';
    return `each ${c.cls.instanceType} node serves ${c.servedAfter} pods with addresses, was ${c.servedBefore} (kubelet max pods ${c.cls.shape.maxPods})${why}`;
  });
}

function newNodeLines(impact: SettingsImpact): string[] {
  const out = new Map<string, string>();
  for (const n of impact.newNodes) {
    if (!n.before || !n.after) continue;
    const key = `${n.group}|${n.before.ips}|${n.after.ips}`;
    if (out.has(key)) continue;
    const change =
      n.before.ips === n.after.ips
        ? `still takes ${n.after.ips} addresses`
        : `takes ${n.after.ips} addresses instead of ${n.before.ips}`;
    out.set(
      key,
      `each new ${n.instanceType ?? 'node'} of node group ${n.group} ${change} (${plural(n.daemonSetPoolPods, 'DaemonSet pod')} with addresses${n.servedAfter !== undefined && n.servedAfter !== n.servedBefore ? `; serves ${n.servedAfter} pods, was ${n.servedBefore ?? '?'}` : ''})`,
    );
  }
  return [...out.values()];
}

/** How many new nodes each subnet can still address: now, right after the growth, and after release. */
function runwayLines(impact: SettingsImpact): string[] {
  const bySubnet = new Map<string, string[]>();
  const seen = new Set<string>();
  const room = (free: number, ips: number): number =>
    ips > 0 ? Math.max(0, Math.floor(free / ips)) : 0;
  for (const n of impact.newNodes) {
    if (!n.before || !n.after || n.subnetId === undefined) continue;
    const s = impact.subnets.find(x => x.id === n.subnetId);
    if (!s || seen.has(`${n.group}|${s.id}`)) continue;
    seen.add(`${n.group}|${s.id}`);
    const now = room(s.available, n.before.ips);
    const after = room(s.available - s.growth, n.after.ips);
    const later = room(s.available - s.growth + s.release, n.after.ips);
    if (now === after && after === later) continue;
    const parts = bySubnet.get(s.id) ?? [];
    parts.push(
      `${now} -> ${after} new ${n.group} nodes (${n.before.ips} -> ${n.after.ips} addresses each)${later !== after ? `, ${later} once ipamd has given back` : ''}`,
    );
    bySubnet.set(s.id, parts);
  }
  return [...bySubnet].map(([id, parts]) => {
    const zone = impact.subnets.find(x => x.id === id)?.zone ?? '';
    return `runway in ${id} (${zone}), room for: ${parts.join('; ')}`;
  });
}

/**
 * Nodes whose pool the new settings freeze where the old ones did not: MINIMUM_IP_TARGET without
 * WARM_IP_TARGET never grows a pool past its value (datastoreTargetState: short = max(0 - available,
 * MIT - total)), so pods the scheduler places past it never get an address.
 */
export function newlyFrozenNodes(impact: SettingsImpact): number {
  const freezes = (s: CniSettings): boolean => s.minimumIpTarget > 0 && s.warmIpTarget === 0;
  if (!freezes(impact.to) || freezes(impact.from)) return 0;
  return impact.classes.reduce(
    (n, c) => (c.servedAfter < Math.min(c.servedBefore, c.cls.shape.maxPods) ? n + c.cls.nodes : n),
    0,
  );
}

function judgeSettings(
  impact: SettingsImpact,
  model: ClusterModel,
  config: PolicyConfig,
): Judgement {
  const subnets: SubnetOutcome[] = impact.subnets.map(s => {
    const left = s.available - s.growth;
    return {
      id: s.id,
      zone: s.zone,
      available: s.available,
      required: s.growth,
      left,
      shortfall: Math.max(0, -left),
      threshold: headroomThreshold(model, s.id, config),
    };
  });
  const short = subnets.filter(s => s.shortfall > 0);
  const thin = subnets.filter(s => s.shortfall === 0 && s.required > 0 && s.left < s.threshold);
  let verdict: Verdict = 'allow';
  // Stranded pods are a deny like a short subnet: they would wait for an address that never comes.
  if (short.length > 0 || impact.unservedPods > 0) verdict = 'deny';
  else if (thin.length > 0 || newlyFrozenNodes(impact) > 0) verdict = 'warn';
  return {
    verdict,
    shortfall: short.reduce((n, s) => n + s.shortfall, 0),
    subnets,
    thin,
    short,
  };
}

/** The settings change in the shape every other decision has, so reservations, metrics and output work alike. */
function asSimulation(impact: SettingsImpact, diff: string): Simulation {
  return {
    peak: {
      change: 'settings',
      // aws-node's own pods: one per node, replaced in place (hostNetwork, no surge, no address).
      currentPods: impact.nodes,
      peakPods: impact.nodes,
      reason: `${diff} on every node`,
      desiredReplicas: impact.nodes,
    },
    deltaPods: 0,
    cni: impact.to,
    whatIf: false,
    existingNodesUsed: impact.growingNodes,
    podsOnExisting: 0,
    newNodes: 0,
    batches: [],
    unplaced: 0,
    unservedPods: impact.unservedPods,
    unserved: [],
    unresolved: [],
    subnets: impact.subnets.map(s => ({
      id: s.id,
      zone: s.zone,
      free: s.free,
      reserved: s.reserved,
      // Release comes after the growth (decreaseIPPoolInterval), so it pays for none of it.
      credit: 0,
      available: s.available,
      required: s.growth,
      fromNewNodes: 0,
      fromExistingNodes: s.growth,
    })),
    ipsRequired: impact.growth,
    ipsAvailable: impact.subnets.reduce((n, s) => n + s.available, 0),
    notes: [],
  };
}

/**
 * Judge a change to the VPC CNI's settings on kube-system/aws-node: every existing node's holding under
 * the old and the new settings, per subnet (settingsImpact); deny when a subnet cannot give the growth at
 * once or when pods would lose the pool that serves them. Namespace mode and exceptions as for any change.
 */
export function decideSettings(input: SettingsChangeInput): SettingsDecision {
  const { model, from, to, config } = input;
  const name = `DaemonSet ${AWS_NODE.namespace}/${AWS_NODE.name}`;
  const diff = settingsDiff(input.fromEnv, input.toEnv);
  const impact = settingsImpact({
    model,
    from,
    to,
    book: input.book,
    ...(input.reserved && { reserved: input.reserved }),
  });
  const sim = asSimulation(impact, diff);
  const namespace = model.namespaces.get(AWS_NODE.namespace);
  const { mode, note: modeNote } = modeFor(namespace, config.defaultMode);
  if (mode === 'off') {
    return {
      allowed: true,
      verdict: 'allow',
      simulated: 'allow',
      mode,
      exceptionUsed: false,
      autoscalerAllowed: false,
      sim: { ...sim, subnets: [], ipsRequired: 0, ipsAvailable: 0, unplaced: 0 },
      judgement: { verdict: 'allow', shortfall: 0, subnets: [], thin: [], short: [] },
      remedies: [],
      messages: [`${name}: not checked (ipguard.io/mode: off in namespace ${AWS_NODE.namespace})`],
      warnings: [],
      impact,
    };
  }
  const judgement = judgeSettings(impact, model, config);
  const simulated = judgement.verdict;
  const remedies =
    simulated === 'deny'
      ? settingsRemedies(
          model,
          from,
          to,
          impact,
          input.book,
          input.reserved,
          input.stopSearch ?? (() => false),
        )
      : [];

  const exception = exceptionFor(input.annotations, namespace?.annotations, input.nowMs);
  const { verdict, exceptionUsed, why } = soften(simulated, {
    mode,
    namespace: AWS_NODE.namespace,
    modeNote,
    exception,
    objectLabel: 'DaemonSet',
    stale: input.stale,
  });

  const unservedLine =
    impact.unservedPods > 0
      ? `${plural(impact.unservedPods, 'pod')} on ${plural(impact.unservedNodes, 'node')} hold addresses the new pools would not serve: once replaced, their successors get none and sit in ContainerCreating`
      : undefined;
  const frozen = newlyFrozenNodes(impact);
  const frozenLine =
    frozen > 0
      ? `MINIMUM_IP_TARGET=${to.minimumIpTarget} without WARM_IP_TARGET freezes the pools of ${plural(frozen, 'node')} at ${to.minimumIpTarget}: pods placed past that get no address (set WARM_IP_TARGET too)`
      : undefined;
  const growthLine =
    impact.growth > 0
      ? `${plural(impact.growingNodes, 'node')} take ${impact.growth} more addresses at ipamd's next pass (about 5 s), before any is given back`
      : 'no node takes more addresses';
  const classes = classGroups(impact);
  const shownClasses = classes.slice(0, 6);
  const messages = [
    `${name} settings: ${diff}, judged on ${plural(impact.nodes, 'node')}`,
    growthLine,
    ...shownClasses.map(g => classLine(g, to)),
    ...(classes.length > shownClasses.length
      ? [`and ${plural(classes.length - shownClasses.length, 'more kind')} of node`]
      : []),
    ...judgement.subnets.flatMap(o => {
      const s = impact.subnets.find(x => x.id === o.id);
      return s !== undefined && (s.growth > 0 || s.release > 0) ? [subnetLine(s, o)] : [];
    }),
    impact.growth > 0
      ? `needs ${impact.growth} addresses at once, ${sim.ipsAvailable} available in ${plural(impact.subnets.length, 'subnet')}: ${judgement.shortfall > 0 ? `short ${judgement.shortfall}` : 'fits'}`
      : undefined,
    releaseLine(impact),
    unservedLine,
    frozenLine,
    impact.heldBackNodes > 0
      ? `${plural(impact.heldBackNodes, 'cordoned node')} take nothing yet: ipamd adds no address on a node tainted node.kubernetes.io/unschedulable (unless AWS_MANAGE_ENIS_NON_SCHEDULABLE=true); they grow once uncordoned`
      : undefined,
    ...servedLines(impact),
    ...newNodeLines(impact),
    ...runwayLines(impact),
    to.prefixDelegation && !from.prefixDelegation
      ? 'existing pods keep their secondary IPs until they are replaced; ipamd adds /28 prefixes beside them, and each new node takes whole prefixes'
      : undefined,
    ...judgement.thin.map(
      s => `${s.id} (${s.zone}) would keep ${s.left} free, below the headroom of ${s.threshold}`,
    ),
    ...(input.fallbacks ?? []),
    ...why,
  ].filter((l): l is string => l !== undefined);

  const warnings: string[] = [];
  if (verdict !== 'allow' || exceptionUsed) {
    const headline =
      simulated === 'deny'
        ? judgement.shortfall > 0
          ? `aws-node ${diff}: existing nodes need ${impact.growth} IPs at once, ${sim.ipsAvailable} available: short ${judgement.shortfall}`
          : `aws-node ${diff}: ${unservedLine ?? ''}`
        : frozenLine !== undefined && judgement.thin.length === 0
          ? `aws-node ${diff}: ${frozenLine}`
          : `aws-node ${diff}: ${messages.at(-1) ?? 'thin headroom'}`;
    warnings.push(...why, headline);
    for (const s of judgement.short.slice(0, 2))
      warnings.push(
        `${s.id} (${s.zone}) needs ${s.required}, has ${s.available}: short ${s.shortfall}`,
      );
    for (const s of judgement.thin.slice(0, 2))
      warnings.push(`${s.id} (${s.zone}) would keep ${s.left} free (headroom ${s.threshold})`);
    const n = newNodeLines(impact)[0];
    if (n !== undefined) warnings.push(n);
    if (remedies[0]) warnings.push(`fix: ${remedies[0].text}`);
  }
  const uniqueWarnings = [...new Set(warnings.map(w => oneLine(`ipguard: ${w}`)))].slice(
    0,
    MAX_WARNINGS,
  );

  let denial: string | undefined;
  if (verdict === 'deny') {
    const parts: string[] = [];
    if (judgement.shortfall > 0) {
      const subnetsText = judgement.short
        .map(s => `${s.id} (${s.zone}) needs ${s.required}, has ${s.available}`)
        .join('; ');
      parts.push(
        `existing nodes would take ${impact.growth} more addresses at once, ${sim.ipsAvailable} available (short ${judgement.shortfall}): ${subnetsText}.`,
      );
    }
    if (unservedLine !== undefined) parts.push(`${unservedLine}.`);
    const nodeText = newNodeLines(impact)[0];
    if (nodeText !== undefined)
      parts.push(`${nodeText[0]?.toUpperCase() ?? ''}${nodeText.slice(1)}.`);
    const fix =
      remedies.length > 0
        ? ` Fits with: ${remedies
            .slice(0, 3)
            .map(r => r.text)
            .join('; ')}.`
        : '';
    denial = oneLine(`${name} settings change (${diff}) denied: ${parts.join(' ')}${fix}`, 2000);
  }
  return {
    allowed: verdict !== 'deny',
    verdict,
    simulated,
    mode,
    ...(exception && { exception }),
    exceptionUsed,
    autoscalerAllowed: false,
    sim,
    judgement,
    remedies,
    messages,
    warnings: uniqueWarnings,
    ...(denial !== undefined && { denial }),
    impact,
  };
}

/** True when the two settings are the same to the CNI (an image bump, or an env it does not read). */
export function sameSettings(a: CniSettings, b: CniSettings): boolean {
  return (Object.keys(DEFAULT_CNI_SETTINGS) as (keyof CniSettings)[]).every(k => a[k] === b[k]);
}
