import { slotsPerEni } from '../cni/instance-limits.js';
import { describeCniSettings, ipTargetsDefined, type CniSettings } from '../cni/settings.js';
import type { ClusterModel } from '../cluster/model.js';
import type { AddressBook } from '../simulate/address-book.js';
import { settingsCredit } from '../simulate/settings-credit.js';
import { limitsOf } from '../cluster/limits-of.js';

/** A change to aws-node's env and what it gives back. */
export interface IdleSetting {
  /** The env to set on aws-node (WARM_ENI_TARGET is ignored once an IP target is set). */
  readonly env: Readonly<Record<string, string>>;
  /** Env to remove from aws-node. */
  readonly unset: readonly string[];
  /** The change as one command. */
  readonly command: string;
  readonly settings: string;
  /** Addresses existing nodes would give back, in all. */
  readonly freed: number;
  readonly bySubnet: Readonly<Record<string, number>>;
  /** A node running the median pool pods: addresses now and under this setting. */
  readonly medianNode?: { readonly pods: number; readonly ipsNow: number; readonly ips: number };
  /** Spare addresses a node keeps for pods that arrive at once; fewer means more EC2 calls from ipamd. */
  readonly warmIps: number;
  /** The settings themselves, for what-if simulations. */
  readonly cni: CniSettings;
}

export interface IdleSettings {
  readonly current: string;
  readonly options: readonly IdleSetting[];
  /** Why no option applies, or what to know about all of them. */
  readonly notes: readonly string[];
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) / 2)] ?? 0);
}

/** Candidate warm targets: a handful of spares is what AWS's guidance for IP-constrained clusters suggests. */
const WARM_IPS = [1, 2, 4] as const;
const MAX_OPTIONS = 5;

/**
 * CNI settings that would give idle warm-pool addresses back, with how many per subnet
 * (settingsCredit: ipamd releases single addresses only under WARM_IP_TARGET / MINIMUM_IP_TARGET in
 * secondary-IP mode). Candidates pair a small WARM_IP_TARGET with no floor, the median pods per node as
 * the floor, or the current floor; the ones that free the most come first.
 */
export function idleSettings(model: ClusterModel, book: AddressBook): IdleSettings {
  const cni = model.cni;
  const current = describeCniSettings(cni);
  if (cni.prefixDelegation) {
    return {
      current,
      options: [],
      notes: [
        'with prefix delegation ipamd gives a /28 back only when no pod uses any of its 16 addresses, so idle addresses are not freed by a setting; WARM_PREFIX_TARGET=0 with WARM_IP_TARGET keeps new nodes from taking spare prefixes',
      ],
    };
  }
  const nodes = [...model.nodes.values()].filter(
    n => limitsOf(model, n.instanceType) !== undefined,
  );
  const medianPods = median(nodes.map(n => n.usage.poolPods));
  const rep = nodes.find(n => n.usage.poolPods === medianPods) ?? nodes[0];
  const repLimits = limitsOf(model, rep?.instanceType);
  const maxWarm = repLimits ? slotsPerEni(repLimits) : 16;

  const floors = new Set<number>([0, medianPods]);
  if (cni.minimumIpTarget > 0) floors.add(cni.minimumIpTarget);
  const candidates: CniSettings[] = [];
  for (const floor of floors) {
    for (const warm of WARM_IPS) {
      if (warm > maxWarm) continue;
      candidates.push({ ...cni, warmIpTarget: warm, minimumIpTarget: floor });
    }
  }
  const seen = new Set<string>([JSON.stringify(cni)]);
  const options: IdleSetting[] = [];
  for (const to of candidates) {
    const key = JSON.stringify(to);
    if (seen.has(key)) continue;
    seen.add(key);
    const credit = settingsCredit(model, cni, to, book);
    const freed = [...credit.values()].reduce((a, b) => a + b, 0);
    if (freed <= 0) continue;
    const env: Record<string, string> = { WARM_IP_TARGET: String(to.warmIpTarget) };
    const unset: string[] = [];
    if (to.minimumIpTarget > 0) env.MINIMUM_IP_TARGET = String(to.minimumIpTarget);
    else if (cni.minimumIpTarget > 0) unset.push('MINIMUM_IP_TARGET');
    const command = [
      'kubectl -n kube-system set env daemonset/aws-node',
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...unset.map(k => `${k}-`),
    ].join(' ');
    const medianNode =
      rep && repLimits
        ? {
            pods: rep.usage.poolPods,
            ipsNow: book.addresses(
              repLimits,
              cni,
              rep.maxPods,
              rep.usage.poolPods,
              rep.usage.branchPods,
            ).ips,
            ips: book.addresses(
              repLimits,
              to,
              rep.maxPods,
              rep.usage.poolPods,
              rep.usage.branchPods,
            ).ips,
          }
        : undefined;
    options.push({
      env,
      unset,
      command,
      settings: describeCniSettings(to),
      freed,
      bySubnet: Object.fromEntries([...credit].sort(([a], [b]) => (a < b ? -1 : 1))),
      ...(medianNode && { medianNode }),
      warmIps: to.warmIpTarget,
      cni: to,
    });
  }
  // Most addresses first; between equals, the larger warm pool (fewer EC2 calls, fewer waits), then
  // the higher floor, which costs nothing now and keeps addresses for pods that come and go.
  options.sort(
    (a, b) =>
      b.freed - a.freed || b.warmIps - a.warmIps || b.cni.minimumIpTarget - a.cni.minimumIpTarget,
  );
  // Options that free the same addresses with the same warm pool say the same thing twice.
  const distinct = options.filter(
    (o, i) =>
      options.findIndex(
        p =>
          p.freed === o.freed &&
          p.warmIps === o.warmIps &&
          JSON.stringify(p.bySubnet) === JSON.stringify(o.bySubnet),
      ) === i,
  );
  const notes: string[] = [];
  if (distinct.length > 0) {
    notes.push(
      'a smaller warm pool means ipamd calls EC2 more often, and a pod waits for an address when more pods than WARM_IP_TARGET land on a node at once',
    );
    if (!ipTargetsDefined(cni))
      notes.push(
        `today WARM_ENI_TARGET=${cni.warmEniTarget} keeps a whole spare ENI of addresses per node`,
      );
  } else {
    notes.push('no setting frees addresses: the pools are already as small as the pods need');
  }
  return { current, options: distinct.slice(0, MAX_OPTIONS), notes };
}
