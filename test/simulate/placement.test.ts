import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/simulate/simulate.js';
import { placeOnExisting } from '../../src/simulate/placement.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import type { Node, PodRecord, Workload } from '../../src/cluster/model.js';
import {
  GiB,
  aCluster,
  aDaemonSet,
  aNode,
  aPod,
  aPodShape,
  aSubnet,
  aWorkload,
  type ClusterSpec,
} from '../helpers/builders.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const subnet = aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: 200 });
const noRequests = aPodShape({
  requests: { cpuMilli: 0, memoryBytes: 0 },
  scoreRequests: { cpuMilli: 100, memoryBytes: 200 * 1024 ** 2 },
});

/** m5.large nodes of group `apps` as a kubelet with this max pods reports them. */
function m5Large(count: number, maxPods: number, extra: Partial<Node> = {}): Node[] {
  return Array.from({ length: count }, (_, i) =>
    aNode({
      ip: `10.0.1.${10 + i}`,
      zone: 'zone-a',
      instanceType: 'm5.large',
      allocatable: { cpuMilli: 1930, memoryBytes: 7 * GiB, pods: maxPods },
      maxPods,
      ...extra,
    }),
  );
}

/** aws-node and kube-proxy on the host network, as on every EKS node. */
const hostPods = (nodes: Node[]): PodRecord[] =>
  nodes.flatMap(n => [
    aPod(n.name, { network: 'host', name: `aws-node-${n.name}` }),
    aPod(n.name, { network: 'host', name: `kube-proxy-${n.name}` }),
  ]);

function create(spec: ClusterSpec, replicas: number, pod = noRequests, cniEnv = {}) {
  // New nodes run aws-node (added by aCluster) and kube-proxy on the host network.
  const kubeProxy = aDaemonSet('kube-proxy', {
    network: 'host',
    requests: { cpuMilli: 100, memoryBytes: 0 },
  });
  const model = aCluster({ subnets: [subnet], cniEnv, daemonSets: [kubeProxy], ...spec });
  const desired: Workload = aWorkload({ kind: 'Deployment', name: 'web', replicas, pod });
  return simulate({
    model,
    change: { desired, replicaSets: [], nowMs: NOW },
    book: new AddressBook(),
  });
}

test('maxPods 110 on m5.large: the scheduler fills the pod slots, the ENIs serve 27 pods per node', () => {
  const nodes = m5Large(2, 110);
  const sim = create({ nodes, pods: hostPods(nodes) }, 100);
  // 108 free slots per node: all 100 pods stay on the two nodes, 50 each; 27 of each node's get an address.
  assert.equal(sim.podsOnExisting, 100);
  assert.equal(sim.newNodes, 0);
  assert.equal(sim.unservedPods, 46);
  assert.deepEqual(
    sim.unserved.map(b => [
      b.group,
      b.cause.reason,
      b.cause.podsServed,
      b.cause.eniMaxPods,
      b.nodes,
    ]),
    [['apps', 'max-pods', 27, 29, 2]],
  );
});

test('max pods matching the ENIs: the same pods go Pending and the autoscaler adds nodes, all served', () => {
  const nodes = m5Large(2, 29);
  const sim = create({ nodes, pods: hostPods(nodes) }, 100);
  // 27 slots per node; 46 pods wait for new m5.large nodes of 27 each.
  assert.equal(sim.podsOnExisting, 54);
  assert.equal(sim.newNodes, 2);
  assert.equal(sim.unservedPods, 0);
});

test('new nodes of a group with maxPods 110 leave the pods past the ENI capacity without an address too', () => {
  const nodes = m5Large(1, 110);
  // 1930m allocatable: the host pods' 200m and this 1700m leave 30m.
  const full = aPod(nodes[0]!.name, { requests: { cpuMilli: 1700, memoryBytes: GiB } });
  const pod = aPodShape({ requests: { cpuMilli: 10, memoryBytes: 10 * 1024 ** 2 } });
  const sim = create({ nodes, pods: [...hostPods(nodes), full] }, 60, pod);
  // The existing node has 30m left: 3 pods. 57 go to one new node (108 slots beside aws-node and
  // kube-proxy), of which the CNI serves 27.
  assert.equal(sim.podsOnExisting, 3);
  assert.equal(sim.newNodes, 1);
  const onNew = sim.unserved.find(b => b.newNodes);
  assert.equal(onNew?.pods, 57 - 27);
  assert.equal(onNew?.cause.reason, 'max-pods');
});

test('a cordoned node takes only pods that tolerate node.kubernetes.io/unschedulable; a NotReady one none', () => {
  const [cordoned] = m5Large(1, 29, { unschedulable: true });
  const [notReady] = m5Large(1, 29, { ready: false, name: 'not-ready' });
  const model = aCluster({ subnets: [subnet], nodes: [cordoned!, notReady!] });
  const req = (pod = noRequests) => ({
    model,
    pod,
    pods: 5,
    cni: model.cni,
    book: new AddressBook(),
    workload: 'Deployment/shop/web',
  });
  assert.equal(placeOnExisting(req()).placed, 0);
  const tolerant = aPodShape({
    ...noRequests,
    tolerations: [
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ],
  });
  const r = placeOnExisting(req(tolerant));
  assert.deepEqual(
    r.existing.map(e => [e.node.name, e.pods]),
    [[cordoned!.name, 5]],
  );
  assert.equal(r.unschedulable, 0);
});

test('pods without requests spread over equal nodes instead of piling onto the first', () => {
  const nodes = m5Large(4, 110);
  const model = aCluster({ subnets: [subnet], nodes, pods: hostPods(nodes) });
  const r = placeOnExisting({
    model,
    pod: noRequests,
    pods: 40,
    cni: model.cni,
    book: new AddressBook(),
    workload: 'Deployment/shop/web',
  });
  assert.deepEqual(
    r.existing.map(e => e.pods),
    [10, 10, 10, 10],
  );
});

test('least allocated first: the emptier node takes pods until the scores meet', () => {
  const [busy, idle] = m5Large(2, 110);
  const model = aCluster({
    subnets: [subnet],
    nodes: [busy!, idle!],
    pods: [aPod(busy!.name, { requests: { cpuMilli: 1000, memoryBytes: 3 * GiB } })],
  });
  const pod = aPodShape({ requests: { cpuMilli: 100, memoryBytes: 300 * 1024 ** 2 } });
  const r = placeOnExisting({
    model,
    pod,
    pods: 10,
    cni: model.cni,
    book: new AddressBook(),
    workload: 'Deployment/shop/web',
  });
  const on = new Map(r.existing.map(e => [e.node.name, e.pods]));
  assert.equal(on.get(idle!.name), 10, 'after 10 pods the idle node is still the less allocated');
  assert.equal(on.get(busy!.name), undefined);
});

test('candidates cached for one node map follow the NodeClaims and the workload nodes of each model', () => {
  const [launching] = m5Large(1, 29, { ready: false, name: 'launching' });
  const [ready] = m5Large(1, 29, { name: 'ready' });
  const base = aCluster({ subnets: [subnet], nodes: [launching!, ready!] });
  const onePerNode = aPodShape({ ...noRequests, onePerNode: true });
  const req = (model: typeof base) => ({
    model,
    pod: onePerNode,
    pods: 2,
    cni: model.cni,
    book: new AddressBook(),
    workload: 'Deployment/shop/web',
  });
  const names = (model: typeof base) => placeOnExisting(req(model)).existing.map(e => e.node.name);
  assert.deepEqual(names(base), ['ready']);
  // Same node map: a NodeClaim says the not-ready node is still launching, so it counts as ready.
  const claimed = {
    ...base,
    nodeClaims: [
      {
        name: 'claim-1',
        nodeName: 'launching',
        capacity: { cpuMilli: 2000, memoryBytes: 8 * 2 ** 30 },
      },
    ],
  };
  assert.deepEqual(names(claimed), ['launching', 'ready']);
  // Same node map: the workload now runs on `ready`, which its anti-affinity leaves out.
  const running = {
    ...claimed,
    workloadNodes: new Map([['Deployment/shop/web', new Map([['ready', 1]])]]),
  };
  assert.deepEqual(names(running), ['launching']);
  assert.deepEqual(names(base), ['ready']);
});

test('a new node map judges again only the nodes that are new objects, and finds what a fresh scan finds', () => {
  const pod = aPodShape({ requests: { cpuMilli: 500, memoryBytes: GiB } });
  const nodes = m5Large(3, 29);
  const base = aCluster({ subnets: [subnet], nodes });
  const req = (model: typeof base) => ({
    model,
    pod,
    pods: 9,
    cni: model.cni,
    book: new AddressBook(),
    workload: 'Deployment/shop/web',
  });
  const placed = (model: typeof base) =>
    placeOnExisting(req(model)).existing.map(e => `${e.node.name}:${e.pods}`);
  const fresh = (model: typeof base) => ({
    ...model,
    nodes: new Map([...model.nodes].map(([k, n]) => [k, { ...n, usage: { ...n.usage } }])),
  });
  assert.deepEqual(
    placed(base),
    nodes.map(n => `${n.name}:3`),
  );
  // A pod event: the second node is a new object, nearly full; the other two are the same objects.
  const [, second] = nodes;
  const next = {
    ...base,
    nodes: new Map(base.nodes).set(second!.name, {
      ...second!,
      usage: { ...second!.usage, cpuMilli: 1000 },
    }),
  };
  assert.deepEqual(placed(next), placed(fresh(next)));
  assert.ok(placed(next).includes(`${second!.name}:1`), 'the fuller node takes one pod');
  assert.notDeepEqual(placed(next), placed(base), 'the new object was judged again');
  // The same node objects under new NodeClaims that say one of them is still launching: judged again.
  const [notReady] = m5Large(1, 29, { ready: false, name: 'not-ready' });
  const withNotReady = aCluster({ subnets: [subnet], nodes: [...nodes, notReady!] });
  assert.deepEqual(placed(withNotReady), placed(base));
  const claimed = {
    ...withNotReady,
    nodes: new Map(withNotReady.nodes),
    nodeClaims: [
      {
        name: 'claim-1',
        nodeName: 'not-ready',
        capacity: { cpuMilli: 2000, memoryBytes: 8 * GiB },
      },
    ],
  };
  assert.ok(
    placed(claimed).some(p => p.startsWith('not-ready:')),
    placed(claimed).join(' '),
  );
  assert.deepEqual(placed(claimed), placed(fresh(claimed)));
});
