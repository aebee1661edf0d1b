import type { IntOrPercent } from '../cluster/model.js';

/**
 * intstr.GetScaledValueFromIntOrPercent: an integer as is, a percentage of `total` rounded up or down.
 * Deployments require the `%`; Argo Rollouts' older helper reads any string as a percentage, so "25" is
 * 25 % there (apimachinery GetValueFromIntOrPercent), which `anyStringIsPercent` reproduces.
 */
export function scaledValue(
  value: IntOrPercent,
  total: number,
  roundUp: boolean,
  anyStringIsPercent = false,
): number {
  if (typeof value === 'number') return value;
  const text = value.trim();
  if (!text.endsWith('%') && !anyStringIsPercent) {
    const n = Number(text);
    return Number.isInteger(n) ? n : 0;
  }
  const percent = Number(text.replace('%', ''));
  if (!Number.isFinite(percent)) return 0;
  const raw = (percent * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

/**
 * ResolveFenceposts (k8s.io/kubernetes pkg/controller/deployment/util): surge rounds up, unavailable
 * rounds down, and if both come out 0, unavailable becomes 1. Unavailable is not capped at `desired` here;
 * MaxUnavailable does that.
 */
export function resolveFenceposts(
  maxSurge: IntOrPercent,
  maxUnavailable: IntOrPercent,
  desired: number,
  anyStringIsPercent = false,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true, anyStringIsPercent);
  let unavailable = scaledValue(maxUnavailable, desired, false, anyStringIsPercent);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}
