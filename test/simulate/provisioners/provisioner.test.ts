import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placePods } from '../../../src/simulate/placement.js';
import { AddressBook } from '../../../src/simulate/address-book.js';
import { NodeGroupProvisioner } from '../../../src/simulate/provisioners/node-groups.js';
import type {
  Provision,
  ProvisionRequest,
  Provisioner,
} from '../../../src/simulate/provisioners/provisioner.js';
import { GiB, aCluster, aNode, aPodShape, aSubnet } from '../../helpers/builders.js';

const subnetA = aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24' });
const subnetB = aSubnet({ id: 'subnet-b', zone: 'zone-b', cidr: '10.0.2.0/24' });
const big = aPodShape({ requests: { cpuMilli: 3000, memoryBytes: 4 * GiB } });

/** Records what placement hands over, and declines or accepts as told. */
class Recorder implements Provisioner {
  readonly kind = 'karpenter' as const;
  readonly asked: ProvisionRequest[] = [];
  readonly #answer: (req: ProvisionRequest) => Provision | undefined;
  constructor(answer: (req: ProvisionRequest) => Provision | undefined) {
    this.#answer = answer;
  }
  provision(req: ProvisionRequest): Provision | undefined {
    this.asked.push(req);
    return this.#answer(req);
  }
}

function cluster() {
  // Two m5.2xlarge nodes (7910m): two 3000m pods fit on each.
  return aCluster({
    nodes: [aNode({ ip: '10.0.1.10', zone: 'zone-a' }), aNode({ ip: '10.0.2.10', zone: 'zone-b' })],
    subnets: [subnetA, subnetB],
  });
}

test('placement hands only the pods existing nodes cannot take to the provisioners, in order', () => {
  const model = cluster();
  const declines = new Recorder(() => undefined);
  const accepts = new Recorder(req => ({
    kind: 'karpenter',
    nodes: [],
    unplaced: req.pods,
    notes: ['x'],
  }));
  const never = new Recorder(() => undefined);
  const p = placePods({
    model,
    pod: big,
    pods: 7,
    cni: model.cni,
    book: new AddressBook(),
    workload: 'Deployment/shop/web',
    provisioners: [declines, accepts, never],
  });
  assert.equal(
    p.existing.reduce((n, e) => n + e.pods, 0),
    4,
  );
  assert.equal(declines.asked[0]?.pods, 3);
  assert.equal(accepts.asked[0]?.pods, 3);
  assert.equal(never.asked.length, 0, 'the first provisioner that answers launches the nodes');
  assert.equal(p.provision?.kind, 'karpenter');
  assert.equal(p.unplaced, 3);
  assert.deepEqual(p.notes, ['x']);
});

test('no provisioner takes the pods: they stay Pending, said so', () => {
  const model = cluster();
  const p = placePods({
    model,
    pod: big,
    pods: 6,
    cni: model.cni,
    book: new AddressBook(),
    workload: 'Deployment/shop/web',
    provisioners: [new Recorder(() => undefined)],
  });
  assert.equal(p.provision, undefined);
  assert.equal(p.unplaced, 2);
  assert.match(p.notes[0] ?? '', /^2 pods fit no existing node .* would stay Pending$/);
});

test('node groups: new nodes copy the group and spread over its zones, one candidate type', () => {
  const model = cluster();
  const out = new NodeGroupProvisioner().provision({
    model,
    pod: big,
    pods: 5,
    cni: model.cni,
    book: new AddressBook(),
    workload: 'Deployment/shop/web',
    available: id => model.subnets.get(id)?.availableIps,
  });
  assert.ok(out);
  assert.deepEqual(
    out.nodes.map(n => [
      n.pool,
      n.zone,
      n.subnetId,
      n.workloadPods,
      n.candidates.map(c => c.instanceType),
    ]),
    [
      ['apps', 'zone-a', 'subnet-a', 2, ['m5.2xlarge']],
      ['apps', 'zone-b', 'subnet-b', 2, ['m5.2xlarge']],
      ['apps', 'zone-a', 'subnet-a', 1, ['m5.2xlarge']],
    ],
  );
  assert.equal(
    new NodeGroupProvisioner(new Set(['apps'])).provision({
      model,
      pod: big,
      pods: 5,
      cni: model.cni,
      book: new AddressBook(),
      workload: 'Deployment/shop/web',
      available: () => undefined,
    }),
    undefined,
    'a group another provisioner owns is skipped',
  );
});
