import type { CniSettings } from '../cni/settings.js';
import type { AddressBook } from '../simulate/address-book.js';
import { settingsImpact, type SettingsImpact } from '../simulate/settings-change.js';
import type { ClusterModel } from '../cluster/model.js';
import type { Remedy, StopSearch } from './remedies.js';

/** A settings change fits when every subnet can give its growth at once and no pod loses its address. */
export function settingsFit(impact: SettingsImpact): boolean {
  return impact.unservedPods === 0 && impact.subnets.every(s => s.growth <= s.available);
}

/** The numeric settings a person raises, with the value that means "unset" and how the CNI names them. */
const KNOBS = [
  { env: 'MINIMUM_IP_TARGET', key: 'minimumIpTarget', floor: 0 },
  { env: 'WARM_IP_TARGET', key: 'warmIpTarget', floor: 0 },
  { env: 'WARM_ENI_TARGET', key: 'warmEniTarget', floor: 0 },
  { env: 'WARM_PREFIX_TARGET', key: 'warmPrefixTarget', floor: 0 },
] as const;

interface Trial {
  readonly model: ClusterModel;
  readonly from: CniSettings;
  readonly book: AddressBook;
  readonly reserved?: ReadonlyMap<string, number>;
  readonly stop: StopSearch;
}

function impactOf(t: Trial, to: CniSettings, existingOnly = true): SettingsImpact {
  return settingsImpact({
    model: t.model,
    from: t.from,
    to,
    book: t.book,
    ...(t.reserved && { reserved: t.reserved }),
    existingOnly,
  });
}

/** The largest value in [lo, hi] whose trial fits; each of these knobs takes more as it grows. */
function largestFitting(
  t: Trial,
  lo: number,
  hi: number,
  trial: (v: number) => CniSettings,
): { value: number; impact: SettingsImpact } | undefined {
  let best: number | undefined;
  let low = lo;
  let high = hi;
  while (low <= high && !t.stop()) {
    const mid = Math.floor((low + high) / 2);
    if (settingsFit(impactOf(t, trial(mid)))) {
      best = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  // The winner again, with what new nodes take, for the remedy's text.
  return best === undefined ? undefined : { value: best, impact: impactOf(t, trial(best), false) };
}

function effect(impact: SettingsImpact): string {
  const parts = [
    impact.growth > 0
      ? `existing nodes take ${impact.growth} more at once`
      : 'existing nodes take no more',
  ];
  const n = impact.newNodes.find(x => x.after);
  if (n?.after) parts.push(`each new ${n.instanceType ?? n.group} node takes ${n.after.ips}`);
  return parts.join('; ');
}

/** Settings close to the ones asked for that would fit, each checked by judging it again. */
export function settingsRemedies(
  model: ClusterModel,
  from: CniSettings,
  to: CniSettings,
  impact: SettingsImpact,
  book: AddressBook,
  reserved: ReadonlyMap<string, number> | undefined,
  stop: StopSearch,
): Remedy[] {
  const t: Trial = { model, from, book, ...(reserved && { reserved }), stop };
  const out: Remedy[] = [];
  for (const k of KNOBS) {
    const asked = to[k.key];
    const now = from[k.key];
    if (asked <= now) continue;
    const found = largestFitting(t, Math.max(k.floor, now), asked - 1, v => ({
      ...to,
      [k.key]: v,
    }));
    // The value it has now fitting is no news: the change as asked is what does not.
    if (!found || found.value === now) continue;
    const value = found.value;
    const text = `set ${k.env}=${value} instead of ${asked} (the largest that fits): ${effect(found.impact)}`;
    out.push({
      kind: 'cni',
      env: { [k.env]: String(value) },
      text,
    });
  }
  if (impact.unservedPods > 0 && to.minimumIpTarget > 0 && to.warmIpTarget === 0 && !stop()) {
    // MINIMUM_IP_TARGET alone freezes the pool at its value; a warm target lets it grow with the pods.
    const found = largestFitting(t, 1, 1, w => ({ ...to, warmIpTarget: w }));
    if (found)
      out.push({
        kind: 'cni',
        env: { WARM_IP_TARGET: '1' },
        text: `also set WARM_IP_TARGET=1, so that pools grow with their pods past MINIMUM_IP_TARGET=${to.minimumIpTarget}: ${effect(found.impact)}`,
      });
  }
  for (const s of impact.subnets) {
    const short = s.growth - s.available;
    if (short > 0)
      out.push({
        kind: 'free',
        text: `free ${short} addresses in ${s.id} (${s.zone}) first, or add capacity there (a larger CIDR, or a subnet tagged kubernetes.io/role/cni)`,
      });
  }
  return out;
}
