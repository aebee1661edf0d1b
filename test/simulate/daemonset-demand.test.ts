import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../src/policy/decide.js';
import { DEFAULT_POLICY } from '../../src/policy/config.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import { resolveChange } from '../../src/simulate/resolve.js';
import { daemonSetNodes, runsOn } from '../../src/simulate/daemonset-demand.js';
import type { ClusterModel, Node, PodRecord, Taint, Workload } from '../../src/cluster/model.js';
import {
  aCluster,
  aNamespace,
  aNode,
  aPod,
  aPodShape,
  aSubnet,
  aWorkload,
} from '../helpers/builders.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

/**
 * `perZone` m5.2xlarge nodes in each of two zones, each running `pods` pool pods, with the given CNI
 * settings; one /16 subnet per zone with `free` addresses.
 */
function cluster(
  perZone: number,
  pods: number,
  free: number,
  cniEnv: Record<string, string>,
  tweak: (node: Node, i: number) => Node = n => n,
): ClusterModel {
  const nodes: Node[] = [];
  const podList: PodRecord[] = [];
  for (const [z, zone] of ['zone-a', 'zone-b'].entries()) {
    for (let i = 0; i < perZone; i++) {
      const n = tweak(
        aNode({ ip: `10.${z + 1}.${Math.floor(i / 250)}.${(i % 250) + 2}`, zone }),
        z * perZone + i,
      );
      nodes.push(n);
      for (let p = 0; p < pods; p++) podList.push(aPod(n.name, { name: `${n.name}-${p}` }));
    }
  }
  return aCluster({
    nodes,
    pods: podList,
    namespaces: [aNamespace('observability')],
    subnets: [
      aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.1.0.0/16', availableIps: free }),
      aSubnet({ id: 'subnet-b', zone: 'zone-b', cidr: '10.2.0.0/16', availableIps: free }),
    ],
    cniEnv,
  });
}

const agent = (o: Partial<Workload> = {}): Workload =>
  aWorkload({
    kind: 'DaemonSet',
    name: 'agent',
    namespace: 'observability',
    pod: aPodShape({ requests: { cpuMilli: 10, memoryBytes: 16 * 1024 ** 2 } }),
    daemonSetStrategy: { type: 'RollingUpdate' },
    ...o,
  });

function judge(model: ClusterModel, desired: Workload, current?: Workload) {
  const resolved = resolveChange(
    model,
    { type: 'workload', workload: desired },
    { nowMs: NOW, ...(current && { current }) },
  );
  return decide({
    model,
    change: resolved.change,
    config: DEFAULT_POLICY,
    book: new AddressBook(),
  });
}

test("an IP-taking DaemonSet on 5,000 nodes: every node's CNI grows at once, denied with the setting that fits", () => {
  // WARM_IP_TARGET=2 keeps 2 spare addresses beside the 10 pods: one more pod is one more address on
  // each of the 5,000 nodes, 2,500 per zone, where each subnet has 2,000 free.
  const model = cluster(2500, 10, 2000, { WARM_IP_TARGET: '2' });
  const d = judge(model, agent());
  assert.equal(d.verdict, 'deny');
  assert.equal(d.sim.peak.change, 'create');
  assert.equal(d.sim.peak.peakPods, 5000);
  assert.equal(d.sim.newNodes, 0, 'a DaemonSet adds no node');
  assert.deepEqual(
    d.sim.subnets.map(s => [s.id, s.required, s.available, s.fromExistingNodes]),
    [
      ['subnet-a', 2500, 2000, 2500],
      ['subnet-b', 2500, 2000, 2500],
    ],
  );
  assert.equal(d.judgement.shortfall, 1000);
  // With WARM_IP_TARGET=1 the pool already holds one spare per node: the pod takes it.
  assert.ok(
    d.remedies.some(r => r.env?.WARM_IP_TARGET === '1'),
    d.remedies.map(r => r.text).join('\n'),
  );
  assert.match(d.denial ?? '', /DaemonSet observability\/agent create would run subnets out/);
});

test('a hostNetwork DaemonSet on the same cluster takes nothing', () => {
  const model = cluster(2500, 10, 2000, { WARM_IP_TARGET: '2' });
  const d = judge(model, agent({ pod: aPodShape({ network: 'host' }) }));
  assert.equal(d.verdict, 'allow');
  assert.equal(d.sim.ipsRequired, 0);
  assert.equal(d.sim.peak.peakPods, 5000);
});

test('NodeShouldRunDaemonPod: taints need tolerations; cordoned and not-ready nodes still run it', () => {
  const dedicated: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const model = cluster(5, 10, 2000, { WARM_IP_TARGET: '2' }, (n, i) =>
    i === 0
      ? { ...n, taints: [dedicated] }
      : i === 1
        ? {
            ...n,
            unschedulable: true,
            taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
          }
        : i === 2
          ? {
              ...n,
              ready: false,
              taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }],
            }
          : n,
  );
  const nodes = [...model.nodes.values()];
  const plain = agent();
  assert.deepEqual(
    nodes.slice(0, 4).map(n => runsOn(plain.pod!, n)),
    [false, true, true, true],
    'only the dedicated taint is not tolerated (AddOrUpdateDaemonPodTolerations adds the rest)',
  );
  const tolerant = agent({
    pod: aPodShape({ tolerations: [{ key: 'dedicated', operator: 'Exists' }] }),
  });
  assert.equal(runsOn(tolerant.pod!, nodes[0]!), true);
  assert.deepEqual(daemonSetNodes(model, undefined, plain), { current: 0, desired: 9, both: 0 });
  const onlyA = agent({
    pod: aPodShape({ nodeSelector: { 'topology.kubernetes.io/zone': 'zone-a' } }),
  });
  assert.equal(daemonSetNodes(model, undefined, onlyA).desired, 4);
});

test("a maxSurge rollout holds the old pod's address beside the new one on the surge nodes", () => {
  const model = cluster(50, 10, 2000, { WARM_IP_TARGET: '2' });
  const current = agent();
  // The 100 nodes run the old pod already: 11 pool pods each.
  const withPods = cluster(50, 11, 2000, { WARM_IP_TARGET: '2' });
  const noSurge = judge(withPods, agent({ templateKey: 'v2' }), current);
  assert.equal(noSurge.sim.peak.change, 'rollout');
  assert.equal(
    noSurge.sim.ipsRequired,
    0,
    'maxSurge 0: each old pod stops before its new one starts',
  );
  const surge = judge(
    withPods,
    agent({
      templateKey: 'v2',
      daemonSetStrategy: { type: 'RollingUpdate', maxSurge: '10%', maxUnavailable: 0 },
    }),
    current,
  );
  assert.equal(surge.sim.peak.peakPods, 110);
  assert.equal(
    surge.sim.ipsRequired,
    10,
    '10 nodes run two pods for a while, one address more each',
  );
  assert.ok(model.nodes.size === 100);
});

test('a DaemonSet that changes from hostNetwork to the pod network takes an address on every node', () => {
  const model = cluster(20, 10, 2000, { WARM_IP_TARGET: '2' });
  const current = agent({ pod: aPodShape({ network: 'host' }) });
  const d = judge(model, agent({ templateKey: 'v2' }), current);
  assert.equal(d.sim.peak.change, 'rollout');
  assert.equal(d.sim.deltaPods, 0);
  assert.equal(d.sim.ipsRequired, 40);
});
