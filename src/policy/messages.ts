import { poolReason } from '../cni/explain.js';
import type { ClusterModel } from '../cluster/model.js';
import type { CniSettings } from '../cni/settings.js';
import type { Simulation, UnservedBatch } from '../simulate/simulate.js';
import type { Judgement, SubnetOutcome } from './verdict.js';
import { limitsOf } from '../cluster/limits-of.js';

/** Warnings longer than this may be cut by the apiserver (k8s.io/api admission/v1 Warnings). */
export const WARNING_MAX_CHARS = 120;

/** Printable, one line, at most `max` characters: the apiserver drops warnings with control characters. */
export function oneLine(text: string, max = WARNING_MAX_CHARS): string {
  const clean = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const cut = clean.length <= max ? clean : `${clean.slice(0, max - 3).trimEnd()}...`;
  // A lone surrogate is invalid UTF-8 on the wire, and the apiserver drops the whole warning.
  return cut.replace(LONE_SURROGATE, '\uFFFD');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `Rollout shop/checkout switch: 10 -> 20 pods at peak (+10); blue/green: 10 active + 10 preview` */
export function changeLine(sim: Simulation, who: string): string {
  const p = sim.peak;
  return `${who} ${p.change}: ${p.currentPods} -> ${p.peakPods} pods at peak (+${sim.deltaPods}); ${p.reason}`;
}

export function placementLine(sim: Simulation): string | undefined {
  if (sim.deltaPods === 0) return undefined;
  const parts: string[] = [];
  if (sim.podsOnExisting > 0) {
    parts.push(
      `${plural(sim.podsOnExisting, 'pod')} fit on ${plural(sim.existingNodesUsed, 'existing node')}`,
    );
  }
  const t = sim.typicalNode;
  if (sim.newNodes > 0) {
    const onNew = sim.deltaPods - sim.podsOnExisting - sim.unplaced;
    const type = t?.instanceType ?? sim.batches[0]?.instanceType ?? 'unknown-type';
    const group = sim.batches[0]?.group ?? '?';
    const zones = sim.batches.map(b => `${b.nodes} in ${b.zone}`).join(', ');
    parts.push(
      `${plural(onNew, 'pod')} need ${plural(sim.newNodes, `new ${type} node`)} of ${sim.bounds ? 'NodePool' : 'node group'} ${group} (${t ? `${t.workloadPods} per node` : '?'}; ${zones})`,
    );
  }
  if (sim.unplaced > 0)
    parts.push(`${plural(sim.unplaced, 'pod')} fit nowhere and would stay Pending`);
  return parts.join('; ');
}

/** The CNI setting behind a new node's pool, in its env name (`MINIMUM_IP_TARGET=13`). */
export function settingBehind(sim: Simulation): string | undefined {
  const t = sim.typicalNode;
  if (!t) return undefined;
  const s = sim.cni;
  switch (t.addresses.driver) {
    case 'minimum-ip-target':
      return `MINIMUM_IP_TARGET=${s.minimumIpTarget}`;
    case 'warm-ip-target':
      return `WARM_IP_TARGET=${s.warmIpTarget}`;
    case 'warm-prefix-target':
      return `WARM_PREFIX_TARGET=${s.warmPrefixTarget}`;
    case 'warm-eni-target':
      return `WARM_ENI_TARGET=${s.warmEniTarget}`;
    case 'max-pods':
      return `max pods ${t.maxPods}`;
    case 'eni-limit':
      return 'ENI limit';
  }
}

export function nodeLine(sim: Simulation, model: ClusterModel): string | undefined {
  const t = sim.typicalNode;
  if (!t) return undefined;
  const a = t.addresses;
  const limits = limitsOf(model, t.instanceType);
  const why = limits ? poolReason(a, sim.cni, limits, t.maxPods) : '';
  const pods = `${plural(a.podsWithIp, 'pod')} with addresses (${t.daemonSets.poolPods} DaemonSet + ${a.podsWithIp - t.daemonSets.poolPods} workload)`;
  const pool =
    a.mode === 'prefix'
      ? `${a.poolIps} pool in ${plural(a.prefixes, '/28 prefix', '/28 prefixes')}`
      : `${a.poolIps} pool`;
  return `each new ${t.instanceType ?? 'node'} takes ${a.ips} addresses: ${plural(a.enis, 'ENI')} + ${pool} for ${pods}; ${why}`;
}

export function subnetLine(s: SubnetOutcome, sim: Simulation): string {
  const d = sim.subnets.find(x => x.id === s.id);
  const parts: string[] = [];
  if (d && d.fromNewNodes > 0) parts.push(`${d.fromNewNodes} for new nodes`);
  if (d && d.fromExistingNodes > 0)
    parts.push(`${d.fromExistingNodes} for growth on existing nodes`);
  const need = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  let avail = `${s.available} available`;
  if (d && (d.reserved !== 0 || d.credit !== 0)) {
    const bits = [`${d.free} free`];
    if (d.reserved !== 0) bits.push(`${d.reserved} reserved by admitted changes`);
    if (d.credit > 0) bits.push(`${d.credit} given back by existing nodes`);
    if (d.credit < 0) bits.push(`${-d.credit} more held by existing nodes`);
    avail = `${s.available} available (${bits.join(', ')})`;
  }
  const tail = s.shortfall > 0 ? `: short ${s.shortfall}` : `: ${s.left} left`;
  return `${s.id} (${s.zone}) needs ${s.required}${need}, ${avail}${tail}`;
}

export function totalLine(sim: Simulation, j: Judgement): string {
  const tail = j.shortfall > 0 ? `short ${j.shortfall}` : 'fits';
  return `needs ${sim.ipsRequired} addresses, ${sim.ipsAvailable} available in ${plural(sim.subnets.length, 'subnet')}: ${tail}`;
}

/** Where the launcher picks the type: the likely figure and its bounds, with the types behind them. */
export function boundsLine(sim: Simulation): string | undefined {
  const b = sim.bounds;
  if (!b) return undefined;
  const who = b.provisioner === 'auto-mode' ? 'EKS Auto Mode' : 'Karpenter';
  return `${who} may launch any type NodePool ${b.nodePools.join(', ')} allows that fits: ${sim.ipsRequired} addresses with ${b.likelyType ?? '?'} (likely: the cheapest that fits, taken as the fewest vCPUs then least memory, as ipguard has no prices), ${b.ipsRequiredBest} at best (${b.bestType ?? '?'}), ${b.ipsRequiredWorst} at worst (${b.worstType ?? '?'})`;
}

/** Why a batch of nodes serves no more pods, in the settings' and kubelet's own terms. */
export function unservedReasonText(b: UnservedBatch, cni: CniSettings): string {
  const type = b.instanceType ?? 'node';
  const served = `the CNI serves at most ${plural(b.cause.podsServed, 'pod')} per node`;
  switch (b.cause.reason) {
    case 'frozen-pool':
      return `MINIMUM_IP_TARGET=${cni.minimumIpTarget} without WARM_IP_TARGET freezes each pool: ${served}`;
    case 'max-pods':
      return `the kubelet's max pods ${b.maxPods} is above the ENI capacity of ${type} (${b.cause.eniMaxPods} pods): ${served}`;
    case 'eni-limit': {
      const why: string[] = [];
      if (cni.maxEni !== undefined) why.push(`MAX_ENI=${cni.maxEni}`);
      if (cni.podEni) why.push('the trunk ENI of ENABLE_POD_ENI');
      if (cni.customNetworking) why.push('custom networking keeps the primary ENI from pods');
      return `the ENIs ${type} can attach are full${why.length > 0 ? ` (${why.join(', ')})` : ''}: ${served}`;
    }
  }
}

/** `12 pods on 5 existing m5.2xlarge nodes of node group apps would never get an address (...)` */
export function unservedLine(b: UnservedBatch, cni: CniSettings): string {
  const nodes = plural(
    b.nodes,
    `${b.newNodes ? 'new' : 'existing'} ${b.instanceType ?? ''} node`.replace(/\s+/g, ' '),
  );
  const group = b.group === undefined ? 'without a node group' : `of node group ${b.group}`;
  return `${plural(b.pods, 'pod')} on ${nodes} ${group} would never get an address (${unservedReasonText(b, cni)}): they would wait in ContainerCreating, and no autoscaler adds a node for a scheduled pod`;
}
