import type { GroupHeadroom, HeadroomReport, NodePoolHeadroom } from '../report/headroom.js';
import type { NodeHolding } from '../report/node-holding.js';

const MIB = 2 ** 20;
const GIB = 2 ** 30;

function cpu(milli: number): string {
  return milli % 1000 === 0 ? `${milli / 1000} CPU` : `${milli}m CPU`;
}

function memory(bytes: number): string {
  return bytes >= GIB && bytes % GIB === 0
    ? `${bytes / GIB} GiB`
    : `${Math.round(bytes / MIB)} MiB`;
}

/** Rows of cells as left-aligned columns (numbers right-aligned), two spaces apart. */
function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map(
    r =>
      indent +
      r
        .map((c, i) =>
          /^[\d/,.-]+$/.test(c) && i > 0 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0),
        )
        .join('  ')
        .trimEnd(),
  );
}

function basis(g: GroupHeadroom): string {
  switch (g.typicalPod.basis) {
    case 'given':
      return 'as given';
    case 'node-group':
      return `the average of ${g.typicalPod.samplePods} workload pods here`;
    case 'cluster':
      return `the cluster's average workload pod`;
    case 'default':
      return 'no workload pods to learn from';
  }
}

function groupLines(g: GroupHeadroom, report: HeadroomReport): string[] {
  const zones = g.zones.length > 0 ? ` in ${g.zones.join(', ')}` : '';
  const out = [
    `  ${g.name}: ${g.nodes} × ${g.instanceType ?? '(instance type unknown)'}${zones}`,
    `    ${g.pods} pods, ${g.poolPods} with a pod address; nodes hold ${g.held} addresses, ${g.pool} in warm pools: ${g.used} used, ${g.idle} idle (${g.idlePerNode} per node)`,
  ];
  if (g.reasons.length > 0) out.push(`    pool size: ${g.reasons.join('; ')}`);
  const r = g.runway;
  if (!r) {
    out.push('    runway: not counted (no node group label to place new nodes by)');
    return out;
  }
  const size = `${cpu(g.typicalPod.cpuMilli)} / ${memory(g.typicalPod.memoryBytes)}`;
  if (r.unresolved.length > 0) {
    // Never a runway over what nobody could count: say how far it is known; the headline says why.
    out.push(
      r.pods === 0
        ? '    runway: unknown (see INCOMPLETE above)'
        : `    runway: ${r.pods} more pods of ${size} counted; past that unknown (see INCOMPLETE above)`,
    );
    return out;
  }
  if (r.notes.length > 0 && r.pods === 0 && !r.limitedBy) {
    out.push(`    runway: unknown: ${r.notes.join('; ')}`);
    return out;
  }
  const where = [
    r.onExistingNodes > 0 ? `${r.onExistingNodes} on existing nodes` : undefined,
    r.newNodes > 0
      ? `${r.pods - r.onExistingNodes} on ${r.newNodes} new node${r.newNodes === 1 ? '' : 's'}${r.newNode ? ` taking ${r.newNode.ips} addresses each (${r.newNode.daemonSetPods} DaemonSet pods, ${r.newNode.daemonSetPodsWithIp} with an address, + up to ${r.newNode.workloadPods} of these pods)` : ''}`
      : undefined,
  ].filter((x): x is string => x !== undefined);
  out.push(
    `    runway: ${r.atLeast ? 'at least ' : ''}${r.pods} more pods of ${size} (${basis(g)})${where.length > 0 ? `: ${where.join(', ')}` : ''}`,
  );
  if (r.limitedBy) {
    out.push(
      `      one more and ${r.limitedBy.subnetId} (${r.limitedBy.zone}) runs out: it would need ${r.limitedBy.required}, ${r.limitedBy.available} free`,
    );
  }
  const best = report.idleSettings.options[0];
  if (best && g.runwayWithIdleSetting !== undefined && g.runwayWithIdleSetting !== r.pods) {
    out.push(`      with ${best.settings}: ${g.runwayWithIdleSetting} pods`);
  }
  for (const n of r.notes) out.push(`      note: ${n}`);
  return out;
}

function nodePoolLines(p: NodePoolHeadroom): string[] {
  const who = p.provisioner === 'auto-mode' ? 'EKS Auto Mode NodeClass' : 'EC2NodeClass';
  const out = [
    `  ${p.name}${p.weight > 0 ? ` (weight ${p.weight})` : ''}: ${p.nodes} nodes; ${who} ${p.nodeClass}: ${p.subnets.length > 0 ? `${p.subnets.join(', ')} in ${p.zones.join(', ')}` : 'no subnets'}`,
  ];
  const r = p.runway;
  const size = `${cpu(p.typicalPod.cpuMilli)} / ${memory(p.typicalPod.memoryBytes)}`;
  out.push(
    `    runway: ${r.atLeast ? 'at least ' : ''}${r.pods} more pods of ${size}${r.instanceType !== undefined ? ` on likely ${r.instanceType} nodes` : ''}${r.newNodes > 0 ? ` (${r.newNodes} new)` : ''}; ${r.worstCasePods} whatever type${r.worstType !== undefined ? ` (worst ${r.worstType})` : ''} and zone it picks`,
  );
  if (r.limitedBy) {
    out.push(
      `      one more and ${r.limitedBy.subnetId} (${r.limitedBy.zone}) runs out: it would need ${r.limitedBy.required}, ${r.limitedBy.available} free`,
    );
  }
  for (const n of r.notes) out.push(`      note: ${n}`);
  return out;
}

function nodeRows(nodes: readonly NodeHolding[]): string[][] {
  return [
    ['node', 'group', 'type', 'zone', 'pods', 'pod IPs', 'held', 'pool', 'used', 'idle'],
    ...nodes.map(n => [
      n.node,
      n.group ?? '-',
      n.instanceType ?? '-',
      n.zone ?? '-',
      String(n.pods),
      String(n.poolPods),
      n.source === 'unknown-instance-type' ? '?' : String(n.held),
      n.source === 'unknown-instance-type' ? '?' : String(n.pool),
      String(n.used),
      String(n.idle),
    ]),
  ];
}

/** Shown in full up to this many nodes; past it the ones with the most idle addresses. */
const NODES_SHOWN = 30;

export function reportText(report: HeadroomReport, source: string, allNodes: boolean): string {
  const t = report.totals;
  const out: string[] = [
    `ipguard report: ${source}`,
    ...(report.incomplete.length > 0
      ? [
          '  INCOMPLETE: the inputs do not describe all of this cluster; the figures below leave out:',
          ...report.incomplete.map(l => `    - ${l}`),
        ]
      : []),
    `  ${t.nodes} nodes, ${t.pods} pods (${t.poolPods} with a pod address); VPC CNI ${report.cni.settings}`,
    `  nodes hold ${t.held} addresses: ${t.used} used by pods, ${t.idle} idle in warm pools; ${t.free} free in the subnets below`,
    `  holdings ${report.holdingsFrom === 'network-interfaces' ? "counted from the nodes' network interfaces" : 'modelled from the CNI settings'}`,
    '',
    "Subnets (free as EC2 reports; held by this cluster's nodes; other = neither: load balancers, endpoints, other clusters)",
    ...table([
      ['subnet', 'zone', 'cidr', 'free', 'of', 'nodes', 'held', 'used', 'idle', 'other'],
      ...report.subnets.map(s => [
        s.id,
        s.zone,
        s.cidr,
        String(s.free),
        String(s.usable),
        String(s.nodes),
        String(s.held),
        String(s.used),
        String(s.idle),
        String(s.other),
      ]),
    ]),
  ];
  if (report.otherSubnets.length > 0) {
    out.push(
      `  not shown: ${report.otherSubnets.length} subnets no node or CNI setting of this cluster uses`,
    );
  }
  out.push('', 'Node groups');
  for (const g of report.nodeGroups) out.push(...groupLines(g, report));

  if (report.nodePools.length > 0) {
    out.push(
      '',
      'NodePools (Karpenter and EKS Auto Mode: the type of each new node is theirs to pick)',
    );
    for (const p of report.nodePools) out.push(...nodePoolLines(p));
  }

  out.push('', `Settings that free idle addresses (now ${report.idleSettings.current})`);
  for (const o of report.idleSettings.options) {
    const subnets = Object.entries(o.bySubnet)
      .filter(([, n]) => n !== 0)
      .map(([id, n]) => `${id} ${n}`)
      .join(', ');
    const node = o.medianNode
      ? `; a node with ${o.medianNode.pods} pod addresses holds ${o.medianNode.ips} instead of ${o.medianNode.ipsNow}`
      : '';
    out.push(`  ${o.settings}: frees ${o.freed} (${subnets})${node}`);
    out.push(`    ${o.command}`);
  }
  for (const n of report.idleSettings.notes) out.push(`  note: ${n}`);

  const nodes =
    allNodes || report.nodes.length <= NODES_SHOWN
      ? report.nodes
      : [...report.nodes]
          .sort((a, b) => b.idle - a.idle || (a.node < b.node ? -1 : 1))
          .slice(0, NODES_SHOWN);
  out.push(
    '',
    nodes.length === report.nodes.length
      ? 'Nodes (held = every address the node takes; pool = its warm pool; used = pods with an address)'
      : `Nodes: the ${nodes.length} with the most idle addresses of ${report.nodes.length} (--nodes for all)`,
    ...table(nodeRows(nodes)),
  );
  if (report.notes.length > 0) out.push('');
  for (const n of report.notes) out.push(`note: ${n}`);
  out.push('');
  return out.join('\n');
}
