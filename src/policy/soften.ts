import type { Exception } from './exception.js';
import type { Mode } from './config.js';
import type { Verdict } from './verdict.js';

export interface Softened {
  readonly verdict: Verdict;
  readonly exceptionUsed: boolean;
  /** A deny let through only because an autoscaler asked (and autoscalers are not enforced). */
  readonly autoscalerAllowed: boolean;
  /** Why the verdict is what it is, beyond the simulation: in the order a reader checks them. */
  readonly why: string[];
}

/**
 * The policy on top of what the simulation found, the same for every kind of change: a deny becomes a
 * warning by (in this order) an autoscaler ceiling, a live exception, the namespace's warn mode, or an
 * autoscaler's own request; expired exceptions are said; stale state never lets a verdict read as a
 * clean allow.
 */
export function soften(
  simulated: Verdict,
  o: {
    readonly mode: Mode;
    /** The namespace whose mode applies, for the message. */
    readonly namespace: string;
    readonly modeNote?: string | undefined;
    readonly exception?: Exception | undefined;
    /** How the message names an exception on the object itself (`workload`, `DaemonSet`). */
    readonly objectLabel?: string;
    /** Set when the change is an autoscaler's ceiling: nothing grows yet, so a deny only warns. */
    readonly ceilingWhy?: string | undefined;
    /** An autoscaler asked, and autoscalers are not enforced. */
    readonly autoscalerExempt?: boolean;
    readonly stale?: string | undefined;
  },
): Softened {
  const { exception } = o;
  let verdict = simulated;
  let exceptionUsed = false;
  let autoscalerAllowed = false;
  const why: string[] = [];
  if (simulated === 'deny') {
    if (o.ceilingWhy !== undefined) {
      verdict = 'warn';
      why.push(o.ceilingWhy);
    } else if (exception && !exception.expired) {
      verdict = 'warn';
      exceptionUsed = true;
      const on = exception.on === 'workload' ? (o.objectLabel ?? 'workload') : exception.on;
      why.push(
        `allowed by exception on the ${on}: "${exception.reason}"${exception.expires === undefined ? '' : ` (until ${exception.expires})`}`,
      );
    } else if (o.mode === 'warn') {
      verdict = 'warn';
      why.push(`would deny; namespace ${o.namespace} is in warn mode`);
    } else if (o.autoscalerExempt === true) {
      verdict = 'warn';
      autoscalerAllowed = true;
      why.push('would deny; allowed because an autoscaler asked');
    }
    for (const e of [exception?.setAside, exception]) {
      if (e?.expired === true)
        why.push(`exception on the ${e.on} not applied: ${e.problem ?? 'expired'} ("${e.reason}")`);
    }
  }
  if (o.stale !== undefined) {
    if (verdict === 'allow') verdict = 'warn';
    why.push(`state may be stale: ${o.stale}`);
  }
  if (o.modeNote !== undefined) why.push(o.modeNote);
  return { verdict, exceptionUsed, autoscalerAllowed, why };
}
