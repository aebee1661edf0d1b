import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decide } from '../../src/policy/decide.js';
import { DEFAULT_POLICY } from '../../src/policy/config.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import type { Node } from '../../src/cluster/model.js';
import { cli, EXAMPLE } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
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

const CREATE_WITHOUT_REQUESTS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 100
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
`;

test('the bundled example: 100 pods without requests all land on existing nodes, whose frozen pools leave 36 without an address', async t => {
  const dir = tempDir(t, 'unserved');
  const file = join(dir, 'web.yaml');
  await writeFile(file, CREATE_WITHOUT_REQUESTS);
  const r = await cli(['check', '-f', file, '--snapshot', EXAMPLE, '--output', 'json']);
  assert.equal(r.code, 1, r.err);
  const res = (JSON.parse(r.out) as { results: Record<string, unknown>[] }).results[0];
  assert.ok(res);
  // The 3 system nodes (m5.large, 18 free pod slots, the lowest requests) take 18 each; their pools stay
  // at MINIMUM_IP_TARGET=13 with 7 pool pods already there: 12 of each node's new pods get no address.
  // The apps nodes take the other 46 and have room in their pools for them.
  assert.equal(res.verdict, 'deny');
  assert.equal(res.newNodes, 0);
  assert.equal(res.unservedPods, 36);
  assert.equal(res.shortfall, 0);
  const messages = res.messages as string[];
  assert.ok(messages.includes('100 pods fit on 13 existing nodes'), messages.join('\n'));
  assert.ok(
    messages.some(
      m =>
        m.startsWith(
          '36 pods on 3 existing m5.large nodes of node group system would never get an address',
        ) && m.includes('MINIMUM_IP_TARGET=13 without WARM_IP_TARGET'),
    ),
    messages.join('\n'),
  );
  const remedies = res.remedies as string[];
  assert.match(
    remedies[0] ?? '',
    /^set WARM_IP_TARGET=\d+ on aws-node beside MINIMUM_IP_TARGET=13/,
  );
  assert.ok(!remedies.some(m => m.startsWith('scale in steps')), 'no later step unfreezes a pool');
});

function maxPods110(): ReturnType<typeof aCluster> {
  const nodes: Node[] = [0, 1].map(i =>
    aNode({
      ip: `10.0.1.${10 + i}`,
      zone: 'zone-a',
      instanceType: 'm5.large',
      allocatable: { cpuMilli: 1930, memoryBytes: 7 * GiB, pods: 110 },
      maxPods: 110,
    }),
  );
  return aCluster({
    nodes,
    // aws-node and kube-proxy on the host network on every node.
    pods: nodes.flatMap(n => [
      aPod(n.name, { network: 'host', requests: { cpuMilli: 0, memoryBytes: 0 } }),
      aPod(n.name, { network: 'host', requests: { cpuMilli: 0, memoryBytes: 0 } }),
    ]),
    daemonSets: [
      aDaemonSet('kube-proxy', { network: 'host', requests: { cpuMilli: 0, memoryBytes: 0 } }),
    ],
    subnets: [aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: 200 })],
  });
}

test('maxPods above the ENI capacity denies with the group and the cause, and maxPods matching the ENIs is the fix', () => {
  const model = maxPods110();
  const desired = aWorkload({
    kind: 'Deployment',
    name: 'web',
    replicas: 80,
    pod: aPodShape({ requests: { cpuMilli: 10, memoryBytes: 16 * 1024 ** 2 } }),
  });
  const d = decide({
    model,
    change: { desired, replicaSets: [], nowMs: NOW },
    config: DEFAULT_POLICY,
    book: new AddressBook(),
  });
  assert.equal(d.verdict, 'deny');
  // 40 per node; the ENIs of an m5.large serve 27 pool pods.
  assert.equal(d.sim.unservedPods, 26);
  assert.equal(d.sim.newNodes, 0);
  assert.match(
    d.denial ?? '',
    /would leave 26 pods on nodes whose CNI never gives them an address/,
  );
  assert.match(d.denial ?? '', /max pods 110 is above the ENI capacity of m5\.large \(29 pods\)/);
  const fix = d.remedies.find(r => r.kind === 'max-pods');
  assert.match(fix?.text ?? '', /^set the kubelet's maxPods to 29 on node group apps \(now 110;/);
  assert.match(fix?.text ?? '', /the change then fits/);
  assert.ok(d.warnings.some(w => w.includes('leaves 26 pods without an address')));
});
