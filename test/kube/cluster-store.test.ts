import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Reader } from '../../src/cluster/reader.js';
import { KubeStore } from '../../src/kube/cluster-store.js';
import type { Sink } from '../../src/kube/reflector.js';
import { bluegreenObjects, clone } from '../helpers/examples.js';
import type { KubeObject } from '../fakes/kube-api.js';

function keyOf(o: KubeObject): string {
  return o.metadata.namespace === undefined
    ? o.metadata.name
    : `${o.metadata.namespace}/${o.metadata.name}`;
}

/** The objects of a kind, projected as a reflector would and keyed as it keys them. */
function projected<T>(sink: Sink<T>, objects: readonly KubeObject[]): Map<string, T> {
  return new Map(objects.map(o => [keyOf(o), sink.project(Reader.of(o, o.kind as string, ''))]));
}

function ofKind(kind: string): KubeObject[] {
  return bluegreenObjects().filter(o => o.kind === kind);
}

test('relists that find what the store already has move nothing, and wake nobody', () => {
  const store = new KubeStore();
  const s = store.sinks;
  let wakeUps = 0;
  store.onTopologyChange = () => (wakeUps += 1);
  s.nodes.replaceAll(projected(s.nodes, ofKind('Node')));
  s.daemonSets.replaceAll(projected(s.daemonSets, ofKind('DaemonSet')));
  s.eniConfigs.replaceAll(new Map());
  const first = store.view();
  const woken = wakeUps;

  // A CRD that is not installed is looked for again every 5 minutes; a 410 relists everything.
  for (let i = 0; i < 10; i++) {
    s.eniConfigs.replaceAll(new Map());
    s.nodes.replaceAll(projected(s.nodes, ofKind('Node')));
    s.daemonSets.replaceAll(projected(s.daemonSets, ofKind('DaemonSet')));
  }
  assert.equal(store.view(), first, 'the same view');
  assert.equal(wakeUps, woken, 'no topology change');

  // A relist that finds a node re-addressed is one.
  const nodes = ofKind('Node');
  const moved = clone(nodes[0]!);
  (moved.status as { addresses: { type: string; address: string }[] }).addresses = [
    { type: 'InternalIP', address: '10.20.1.250' },
  ];
  s.nodes.replaceAll(projected(s.nodes, [moved, ...nodes.slice(1)]));
  assert.equal(wakeUps, woken + 1);
  assert.equal(store.view().topologyVersion, first.topologyVersion + 1);

  // A relist of DaemonSets where only a DaemonSet other than aws-node changed is not.
  const sets = ofKind('DaemonSet');
  const other = sets.findIndex(d => d.metadata.name !== 'aws-node');
  const changed = clone(sets[other]!);
  (changed.metadata as { labels?: Record<string, string> }).labels = { touched: 'yes' };
  s.daemonSets.replaceAll(projected(s.daemonSets, sets.with(other, changed)));
  assert.equal(wakeUps, woken + 1);
});

test('ReplicaSets of deleted Deployments leave nothing behind in the owner index', () => {
  const store = new KubeStore();
  const s = store.sinks;
  const rs = (i: number): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${i}-abc`,
      namespace: 'shop',
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: `web-${i}`,
          uid: `u${i}`,
          controller: true,
        },
      ],
    },
    spec: { replicas: 1 },
  });
  for (let i = 0; i < 100; i++) {
    const o = rs(i);
    s.replicaSets.upsert(keyOf(o), s.replicaSets.project(Reader.of(o, 'ReplicaSet', '')));
    store.view();
  }
  assert.deepStrictEqual(store.indexSizes(), {
    replicaSetOwners: 100,
    workloadReplicaSets: 100,
    workloadNodes: 0,
  });
  for (let i = 0; i < 100; i++) {
    s.replicaSets.remove(keyOf(rs(i)));
    store.view();
  }
  assert.deepStrictEqual(store.indexSizes(), {
    replicaSetOwners: 0,
    workloadReplicaSets: 0,
    workloadNodes: 0,
  });
});

test('Karpenter objects from the informers reach the view; a node class subnet change is a topology change', async () => {
  const { ec2NodeClass, nodePool } = await import('../helpers/karpenter.js');
  const store = new KubeStore();
  const s = store.sinks;
  let wakeUps = 0;
  store.onTopologyChange = () => (wakeUps += 1);
  const empty = store.view();
  assert.deepEqual(empty.karpenter, {});
  const pool = nodePool({ name: 'apps' }) as unknown as KubeObject;
  s.nodePools.replaceAll(projected(s.nodePools, [pool]));
  const nc = ec2NodeClass('default', [{ id: 'subnet-a', zone: 'zone-a' }]) as unknown as KubeObject;
  s.ec2NodeClasses.replaceAll(projected(s.ec2NodeClasses, [nc]));
  const v = store.view();
  assert.deepEqual([...(v.karpenter.nodePools?.keys() ?? [])], ['apps']);
  assert.deepEqual(v.karpenter.ec2NodeClasses?.get('default')?.subnets, [
    { id: 'subnet-a', zone: 'zone-a' },
  ]);
  const woken = wakeUps;
  const moved = ec2NodeClass('default', [
    { id: 'subnet-b', zone: 'zone-b' },
  ]) as unknown as KubeObject;
  s.ec2NodeClasses.upsert(
    'default',
    s.ec2NodeClasses.project(Reader.of(moved, 'EC2NodeClass', '')),
  );
  assert.equal(wakeUps, woken + 1, 'EC2 must be asked about the new subnet');
  const again = store.view();
  assert.notEqual(again, v);
  assert.deepEqual(again.karpenter.ec2NodeClasses?.get('default')?.subnets, [
    { id: 'subnet-b', zone: 'zone-b' },
  ]);
});

test('StatefulSet and Job pods count for their workload on their nodes, as from files', () => {
  const store = new KubeStore();
  const s = store.sinks;
  const pod = (name: string, node: string, kind: string, owner: string): [string, KubeObject] => {
    const o: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        namespace: 'shop',
        name,
        ownerReferences: [{ apiVersion: 'apps/v1', kind, name: owner, controller: true, uid: 'u' }],
      },
      spec: { nodeName: node, containers: [{ name: 'c' }] },
      status: { phase: 'Running' },
    };
    return [`shop/${name}`, o];
  };
  s.pods.upsert(...projectedPod(s.pods, pod('db-0', 'n1', 'StatefulSet', 'db')));
  s.pods.upsert(...projectedPod(s.pods, pod('db-1', 'n2', 'StatefulSet', 'db')));
  s.pods.upsert(...projectedPod(s.pods, pod('load-x', 'n1', 'Job', 'load')));
  let view = store.view();
  assert.deepEqual(Object.fromEntries(view.workloadNodes.get('StatefulSet/shop/db') ?? []), {
    n1: 1,
    n2: 1,
  });
  assert.deepEqual(Object.fromEntries(view.workloadNodes.get('Job/shop/load') ?? []), { n1: 1 });
  s.pods.remove('shop/db-1');
  view = store.view();
  assert.deepEqual(Object.fromEntries(view.workloadNodes.get('StatefulSet/shop/db') ?? []), {
    n1: 1,
  });
  s.pods.replaceAll(new Map());
  view = store.view();
  assert.equal(view.workloadNodes.size, 0);
  assert.equal(store.indexSizes().workloadNodes, 0);
});

function projectedPod<T>(sink: Sink<T>, [key, o]: [string, KubeObject]): [string, T] {
  return [key, sink.project(Reader.of(o, 'Pod', ''))];
}
