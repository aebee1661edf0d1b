import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { simulate, type Simulation } from '../../src/simulate/simulate.js';
import { trackedDemand } from '../../src/simulate/placement.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import type { ClusterModel, EniHoldings, Subnet, Workload } from '../../src/cluster/model.js';
import {
  GiB,
  aCluster,
  aDaemonSet,
  aNode,
  aPod,
  aPodShape,
  aSubnet,
  aWorkload,
} from '../helpers/builders.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const ZONES = ['zone-a', 'zone-b'];
const CNI_TAG = 'kubernetes.io/role/cni';

const nodeArb = fc.record({
  zone: fc.integer({ min: 0, max: 1 }),
  // A node outside every subnet listed, or of a type nothing describes, cannot be counted.
  inSubnet: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, fc.constant(false)),
  instanceType: fc.oneof(
    { weight: 15, arbitrary: fc.constantFrom('m5.large', 'm5.2xlarge') },
    fc.constant('x9.unknown'),
  ),
  usedCpu: fc.integer({ min: 0, max: 3000 }),
  pods: fc.integer({ min: 0, max: 25 }),
  maxPods: fc.constantFrom(29, 58, 110),
  held: fc.option(fc.integer({ min: 1, max: 60 }), { freq: 3 }),
});

const clusterArb = fc.record({
  nodes: fc.array(nodeArb, { minLength: 2, maxLength: 10 }),
  // Per zone: a tagged pod subnet that subnet discovery may send new ENIs to, and the node subnet's tag.
  podSubnet: fc.array(
    fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, fc.integer({ min: 0, max: 400 })),
    { minLength: 2, maxLength: 2 },
  ),
  nodeSubnetTag: fc.array(fc.constantFrom(undefined, '0', '1'), { minLength: 2, maxLength: 2 }),
  free: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 2, maxLength: 2 }),
  cni: fc.oneof(
    fc.constant({}),
    fc.constant({ ENABLE_SUBNET_DISCOVERY: 'false' }),
    fc.record({
      WARM_IP_TARGET: fc.constantFrom('1', '3'),
      MINIMUM_IP_TARGET: fc.constantFrom('0', '8'),
    }),
    fc.constant({ ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' }),
    fc.constant({ AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' }),
  ),
  cpu: fc.integer({ min: 0, max: 200 }),
});

type ClusterArb = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

/** The same cluster, built anew each time: its own node map, so no cache is shared between builds. */
function build(c: ClusterArb): ClusterModel {
  const subnets: Subnet[] = ZONES.flatMap((zone, z) => {
    const tag = c.nodeSubnetTag[z];
    const pods = c.podSubnet[z];
    return [
      aSubnet({
        id: `subnet-node-${z}`,
        zone,
        cidr: `10.0.${z}.0/24`,
        vpcId: 'vpc-1',
        availableIps: c.free[z] ?? 0,
        tags: tag === undefined ? {} : { [CNI_TAG]: tag },
      }),
      ...(pods === null || pods === undefined
        ? []
        : [
            aSubnet({
              id: `subnet-pods-${z}`,
              zone,
              cidr: `100.64.${z}.0/24`,
              vpcId: 'vpc-1',
              availableIps: pods,
              tags: { [CNI_TAG]: '1' },
            }),
          ]),
    ];
  });
  const nodes = c.nodes.map((n, i) =>
    aNode({
      name: `node-${String(i).padStart(2, '0')}`,
      ip: n.inSubnet ? `10.0.${n.zone}.${10 + i}` : `10.9.${n.zone}.${10 + i}`,
      zone: ZONES[n.zone] ?? 'zone-a',
      instanceType: n.instanceType,
      allocatable: { cpuMilli: 7910, memoryBytes: 30 * GiB, pods: n.maxPods },
      maxPods: n.maxPods,
    }),
  );
  const pods = c.nodes.flatMap((n, i) => {
    const node = nodes[i]!;
    return [
      aPod(node.name, { name: `big-${i}`, requests: { cpuMilli: n.usedCpu, memoryBytes: GiB } }),
      ...Array.from({ length: n.pods }, (_, j) =>
        aPod(node.name, { name: `p-${i}-${j}`, requests: { cpuMilli: 0, memoryBytes: 0 } }),
      ),
    ];
  });
  const model = aCluster({
    nodes,
    pods,
    subnets,
    cniEnv: c.cni,
    daemonSets: [aDaemonSet('agent')],
  });
  const holdings = new Map<string, EniHoldings>();
  c.nodes.forEach((n, i) => {
    if (n.held === null) return;
    const subnet = `subnet-node-${n.zone}`;
    holdings.set(nodes[i]!.name, {
      enis: 1,
      poolIps: n.held - 1,
      prefixes: 0,
      branchEnis: 0,
      ips: n.held,
      bySubnet: { [subnet]: n.held },
    });
  });
  return holdings.size > 0 ? { ...model, holdings } : model;
}

const web = (cpu: number, replicas: number): Workload =>
  aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas,
    pod: aPodShape({ requests: { cpuMilli: cpu, memoryBytes: 64 * 1024 ** 2 } }),
  });

function scale(model: ClusterModel, cpu: number, to: number): Simulation {
  return simulate({
    model,
    change: { current: web(cpu, 0), desired: web(cpu, to), replicaSets: [], nowMs: NOW },
    book: new AddressBook(),
  });
}

test('property: replica counts read off the demand track equal each count worked out in full', () => {
  let tracked = 0;
  let longTracked = 0;
  fc.assert(
    fc.property(
      clusterArb,
      // Past 64 picks too: the sums are kept every 64 picks and replayed from there.
      fc.array(fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 61, max: 200 })), {
        minLength: 2,
        maxLength: 8,
      }),
      (c, counts) => {
        const kept = build(c);
        for (const to of counts) {
          const pod = aPodShape({ requests: { cpuMilli: c.cpu, memoryBytes: 64 * 1024 ** 2 } });
          const req = {
            model: kept,
            pod,
            pods: to,
            cni: kept.cni,
            book: new AddressBook(),
            workload: 'Deployment/shop/web',
          };
          if (trackedDemand(req) !== undefined) {
            tracked += 1;
            if (to > 64) longTracked += 1;
          }
          // On the kept model every count after the first distinct one may come from the track; on a
          // fresh build each is the first asked, so counted in full.
          assert.deepEqual(scale(kept, c.cpu, to), scale(build(c), c.cpu, to), `${to} replicas`);
        }
      },
    ),
    { numRuns: 1000 },
  );
  assert.ok(tracked > 300, `the runs used the track (${tracked} times)`);
  assert.ok(longTracked > 40, `past the first 64 picks (${longTracked} times)`);
});

/** One zone, one node subnet, `n` nodes with room for every count asked. */
function roomy(cniEnv: Record<string, string> = {}, subnets?: Subnet[]): ClusterModel {
  const nodes = Array.from({ length: 4 }, (_, i) =>
    aNode({ name: `node-${i}`, ip: `10.0.0.${10 + i}`, zone: 'zone-a' }),
  );
  return aCluster({
    nodes,
    subnets: subnets ?? [
      aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.0.0/24', vpcId: 'vpc-1' }),
    ],
    cniEnv,
  });
}

function ask(model: ClusterModel, pods: number, o: { spread?: boolean; cni?: boolean } = {}) {
  const pod = aPodShape({
    requests: { cpuMilli: 100, memoryBytes: GiB },
    ...(o.spread && {
      spread: [
        {
          topologyKey: 'topology.kubernetes.io/zone',
          maxSkew: 1,
          minDomains: 1,
          matchLabelKeys: [],
          nodeAffinityPolicy: 'Honor' as const,
          nodeTaintsPolicy: 'Ignore' as const,
        },
      ],
    }),
  });
  return trackedDemand({
    model,
    pod,
    pods,
    cni: o.cni ? { ...model.cni } : model.cni,
    book: new AddressBook(),
    workload: 'Deployment/shop/web',
  });
}

test('the track is built on the second run length asked, and reads that run', () => {
  const model = roomy();
  assert.equal(ask(model, 5), undefined, 'one run is counted in full');
  assert.equal(ask(model, 5), undefined, 'the same run again is no reason to keep a track');
  const d = ask(model, 9);
  assert.ok(d);
  assert.equal(d.existingNodesUsed, 4);
  assert.deepEqual([...d.touched], ['subnet-a']);
  assert.deepEqual(ask(model, 5)?.existingNodesUsed, 4);
  assert.deepEqual(ask(model, 2)?.existingNodesUsed, 2);
});

const notTracked: {
  name: string;
  model: () => ClusterModel;
  o?: { spread?: boolean; cni?: boolean };
}[] = [
  {
    name: 'a what-if under other CNI settings',
    model: () => roomy(),
    o: { cni: true },
  },
  { name: 'pods under topology spread', model: () => roomy(), o: { spread: true } },
  {
    name: 'nodes whose new ENIs subnet discovery may send to a tagged subnet',
    model: () =>
      roomy({}, [
        aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.0.0/24', vpcId: 'vpc-1' }),
        aSubnet({
          id: 'subnet-pods',
          zone: 'zone-a',
          cidr: '100.64.0.0/16',
          vpcId: 'vpc-1',
          tags: { [CNI_TAG]: '1' },
        }),
      ]),
  },
  {
    name: 'nodes naming an ENIConfig that does not exist',
    model: () => roomy({ AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' }),
  },
  { name: 'nodes in no subnet listed', model: () => roomy({}, []) },
];
for (const c of notTracked) {
  test(`no track for ${c.name}`, () => {
    const model = c.model();
    for (const pods of [3, 7, 9]) assert.equal(ask(model, pods, c.o), undefined);
  });
}

test('no track past what registered nodes take: the rest goes to new nodes', () => {
  const model = roomy();
  ask(model, 3);
  assert.ok(ask(model, 7));
  // 4 nodes of 58 pods each, 7,910 millicores: 100m pods fit 79 per node by CPU, so pods bound it.
  assert.equal(ask(model, 4 * 58 + 1), undefined);
});
