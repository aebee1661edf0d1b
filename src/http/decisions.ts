import type { Target } from '../admission/review.js';
import type { Decision } from '../policy/decide.js';
import type { SettingsDecision } from '../policy/settings-decision.js';
import type { ResolvedChange } from '../simulate/resolve.js';
import type { StateView } from '../state/source.js';
import type { ReviewAnswer } from './review-response.js';
import {
  DecisionMemo,
  SETTINGS_MEMO_LIMITS,
  decisionBytes,
  keyFor,
  nextTimeAfter,
  type DecisionMemoStats,
  type RequestDigest,
} from './decision-memo.js';

/** What a request asks, read and resolved on one state version: the same for every repeat of it. */
export interface Prepared {
  readonly target: Target;
  readonly resolved?: ResolvedChange;
  /** Why the change cannot be resolved on this state (the failure mode answers). */
  readonly unresolvable?: string;
}

/**
 * A decision as the memo keeps it, with what the webhook derives from it (its answer, what it
 * reserves), made at most once: every repeat answered from the memo reuses them.
 */
export interface Kept<D extends Decision> {
  readonly decision: D;
  answer?: ReviewAnswer;
  reserve?: ReadonlyMap<string, number>;
}

/** The webhook's memos: requests read and resolved, workload decisions, settings decisions. */
export interface Decisions {
  readonly prepared: DecisionMemo<Prepared>;
  readonly workloads: DecisionMemo<Kept<Decision>>;
  readonly settings: DecisionMemo<Kept<SettingsDecision>>;
}

/** The memos' counts, summed, for /metrics. */
export function decisionStats(d: Decisions): DecisionMemoStats {
  const all = [d.prepared.stats(), d.workloads.stats(), d.settings.stats()];
  return {
    entries: all.reduce((a, s) => a + s.entries, 0),
    bytes: all.reduce((a, s) => a + s.bytes, 0),
    hits: all.reduce((a, s) => a + s.hits, 0),
    misses: all.reduce((a, s) => a + s.misses, 0),
  };
}

export function newDecisions(): Decisions {
  return {
    prepared: new DecisionMemo(),
    workloads: new DecisionMemo(),
    settings: new DecisionMemo(SETTINGS_MEMO_LIMITS),
  };
}

/**
 * A decision whose remedy search ran out of time serves this long: its verdict and remedies are
 * right, only fewer than a quieter moment finds; repeats meanwhile cost nothing, and then it is
 * searched again.
 */
export const CUT_SHORT_TTL_MS = 10_000;

/**
 * Look `key` up in `memo`, else decide and keep the decision until the first time its inputs name
 * (or CUT_SHORT_TTL_MS, when its remedy search was cut short).
 */
export function memoized<D extends Decision>(
  memo: DecisionMemo<Kept<D>> | undefined,
  o: {
    readonly view: StateView;
    readonly request: RequestDigest | undefined;
    readonly held: ReadonlyMap<string, number>;
    readonly stale: string | undefined;
    readonly nowMs: number;
    /** Times in the inputs where the decision may turn (exception expiries, deadlines). */
    readonly times: () => Iterable<string | undefined>;
    readonly stopSearch: () => boolean;
  },
  decideNow: (stopSearch: () => boolean) => D,
): Kept<D> {
  if (!memo || !o.request) return { decision: decideNow(o.stopSearch) };
  const key = keyFor(o.request, o.held, o.stale);
  const hit = memo.get(o.view.model, key, o.nowMs);
  if (hit) return hit;
  const search = { stopped: false };
  const kept: Kept<D> = { decision: decideNow(() => (search.stopped ||= o.stopSearch())) };
  const turns = nextTimeAfter(o.nowMs, o.times());
  memo.set(o.view.model, key, kept, {
    bytes: decisionBytes(kept.decision, o.request, key),
    validUntilMs: search.stopped ? Math.min(turns, o.nowMs + CUT_SHORT_TTL_MS) : turns,
  });
  return kept;
}
