import type { CniSettings } from '../cni/settings.js';
import type { ClusterModel } from '../cluster/model.js';
import type { AddressBook } from '../simulate/address-book.js';
import type { Ceiling } from '../simulate/resolve.js';
import { peakOf, type WorkloadChange } from '../simulate/peaks/index.js';
import { simulate, type Simulation } from '../simulate/simulate.js';
import type { Mode, PolicyConfig } from './config.js';
import { exceptionFor, type Exception } from './exception.js';
import {
  boundsLine,
  changeLine,
  nodeLine,
  oneLine,
  placementLine,
  settingBehind,
  subnetLine,
  totalLine,
  unservedLine,
  unservedReasonText,
} from './messages.js';
import { modeFor } from './mode.js';
import { soften } from './soften.js';
import { remediesFor, type Remedy, type StopSearch } from './remedies.js';
import { nodePoolRestriction } from './nodepool-remedies.js';
import { judge, worseCasesShort, type Judgement, type Verdict } from './verdict.js';
import { describeUnresolved, unresolvedLine } from '../simulate/unresolved.js';

/** At most this many warnings: the apiserver truncates beyond 4 KiB, and people read the first few. */
export const MAX_WARNINGS = 5;

export interface DecideInput {
  readonly model: ClusterModel;
  readonly change: WorkloadChange;
  readonly config: PolicyConfig;
  readonly book: AddressBook;
  /** What-if CNI settings; the cluster's when absent. */
  readonly cni?: CniSettings;
  readonly reserved?: ReadonlyMap<string, number>;
  /** The request comes from an autoscaler (HPA, KEDA). */
  readonly autoscaler?: boolean;
  /** Why the state behind the decision may be out of date, if it is. */
  readonly stale?: string;
  /** The caller's time budget: true once remedies should stop searching. */
  readonly stopSearch?: StopSearch;
  /** The change is an autoscaler's ceiling: a warning at most, with the largest ceiling that fits. */
  readonly ceiling?: Ceiling;
}

export interface Decision {
  readonly allowed: boolean;
  /** The verdict after mode, exception and autoscaler policy. */
  readonly verdict: Verdict;
  /** What the simulation alone says. */
  readonly simulated: Verdict;
  readonly mode: Mode;
  /** The exception that turned a deny into an allow, or one that was found but did not apply. */
  readonly exception?: Exception;
  readonly exceptionUsed: boolean;
  readonly autoscalerAllowed: boolean;
  readonly sim: Simulation;
  readonly judgement: Judgement;
  readonly remedies: readonly Remedy[];
  /** Everything a person needs, line by line (the CLI prints these). */
  readonly messages: readonly string[];
  /** Short warnings for `kubectl`, most useful first. */
  readonly warnings: readonly string[];
  /** The denial message (status.message), one line. */
  readonly denial?: string;
  /**
   * Set when the change needs what the inputs do not describe and what they do describe does not
   * already deny it: one line naming what is missing. This is no verdict: `check` exits 2 and the
   * webhook answers with its failure mode. (A deny on the addresses it could count stands: the
   * uncounted ones only add to them.)
   */
  readonly incomplete?: string;
}

function who(change: WorkloadChange, ceiling?: Ceiling): string {
  const d = change.desired;
  if (ceiling) return `${ceiling.kind} ${d.namespace}/${ceiling.name}`;
  return `${d.kind} ${d.namespace}/${d.name}`;
}

function offSimulation(change: WorkloadChange, cni: CniSettings): Simulation {
  const peak = peakOf(change);
  return {
    peak,
    deltaPods: Math.max(0, peak.peakPods - peak.currentPods),
    cni,
    whatIf: false,
    existingNodesUsed: 0,
    podsOnExisting: 0,
    newNodes: 0,
    batches: [],
    unplaced: 0,
    unservedPods: 0,
    unserved: [],
    subnets: [],
    ipsRequired: 0,
    ipsAvailable: 0,
    notes: [],
    unresolved: [],
  };
}

/** Judge one change: simulate it, apply the namespace's mode and any exception, and explain. */
export function decide(input: DecideInput): Decision {
  const { model, change, config } = input;
  const cni = input.cni ?? model.cni;
  const namespace = model.namespaces.get(change.desired.namespace);
  const { mode, note: modeNote } = modeFor(namespace, config.defaultMode);
  const name = who(change, input.ceiling);

  if (mode === 'off') {
    const sim = offSimulation(change, cni);
    return {
      allowed: true,
      verdict: 'allow',
      simulated: 'allow',
      mode,
      exceptionUsed: false,
      autoscalerAllowed: false,
      sim,
      judgement: { verdict: 'allow', shortfall: 0, subnets: [], thin: [], short: [] },
      remedies: [],
      messages: [
        `${name}: not checked (ipguard.io/mode: off in namespace ${change.desired.namespace})`,
      ],
      warnings: [],
    };
  }

  const simInput = {
    model,
    change,
    cni,
    book: input.book,
    ...(input.reserved && { reserved: input.reserved }),
  };
  const sim = simulate(simInput);
  const counted = judge(sim, model, config);
  const incomplete =
    sim.unresolved.length > 0 && counted.verdict !== 'deny'
      ? unresolvedLine(sim.unresolved)
      : undefined;
  // Without the missing parts no "fits" holds: the outcome is at best a warning, never an allow.
  const judgement: Judgement =
    incomplete === undefined ? counted : { ...counted, verdict: 'warn', thin: [] };
  const simulated = judgement.verdict;
  const missing = describeUnresolved(sim.unresolved);
  const remedies: Remedy[] =
    simulated === 'deny' ? remediesFor(simInput, sim, config, input.stopSearch, input.ceiling) : [];
  if (simulated === 'warn' && incomplete === undefined && worseCasesShort(sim).length > 0) {
    const r = nodePoolRestriction(
      simInput,
      sim,
      trial => worseCasesShort(trial).length > 0,
      input.stopSearch ?? (() => false),
    );
    if (r) remedies.push({ kind: 'nodepool', ...r });
  }

  const exception = exceptionFor(change.desired.annotations, namespace?.annotations, change.nowMs);
  const { verdict, exceptionUsed, autoscalerAllowed, why } = soften(simulated, {
    mode,
    namespace: change.desired.namespace,
    modeNote,
    exception,
    // Nothing grows when an autoscaler's ceiling is set; the pods come, if ever, one scale at a time.
    ceilingWhy:
      input.ceiling &&
      `${input.ceiling.field} ${input.ceiling.maxReplicas} would not fit if reached; a warning, not a denial: nothing scales yet`,
    autoscalerExempt: input.autoscaler === true && !config.autoscalersEnforced,
    stale: input.stale,
  });

  // Built only when someone reads them: the webhook needs them only to explain a non-allow.
  let built: string[] | undefined;
  const lines = (): string[] =>
    (built ??= [
      changeLine(sim, name),
      placementLine(sim),
      nodeLine(sim, model),
      ...missing.map(m => `not counted: ${m}`),
      ...sim.unserved.map(b => unservedLine(b, sim.cni)),
      ...judgement.subnets.map(s => subnetLine(s, sim)),
      sim.subnets.length > 0 && incomplete === undefined ? totalLine(sim, judgement) : undefined,
      boundsLine(sim),
      ...worseCasesShort(sim),
      ...judgement.thin.map(
        s => `${s.id} (${s.zone}) would keep ${s.left} free, below the headroom of ${s.threshold}`,
      ),
      ...sim.notes,
      ...why,
    ].filter((l): l is string => l !== undefined));

  const setting = settingBehind(sim);
  const t = sim.typicalNode;
  const warnings: string[] = [];
  if (verdict !== 'allow' || exceptionUsed) {
    const unserved = sim.unserved[0];
    const headline =
      incomplete !== undefined
        ? `${name}: cannot be checked: ${missing.join('; ')}`
        : simulated !== 'deny'
          ? `${name}: ${lines().at(-1) ?? 'thin headroom'}`
          : judgement.shortfall === 0 && unserved
            ? `${name} leaves ${sim.unservedPods} pods without an address: ${unservedReasonText(unserved, sim.cni)}`
            : `${name} needs ${sim.ipsRequired} IPs at peak, ${sim.ipsAvailable} available: short ${judgement.shortfall}`;
    warnings.push(...why, headline);
    // For a ceiling the fix is the answer a person looks for: the largest maximum that fits.
    if (input.ceiling && remedies[0]) warnings.push(`fix: ${remedies[0].text}`);
    if (unserved && judgement.shortfall > 0)
      warnings.push(
        `${sim.unservedPods} pods would get no address: ${unservedReasonText(unserved, sim.cni)}`,
      );
    if (simulated === 'deny') warnings.push(...missing.map(m => `also not counted: ${m}`));
    for (const s of judgement.short.slice(0, 2))
      warnings.push(
        `${s.id} (${s.zone}) needs ${s.required}, has ${s.available}: short ${s.shortfall}`,
      );
    for (const s of judgement.thin.slice(0, 2))
      warnings.push(`${s.id} (${s.zone}) would keep ${s.left} free (headroom ${s.threshold})`);
    if (simulated !== 'deny') warnings.push(...worseCasesShort(sim).slice(0, 2));
    if (t) {
      warnings.push(
        `${sim.newNodes} new ${t.instanceType ?? ''} nodes x ${t.addresses.ips} IPs for ${t.addresses.podsWithIp} pods each${setting === undefined ? '' : ` (${setting})`}`,
      );
    }
    if (remedies[0] && !input.ceiling) warnings.push(`fix: ${remedies[0].text}`);
    warnings.push(...sim.notes);
  }
  const uniqueWarnings = [...new Set(warnings.map(w => oneLine(`ipguard: ${w}`)))].slice(
    0,
    MAX_WARNINGS,
  );

  let denial: string | undefined;
  if (verdict === 'deny') {
    const subnetsText = judgement.short
      .map(s => `${s.id} (${s.zone}) needs ${s.required}, has ${s.available}`)
      .join('; ');
    const nodeText = t
      ? ` ${sim.newNodes} new ${t.instanceType ?? 'node'} nodes take ${t.addresses.ips} IPs each${setting === undefined ? '' : ` (${setting})`}.`
      : '';
    const fix =
      remedies.length > 0
        ? ` Fits with: ${remedies
            .slice(0, 3)
            .map(r => r.text)
            .join('; ')}.`
        : '';
    const unservedText =
      sim.unservedPods > 0
        ? `${name} ${sim.peak.change} would leave ${sim.unservedPods} pods on nodes whose CNI never gives them an address, waiting in ContainerCreating: ${sim.unserved.map(b => unservedLine(b, sim.cni).replace(/ would never get an address .*$/, ` (${unservedReasonText(b, sim.cni)})`)).join('; ')}.`
        : '';
    const subnetsDenial =
      judgement.shortfall > 0
        ? `${unservedText === '' ? `${name} ${sim.peak.change} would` : ' It would also'} run subnets out of IPv4 addresses: needs ${sim.ipsRequired}, ${sim.ipsAvailable} available (short ${judgement.shortfall}): ${subnetsText}.${nodeText}`
        : '';
    denial = oneLine(`${unservedText}${subnetsDenial}${fix}`, 2000);
  }
  return {
    allowed: verdict !== 'deny',
    verdict,
    simulated,
    mode,
    ...(exception && { exception }),
    exceptionUsed,
    autoscalerAllowed,
    sim,
    judgement,
    remedies,
    get messages() {
      return lines();
    },
    warnings: uniqueWarnings,
    ...(denial !== undefined && { denial }),
    ...(incomplete !== undefined && { incomplete }),
  };
}
