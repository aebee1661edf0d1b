import type { AdmissionRequest } from '../admission/review.js';
import type { SettingsTarget } from '../admission/aws-node.js';
import { InputError } from '../errors.js';
import type { Decision } from '../policy/decide.js';
import { remedySearchMs } from '../policy/remedies.js';
import {
  AWS_NODE,
  decideSettings,
  sameSettings,
  type SettingsDecision,
} from '../policy/settings-decision.js';
import { resolveSettings } from '../simulate/resolve-settings.js';
import type { StateView } from '../state/source.js';
import { ALLOWED, type ReviewAnswer } from './review-response.js';
import { EXCEPTION_EXPIRES_ANNOTATION } from '../policy/config.js';
import type { RequestDigest } from './decision-memo.js';
import { memoized, type Kept } from './decisions.js';
import {
  answerOf,
  auditAnnotations,
  failureAnswer,
  freeOn,
  reservationOf,
  staleReason,
  type ValidateDeps,
} from './validate.js';

/** The reservation of the CNI's settings: a later settings change replaces it, as a workload's does. */
export const SETTINGS_RESERVATION_KEY = 'DaemonSet/kube-system/aws-node';

/**
 * UPDATE of kube-system/aws-node: the growth its new settings make every node take, held as a reservation
 * once admitted, as any workload change's addresses are.
 */
export async function decideSettingsRequest(
  req: AdmissionRequest,
  target: SettingsTarget,
  view: StateView,
  deps: ValidateDeps,
  startedMs: number,
  request: RequestDigest | undefined,
): Promise<{ answer: ReviewAnswer; decision?: Decision; reason?: string }> {
  const nowMs = deps.now();
  const model = view.model;
  const free = freeOn(model);
  let kept: Kept<SettingsDecision>;
  try {
    const s = resolveSettings(model.cniEnv, target.desired, target.old);
    if (sameSettings(s.from, s.to))
      return { answer: ALLOWED, reason: 'no VPC CNI setting changed' };
    const stale = staleReason(view, deps.config, nowMs);
    // Decided and reserved in one step on the ledger every replica shares, as a workload change is.
    const ran = await deps.reservations.admit({
      key: SETTINGS_RESERVATION_KEY,
      free,
      mayWrite: !req.dryRun,
      deadlineMs: startedMs + deps.config.budgetMs,
      decide: reserved => {
        const kept = memoized(
          deps.memo?.settings,
          {
            view,
            request,
            held: reserved,
            stale,
            nowMs,
            // The exceptions a settings change reads: on aws-node and on kube-system.
            times: () => [
              s.annotations[EXCEPTION_EXPIRES_ANNOTATION],
              model.namespaces.get(AWS_NODE.namespace)?.annotations[EXCEPTION_EXPIRES_ANNOTATION],
            ],
            stopSearch: () => deps.now() - startedMs > remedySearchMs(deps.config.budgetMs),
          },
          stopSearch =>
            decideSettings({
              model,
              ...s,
              config: deps.config.policy,
              book: deps.book,
              reserved,
              ...(stale !== undefined && { stale }),
              nowMs,
              stopSearch,
            }),
        );
        const d = kept.decision;
        return d.allowed
          ? {
              value: kept,
              reserve: (kept.reserve ??= reservationOf(d)),
            }
          : { value: kept };
      },
    });
    if (!ran.ok) return { answer: failureAnswer(deps, ran.reason), reason: `ledger-${ran.cause}` };
    kept = ran.value;
  } catch (err) {
    // A node or subnet the change touches that the state does not describe: the failure mode decides.
    if (err instanceof InputError)
      return { answer: failureAnswer(deps, err.message), reason: 'unresolvable' };
    throw err;
  }
  return { answer: (kept.answer ??= settingsAnswer(kept.decision)), decision: kept.decision };
}

/** The answer to a settings decision, which also names the pods its new settings leave without an address. */
function settingsAnswer(decision: SettingsDecision): ReviewAnswer {
  return answerOf(decision, {
    ...auditAnnotations(decision),
    ...(decision.impact.unservedPods > 0 && {
      'unserved-pods': String(decision.impact.unservedPods),
    }),
  });
}
