/**
 * The in-process decision rows of the bench table: each request class of the pure core on the large
 * cluster, each run on a new state version, with the target issue 15 sets.
 */
import { workloadKey, type ClusterModel, type Workload } from '../src/cluster/model.js';
import { timeDaemonSetDecision, timeSwitch, withStorefrontDeployment } from './decision.js';
import { karpenterModel, timeKarpenterDecision } from './karpenter-decision.js';
import { timeSettingsDecision } from './settings-decision.js';
import type { Timing } from './timing.js';
import { fmt, type Row } from './table-row.js';

function timed(measure: string, t: Timing, targetMs: number, digits = 2): Row {
  return {
    measure: `${measure}, median / p99 ms`,
    value: `${fmt(t.medianMs, digits)} / ${fmt(t.p99Ms, digits)}`,
    baseline: '',
    target: `median <= ${targetMs}`,
    met: t.medianMs <= targetMs,
  };
}

export interface CoreResult {
  readonly rows: readonly Row[];
  /** The Rollout switch's first message lines, quoted under the table. */
  readonly summary: string;
}

/** `only` picks one class by name (switch, spread, settings, daemonset, karpenter), for profiling. */
export async function coreRows(
  model: ClusterModel,
  clusterDir: string,
  only?: string,
): Promise<CoreResult> {
  const rows: Row[] = [];
  const want = (name: string): boolean => only === undefined || only === '' || only === name;
  let summary = '';
  if (want('switch')) {
    const r = timeSwitch(model);
    summary = r.summary;
    rows.push(
      timed(
        `one decision in-process: 1,000-replica blue/green switch, Argo Rollout (${r.verdict}), new state version`,
        r.cold,
        2,
      ),
    );
    const d = withStorefrontDeployment(model);
    const dr = timeSwitch(d.model, d.current);
    rows.push(
      timed(
        `one decision: 1,000-replica blue/green switch, Deployment maxSurge 100% (${dr.verdict}), new state version`,
        dr.cold,
        2,
      ),
    );
    rows.push({
      measure:
        'one decision, the same switch again on the same version (memoized), median / p99 ms',
      value: `${fmt(r.warm.medianMs, 3)} / ${fmt(r.warm.p99Ms, 3)}`,
      baseline: '',
      target: '',
      met: undefined,
    });
  }
  if (want('spread')) {
    const r = timeSwitch(model, withSpread(model), 50, 5);
    rows.push(
      timed(
        `one decision: the same switch with zone (maxSkew 1) and hostname (maxSkew 2) DoNotSchedule spread (${r.verdict}), new state version`,
        r.cold,
        50,
      ),
    );
  }
  if (want('settings')) {
    const st = timeSettingsDecision(model);
    rows.push(
      timed(
        `aws-node settings change on ${st.nodes} nodes (${st.classes} node classes; one that fits, one denied with its remedies), new state version`,
        { medianMs: st.coldMedianMs, p99Ms: st.coldP99Ms },
        50,
      ),
    );
  }
  if (want('daemonset')) {
    const ds = timeDaemonSetDecision(model);
    rows.push(
      timed(
        `one decision: an IP-taking DaemonSet created on ${ds.nodes} nodes (${ds.verdict}), new state version`,
        ds,
        50,
      ),
    );
  }
  if (want('karpenter')) {
    const k = timeKarpenterDecision(await karpenterModel(clusterDir));
    rows.push(
      timed(
        `one decision: Karpenter NodePool with ${k.candidateTypes} candidate types, ${k.newNodes} pods one per new node (${k.verdict}), new state version`,
        k,
        5,
      ),
    );
  }
  return { rows, summary };
}

/** The storefront Rollout with hard zone and hostname topology spread over its own pods. */
function withSpread(model: ClusterModel): Workload {
  const rollout = model.workloads.get(workloadKey('Rollout', 'team-0', 'storefront'));
  if (!rollout?.pod) throw new Error('no storefront Rollout in the model');
  const selector = { matchLabels: rollout.pod.labels, matchExpressions: [] };
  const on = (topologyKey: string, maxSkew: number) => ({
    maxSkew,
    topologyKey,
    labelSelector: selector,
    matchLabelKeys: [],
    minDomains: 1,
    nodeAffinityPolicy: 'Honor' as const,
    nodeTaintsPolicy: 'Ignore' as const,
  });
  return {
    ...rollout,
    pod: {
      ...rollout.pod,
      spread: [on('topology.kubernetes.io/zone', 1), on('kubernetes.io/hostname', 2)],
    },
  };
}
