import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placePods, type PlacementRequest } from '../../src/simulate/placement.js';
import { simulate } from '../../src/simulate/simulate.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import type {
  ClusterModel,
  Node,
  PodRecord,
  SpreadConstraint,
  Taint,
  Workload,
} from '../../src/cluster/model.js';
import {
  GiB,
  aCluster,
  aNode,
  aPod,
  aPodShape,
  aReplicaSet,
  aSubnet,
  aWorkload,
} from '../helpers/builders.js';
import {
  ec2NodeClass,
  karpenterCluster,
  nodePool,
  awsNodeDaemonSet,
} from '../helpers/karpenter.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const app = { app: 'web' };
const subnets = ['a', 'b', 'c'].map((z, i) =>
  aSubnet({ id: `subnet-${z}`, zone: `zone-${z}`, cidr: `10.0.${i + 1}.0/24`, availableIps: 200 }),
);

function spread(
  topologyKey: string,
  maxSkew = 1,
  o: Partial<SpreadConstraint> = {},
): SpreadConstraint {
  return {
    maxSkew,
    topologyKey,
    labelSelector: { matchLabels: app, matchExpressions: [] },
    matchLabelKeys: [],
    minDomains: 1,
    nodeAffinityPolicy: 'Honor',
    nodeTaintsPolicy: 'Ignore',
    ...o,
  };
}

const shape = (constraints?: SpreadConstraint[]) =>
  aPodShape({
    requests: { cpuMilli: 500, memoryBytes: GiB },
    labels: app,
    ...(constraints && { spread: constraints }),
  });

/** One node per zone (a, b, c), named after its zone, with its hostname label. */
function zoneNodes(o: Partial<Record<'a' | 'b' | 'c', Partial<Node>>> = {}): Node[] {
  return (['a', 'b', 'c'] as const).map((z, i) =>
    aNode({
      name: `node-${z}`,
      ip: `10.0.${i + 1}.10`,
      zone: `zone-${z}`,
      ...o[z],
      // aNode takes `labels` whole when given.
      labels: {
        'eks.amazonaws.com/nodegroup': o[z]?.nodeGroup ?? 'apps',
        [ZONE]: `zone-${z}`,
        [HOST]: `node-${z}`,
      },
    }),
  );
}

/** The Deployment `web` with pods running on the given nodes. */
function running(onNodes: string[]): {
  workload: Workload;
  pods: PodRecord[];
  rs: ReturnType<typeof aReplicaSet>;
} {
  const workload = aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas: onNodes.length,
    pod: shape(),
  });
  const rs = aReplicaSet(workload, { name: 'web-1', specReplicas: onNodes.length });
  const pods = onNodes.map(n =>
    aPod(n, {
      namespace: 'shop',
      ownerKind: 'ReplicaSet',
      ownerName: 'web-1',
      requests: { cpuMilli: 500, memoryBytes: GiB },
    }),
  );
  return { workload, pods, rs };
}

function place(
  model: ClusterModel,
  pods: number,
  constraints?: SpreadConstraint[],
  o: Partial<PlacementRequest> = {},
) {
  return placePods({
    model,
    pod: shape(constraints),
    pods,
    cni: model.cni,
    book: new AddressBook(),
    workload: 'Deployment/shop/web',
    ...o,
  });
}

const perNode = (p: ReturnType<typeof place>) =>
  Object.fromEntries(p.existing.map(e => [e.node.name, e.pods]));

test('zone spread: running pods count, new pods go where the skew allows', () => {
  const { workload, pods, rs } = running(['node-a', 'node-a']);
  const model = aCluster({
    nodes: zoneNodes(),
    pods,
    workloads: [workload],
    replicaSets: [rs],
    subnets,
  });
  // Zones 2/0/0: zone-a is out until b and c catch up (2+1-0 > 1).
  assert.deepEqual(perNode(place(model, 4, [spread(ZONE)])), { 'node-b': 2, 'node-c': 2 });
  // maxSkew 2 lets zone-a take its third pod once b and c hold one each.
  assert.deepEqual(perNode(place(model, 5, [spread(ZONE, 2)])), {
    'node-a': 1,
    'node-b': 2,
    'node-c': 2,
  });
});

test('a matchLabelKeys on pod-template-hash: a new revision does not count the running pods', () => {
  const { workload, pods, rs } = running(['node-a', 'node-a', 'node-a']);
  const model = aCluster({
    nodes: zoneNodes(),
    pods,
    workloads: [workload],
    replicaSets: [rs],
    subnets,
  });
  const c = [spread(ZONE, 1, { matchLabelKeys: ['pod-template-hash'] })];
  // Same revision (a scale): zone-a holds 3, so 3 pods go to b and c first... b 2, c 1 then a blocked.
  const scale = perNode(place(model, 3, c));
  assert.equal(scale['node-a'] ?? 0, 0);
  // A rollout: the new revision's pods spread among themselves, 1/1/1.
  assert.deepEqual(perNode(place(model, 3, c, { newRevision: true })), {
    'node-a': 1,
    'node-b': 1,
    'node-c': 1,
  });
});

test('hostname spread: a full node with none of the pods holds the minimum at 0, one pod per node', () => {
  const nodes = zoneNodes({ c: { allocatable: { cpuMilli: 100, memoryBytes: GiB, pods: 58 } } });
  const model = aCluster({ nodes, subnets });
  const p = place(model, 5, [spread(HOST)]);
  assert.deepEqual(perNode(p), { 'node-a': 1, 'node-b': 1 });
  // The rest go to new nodes of the group, one each (maxSkew above the least loaded node: 0 + 1).
  assert.equal(p.provision?.nodes.length, 3);
  assert.deepEqual(
    p.provision?.nodes.map(n => n.workloadPods),
    [1, 1, 1],
  );
});

test('zone spread and a full zone: new nodes go to that zone, and existing nodes take the rest', () => {
  // zone-c's node has no room; the group apps has nodes in all three zones.
  const nodes = zoneNodes({ c: { allocatable: { cpuMilli: 100, memoryBytes: GiB, pods: 58 } } });
  const model = aCluster({ nodes, subnets });
  const p = place(model, 10, [spread(ZONE)]);
  // a1 b1 c1(new) a2 b2 c2 a3 b3 c3 a4: zone-c's pods all on new nodes.
  assert.deepEqual(perNode(p), { 'node-a': 4, 'node-b': 3 });
  assert.deepEqual(
    p.provision?.nodes.map(n => [n.zone, n.workloadPods]),
    [['zone-c', 3]],
  );
  assert.equal(p.unplaced, 0);
  assert.ok(p.notes.some(n => /fixes the zones of new nodes' pods: 3 in zone-c/.test(n)));
  // Without the constraint the ten fit on node-a and node-b and no node is launched.
  const free = place(model, 10);
  assert.equal(free.provision, undefined);
});

test('a tainted node in a zone no provisioner reaches keeps its zone at 0: pods stay Pending, said why', () => {
  // nodeTaintsPolicy Ignore (the default): the tainted system node in zone-c is a domain with no pods.
  const taint: Taint = { key: 'dedicated', value: 'system', effect: 'NoSchedule' };
  const nodes = zoneNodes({
    c: {
      taints: [taint],
      nodeGroup: 'system',
      labels: { [HOST]: 'node-c', 'eks.amazonaws.com/nodegroup': 'system' },
    },
  });
  const model = aCluster({ nodes, subnets });
  const p = place(model, 6, [spread(ZONE)]);
  assert.deepEqual(perNode(p), { 'node-a': 1, 'node-b': 1 });
  assert.equal(p.provision, undefined);
  assert.equal(p.unplaced, 4);
  assert.match(
    p.notes.join('\n'),
    /4 pods would stay Pending: their topology spread \(topology.kubernetes.io\/zone maxSkew 1\)/,
  );
  // nodeTaintsPolicy Honor leaves the node out of the domains: zones a and b take them all.
  const honor = place(model, 6, [spread(ZONE, 1, { nodeTaintsPolicy: 'Honor' })]);
  assert.deepEqual(perNode(honor), { 'node-a': 3, 'node-b': 3 });
});

test('Karpenter: zone spread fixes the zones of new NodeClaims, which otherwise follow free addresses', () => {
  const model = karpenterCluster(
    [
      awsNodeDaemonSet(),
      nodePool({
        name: 'apps',
        requirements: [
          { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5'] },
        ],
      }),
      ec2NodeClass('default', [
        { id: 'subnet-a', zone: 'zone-a' },
        { id: 'subnet-b', zone: 'zone-b' },
      ]),
    ],
    [
      aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: 250 }),
      aSubnet({ id: 'subnet-b', zone: 'zone-b', cidr: '10.0.2.0/24', availableIps: 30 }),
    ],
  );
  const web = (constraints?: SpreadConstraint[]): Workload =>
    aWorkload({
      kind: 'Deployment',
      name: 'web',
      replicas: 4,
      pod: aPodShape({
        requests: { cpuMilli: 1000, memoryBytes: 2 * GiB },
        onePerNode: true,
        labels: app,
        ...(constraints && { spread: constraints }),
      }),
    });
  const zonesOf = (w: Workload) => {
    const sim = simulate({
      model,
      change: { desired: w, replicaSets: [], nowMs: NOW },
      book: new AddressBook(),
    });
    return sim.batches.map(b => [b.zone, b.nodes]).sort();
  };
  assert.deepEqual(zonesOf(web([spread(ZONE)])), [
    ['zone-a', 2],
    ['zone-b', 2],
  ]);
  const free = zonesOf(web());
  assert.ok(free.length >= 1);
  assert.notDeepEqual(free, [
    ['zone-a', 2],
    ['zone-b', 2],
  ]);
});

test("a StatefulSet's running pods hold its one-per-node anti-affinity and count for its spread", () => {
  const db = (replicas: number, o: Partial<Workload['pod'] & object> = {}): Workload =>
    aWorkload({
      kind: 'StatefulSet',
      name: 'db',
      replicas,
      status: { replicas: 2 },
      pod: aPodShape({
        requests: { cpuMilli: 500, memoryBytes: GiB },
        labels: { app: 'db' },
        ...o,
      }),
    });
  const pods = ['node-a', 'node-b'].map((n, i) =>
    aPod(n, { namespace: 'shop', name: `db-${i}`, ownerKind: 'StatefulSet', ownerName: 'db' }),
  );
  const run = (o: Partial<Workload['pod'] & object>) => {
    const current = db(2, o);
    const model = aCluster({ nodes: zoneNodes(), pods, workloads: [current], subnets });
    return simulate({
      model,
      change: { current, desired: db(4, o), replicaSets: [], nowMs: NOW },
      book: new AddressBook(),
    });
  };
  // db-0 and db-1 run on node-a and node-b: of the two new pods one takes node-c, one a new node.
  const anti = run({ onePerNode: true });
  assert.equal(anti.podsOnExisting, 1);
  assert.equal(anti.newNodes, 1);
  // A zone spread counts them too: zones 1/1/0, so the third pod must go to zone-c, though node-c is
  // the busiest node (a pod of 4 CPUs) and least-allocated scoring alone would pass it over.
  const busy = aPod('node-c', {
    namespace: 'other',
    requests: { cpuMilli: 4000, memoryBytes: GiB },
  });
  const model = aCluster({
    nodes: zoneNodes(),
    pods: [...pods, busy],
    workloads: [db(2)],
    subnets,
  });
  const dbPod = (constraints?: SpreadConstraint[]) =>
    aPodShape({
      requests: { cpuMilli: 500, memoryBytes: GiB },
      labels: { app: 'db' },
      ...(constraints && { spread: constraints }),
    });
  const placeDb = (constraints?: SpreadConstraint[]) =>
    placePods({
      model,
      pod: dbPod(constraints),
      pods: 2,
      cni: model.cni,
      book: new AddressBook(),
      workload: 'StatefulSet/shop/db',
    });
  const dbSpread = spread(ZONE, 1, {
    labelSelector: { matchLabels: { app: 'db' }, matchExpressions: [] },
  });
  assert.equal(perNode(placeDb([dbSpread]))['node-c'], 1);
  assert.equal(perNode(placeDb())['node-c'], undefined);
});
