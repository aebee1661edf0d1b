/**
 * What a change needs that the inputs do not describe. The simulation records these instead of counting
 * them as zero; the policy turns any into an "incomplete" outcome (exit 2, or the webhook's failure
 * mode), since a "fits" on addresses nobody counted is no answer.
 */
export type Unresolved =
  /** An existing node the change puts pods on, whose InternalIP lies in no subnet given. */
  | { readonly cause: 'node-subnet'; readonly node: string; readonly internalIp?: string }
  /** An existing node the change puts pods on, whose instance type nothing describes. */
  | { readonly cause: 'node-type'; readonly node: string; readonly instanceType?: string }
  /** The node group new nodes come from, whose instance type nothing describes. */
  | {
      readonly cause: 'group-type';
      readonly group: string;
      readonly instanceType?: string;
      readonly newNodes: number;
    }
  /** The node group new nodes come from, with no known subnet in a zone they go to. */
  | {
      readonly cause: 'group-subnet';
      readonly group: string;
      readonly zone: string;
      readonly newNodes: number;
    }
  /** A subnet addresses would come from (an ENIConfig's, an ENI's) that is not among the subnets given. */
  | { readonly cause: 'subnet'; readonly subnetId: string; readonly via: string }
  /** A Karpenter / Auto Mode pool that could launch the nodes, whose node class is missing or lists no subnets. */
  | { readonly cause: 'pool-class'; readonly pool: string; readonly problem: string }
  /** The pods to add have no template here (a workloadRef to an object the inputs do not hold). */
  | { readonly cause: 'pod-template'; readonly workload: string };

/** Names listed in a message before "and N more". */
const NAMES_SHOWN = 3;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function names(list: readonly string[]): string {
  const shown = list.slice(0, NAMES_SHOWN).join(', ');
  return list.length > NAMES_SHOWN ? `${shown} and ${list.length - NAMES_SHOWN} more` : shown;
}

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const t of items) {
    const k = key(t);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(t);
  }
  return out;
}

/** One entry per distinct thing: the same node or group found twice (several sims, several zones) counts once. */
export function uniqueUnresolved(items: Iterable<Unresolved>): Unresolved[] {
  const seen = new Map<string, Unresolved>();
  for (const u of items) {
    let key: string;
    switch (u.cause) {
      case 'node-subnet':
      case 'node-type':
        key = `${u.cause}/${u.node}`;
        break;
      case 'group-type':
        key = `${u.cause}/${u.group}`;
        break;
      case 'group-subnet':
        key = `${u.cause}/${u.group}/${u.zone}`;
        break;
      case 'subnet':
        key = `${u.cause}/${u.subnetId}`;
        break;
      case 'pod-template':
        key = `${u.cause}/${u.workload}`;
        break;
      case 'pool-class':
        key = `${u.cause}/${u.pool}`;
        break;
    }
    const had = seen.get(key);
    if (had && 'newNodes' in had && 'newNodes' in u)
      seen.set(key, { ...u, newNodes: Math.max(had.newNodes, u.newNodes) });
    else if (!had) seen.set(key, u);
  }
  return [...seen.values()];
}

/**
 * One line per cause, with a count and the first few names: 43 nodes with no listed subnet are one
 * message, not 43.
 */
export function describeUnresolved(items: readonly Unresolved[]): string[] {
  // Every decision asks, and nearly all have nothing missing.
  if (items.length === 0) return [];
  const all = uniqueUnresolved(items);
  const lines: string[] = [];
  const nodeSubnet = all.filter(u => u.cause === 'node-subnet');
  const [oneNode] = nodeSubnet;
  if (nodeSubnet.length === 1 && oneNode) {
    // One node: its name first, so a short warning still says which.
    lines.push(
      `node ${oneNode.node}: ${oneNode.internalIp === undefined ? 'no InternalIP' : `InternalIP ${oneNode.internalIp}`}, in no listed subnet`,
    );
  } else if (nodeSubnet.length > 0) {
    const list = nodeSubnet.map(u =>
      u.internalIp === undefined ? `${u.node} (no InternalIP)` : `${u.node} (${u.internalIp})`,
    );
    lines.push(
      `${plural(nodeSubnet.length, 'node')}: InternalIP in no listed subnet: ${names(list)}`,
    );
  }
  const nodeType = all.filter(u => u.cause === 'node-type');
  for (const [type, list] of groupBy(nodeType, u => u.instanceType)) {
    const what =
      type === undefined
        ? 'no instance type label'
        : `instance type ${type} in neither the instance types nor the built-in table`;
    const [one] = list;
    if (list.length === 1 && one) {
      lines.push(`node ${one.node}: ${what}`);
      continue;
    }
    lines.push(
      `${plural(list.length, 'node')}: ${type === undefined ? 'no instance type label' : `instance type ${type} in neither the instance types nor the built-in table`}: ${names(list.map(u => u.node))}`,
    );
  }
  for (const u of all) {
    if (u.cause !== 'group-type') continue;
    lines.push(
      `node group ${u.group}: ${u.instanceType === undefined ? 'no instance type known' : `instance type ${u.instanceType} in neither the instance types nor the built-in table`} (needed for ${plural(u.newNodes, 'new node')})`,
    );
  }
  const groupSubnet = all.filter(u => u.cause === 'group-subnet');
  for (const [group, list] of groupBy(groupSubnet, u => u.group)) {
    const nodes = list.reduce((n, u) => n + u.newNodes, 0);
    lines.push(
      `node group ${group}: no listed subnet holds its nodes in ${list
        .map(u => u.zone)
        .sort()
        .join(', ')} (needed for ${plural(nodes, 'new node')})`,
    );
  }
  const subnets = all.filter(u => u.cause === 'subnet');
  if (subnets.length > 0) {
    lines.push(
      `${plural(subnets.length, 'subnet')} not in the subnets given: ${names(subnets.map(u => `${u.subnetId} (${u.via})`))}`,
    );
  }
  for (const u of all) {
    if (u.cause === 'pool-class') lines.push(`NodePool ${u.pool}: ${u.problem}`);
  }
  for (const u of all) {
    if (u.cause === 'pod-template')
      lines.push(`${u.workload}: no pod template here, so the added pods cannot be placed`);
  }
  return lines;
}

/** The whole of it on one line, for exit 2 and for the webhook's failure-mode answer. */
export function unresolvedLine(items: readonly Unresolved[]): string {
  return `the inputs do not describe what this change needs: ${describeUnresolved(items).join('; ')}`;
}
