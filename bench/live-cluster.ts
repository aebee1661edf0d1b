/**
 * The large cluster of the benchmark, served by the loopback fakes: the Kubernetes API (lists generated
 * page by page, never held whole) and EC2. Shared by bench/live-sync.ts and the live-state rows of
 * `npm run bench`.
 */
import { FakeEc2 } from '../test/fakes/ec2.js';
import { FakeKubeApi, type KubeObject } from '../test/fakes/kube-api.js';
import { bluegreenInstanceTypes } from '../test/helpers/examples.js';
import {
  CRON_JOBS,
  DAEMON_SETS,
  EC2_NODE_CLASSES,
  HPAS,
  JOBS,
  NAMESPACES,
  NODE_CLAIMS,
  NODE_POOLS,
  NODES,
  PODS,
  REPLICA_SETS,
  DEPLOYMENTS,
  SCALED_OBJECTS,
  STATEFUL_SETS,
} from '../src/kube/resources.js';

/** A replica change of one of the generated Deployments, through deployments/scale. */
export function scaleReview(i: number): string {
  const d = i % 500;
  const scale = (n: number): unknown => ({
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: `app-${d}`, namespace: `ns-${d % 20}` },
    spec: { replicas: n },
  });
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `bench-${i}`,
      kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      subResource: 'scale',
      name: `app-${d}`,
      namespace: `ns-${d % 20}`,
      operation: 'UPDATE',
      userInfo: { username: 'bench' },
      object: scale(300 + (i % 7)),
      oldObject: scale(300),
      dryRun: i % 2 === 0,
    },
  });
}

export interface LargeFakes {
  readonly kube: FakeKubeApi;
  readonly ec2: FakeEc2;
  readonly nodes: number;
  readonly pods: number;
  /** A pod that is not in the cluster yet, for churn. */
  readonly pod: (i: number) => KubeObject;
  close(): Promise<void>;
}

export async function startLargeClusterFakes(
  nodes: number,
  podsPerNode: number,
): Promise<LargeFakes> {
  const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
  const DEPLOYMENT_COUNT = 500;
  const SCALED_OBJECT_COUNT = 50;

  function nodeName(i: number): string {
    return `ip-10-${16 + (i % 3)}-${Math.floor(i / 3 / 250)}-${(Math.floor(i / 3) % 250) + 1}.ec2.internal`;
  }

  function nodeIp(i: number): string {
    return `10.${16 + (i % 3)}.${Math.floor(i / 3 / 250)}.${(Math.floor(i / 3) % 250) + 1}`;
  }

  function node(i: number): KubeObject {
    const zone = ZONES[i % 3] ?? 'us-east-1a';
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: nodeName(i),
        uid: `node-${i}`,
        labels: {
          'node.kubernetes.io/instance-type': 'm5.2xlarge',
          'topology.kubernetes.io/zone': zone,
          'eks.amazonaws.com/nodegroup': `group-${i % 4}`,
          'kubernetes.io/hostname': nodeName(i),
        },
      },
      spec: { providerID: `aws:///${zone}/i-${(0x1000000 + i).toString(16)}` },
      status: {
        addresses: [{ type: 'InternalIP', address: nodeIp(i) }],
        allocatable: { cpu: '7910m', memory: '31000000Ki', pods: '58' },
        capacity: { cpu: '8', memory: '32000000Ki', pods: '58' },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    };
  }

  function pod(i: number): KubeObject {
    const d = i % DEPLOYMENT_COUNT;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `app-${d}-${i}`,
        namespace: `ns-${d % 20}`,
        uid: `pod-${i}`,
        labels: { app: `app-${d}`, 'pod-template-hash': 'abc123' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: `app-${d}-abc123`,
            uid: `rs-${d}`,
            controller: true,
          },
        ],
      },
      spec: {
        nodeName: nodeName(i % nodes),
        containers: [
          {
            name: 'app',
            image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/app:v1',
            resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '256Mi' } },
            env: [{ name: 'LOG_LEVEL', value: 'info' }],
            ports: [{ containerPort: 8080, protocol: 'TCP' }],
          },
        ],
        serviceAccountName: 'default',
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
        ],
      },
      status: { phase: 'Running', podIP: '10.16.0.1', hostIP: nodeIp(i % nodes) },
    };
  }

  function deployment(d: number): KubeObject {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `app-${d}`, namespace: `ns-${d % 20}`, uid: `dep-${d}` },
      spec: {
        replicas: Math.ceil((nodes * podsPerNode) / DEPLOYMENT_COUNT),
        selector: { matchLabels: { app: `app-${d}` } },
        template: {
          metadata: { labels: { app: `app-${d}` } },
          spec: {
            containers: [
              { name: 'app', resources: { requests: { cpu: '100m', memory: '256Mi' } } },
            ],
          },
        },
      },
      status: { replicas: Math.ceil((nodes * podsPerNode) / DEPLOYMENT_COUNT) },
    };
  }

  function replicaSet(d: number): KubeObject {
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `app-${d}-abc123`,
        namespace: `ns-${d % 20}`,
        labels: { 'pod-template-hash': 'abc123' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: `app-${d}`,
            uid: `dep-${d}`,
            controller: true,
          },
        ],
      },
      spec: { replicas: 300 },
      status: { replicas: 300 },
    };
  }

  const kube = await FakeKubeApi.start();
  kube.generate(NODES, nodes, node);
  kube.generate(PODS, nodes * podsPerNode, pod);
  kube.generate(DEPLOYMENTS, DEPLOYMENT_COUNT, deployment);
  kube.generate(REPLICA_SETS, DEPLOYMENT_COUNT, replicaSet);
  kube.generate(NAMESPACES, 20, i => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: `ns-${i}` },
  }));
  // aws-node, and the agents every node runs beside it (their pods are not among the generated ones).
  const agents = [
    { name: 'kube-proxy', host: true, cpu: '100m' },
    { name: 'ebs-csi-node', host: false, cpu: '30m' },
    { name: 'fluent-bit', host: false, cpu: '100m' },
  ];
  kube.generate(DAEMON_SETS, 1 + agents.length, i => {
    if (i > 0) {
      const a = agents[i - 1] ?? agents[0]!;
      return {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: a.name, namespace: 'kube-system', uid: `ds-${i}` },
        spec: {
          selector: { matchLabels: { app: a.name } },
          template: {
            metadata: { labels: { app: a.name } },
            spec: {
              ...(a.host && { hostNetwork: true }),
              tolerations: [{ operator: 'Exists' }],
              containers: [{ name: a.name, resources: { requests: { cpu: a.cpu } } }],
            },
          },
        },
      };
    }
    return {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'aws-node', namespace: 'kube-system' },
      spec: {
        template: {
          spec: {
            hostNetwork: true,
            containers: [
              {
                name: 'aws-node',
                env: [
                  { name: 'WARM_IP_TARGET', value: '5' },
                  { name: 'VPC_ID', value: 'vpc-1' },
                ],
              },
            ],
          },
        },
      },
    };
  });
  // The other kinds a large cluster holds: StatefulSets, CronJobs and the Jobs their runs leave behind
  // (successfulJobsHistoryLimit 3 each, plus one-off Jobs), HPAs on the Deployments.
  const template = {
    metadata: {
      labels: { app: 'batch' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': 'x' },
    },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'task',
          image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/task:v1',
          resources: { requests: { cpu: '500m', memory: '1Gi' } },
          env: [{ name: 'LOG_LEVEL', value: 'info' }],
        },
      ],
    },
  };
  kube.generate(STATEFUL_SETS, 200, i => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: `db-${i}`, namespace: `ns-${i % 20}`, uid: `sts-${i}` },
    spec: { replicas: 3, serviceName: `db-${i}`, template },
    status: { replicas: 3 },
  }));
  kube.generate(CRON_JOBS, 500, i => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: `cron-${i}`, namespace: `ns-${i % 20}`, uid: `cron-${i}` },
    spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } },
  }));
  kube.generate(JOBS, 5000, i => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `cron-${i % 500}-${29000000 + i}`,
      namespace: `ns-${i % 20}`,
      uid: `job-${i}`,
      labels: { 'batch.kubernetes.io/job-name': `cron-${i % 500}-${29000000 + i}` },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: `cron-${i % 500}`,
          uid: `cron-${i % 500}`,
          controller: true,
        },
      ],
    },
    spec: { parallelism: 1, completions: 1, template },
    status: { succeeded: 1 },
  }));
  // The last Deployments scale by KEDA below instead.
  kube.generate(HPAS, DEPLOYMENT_COUNT - SCALED_OBJECT_COUNT, d => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: `app-${d}`, namespace: `ns-${d % 20}`, uid: `hpa-${d}` },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `app-${d}` },
      minReplicas: 2,
      maxReplicas: 600,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
  }));
  // KEDA on the last Deployments, and Karpenter beside the node groups:
  // NodePools on one node class, and the NodeClaims of nodes on their way.
  kube.generate(SCALED_OBJECTS, SCALED_OBJECT_COUNT, i => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: `queue-${i}`, namespace: `ns-${i % 20}`, uid: `so-${i}` },
    spec: {
      scaleTargetRef: { name: `app-${DEPLOYMENT_COUNT - 1 - i}` },
      minReplicaCount: 1,
      maxReplicaCount: 400,
      triggers: [{ type: 'aws-sqs-queue', metadata: { queueLength: '5' } }],
    },
  }));
  kube.generate(EC2_NODE_CLASSES, 1, () => ({
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name: 'default', uid: 'nc-0' },
    spec: { amiSelectorTerms: [{ alias: 'al2023@latest' }], role: 'KarpenterNodeRole' },
    status: { subnets: ZONES.map((zone, z) => ({ id: `subnet-${z}`, zone })) },
  }));
  kube.generate(NODE_POOLS, 4, i => ({
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: `pool-${i}`, uid: `np-${i}` },
    spec: {
      weight: 10 * i,
      limits: { cpu: '4000' },
      template: {
        metadata: { labels: { pool: `pool-${i}` } },
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
          requirements: [
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.2xlarge'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
          ],
          // Only pods that ask for a pool land on one: the node groups keep the rest.
          taints: [{ key: 'pool', value: `pool-${i}`, effect: 'NoSchedule' }],
        },
      },
    },
  }));
  kube.generate(NODE_CLAIMS, 40, i => ({
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodeClaim',
    metadata: {
      name: `pool-${i % 4}-${i}`,
      uid: `claim-${i}`,
      labels: {
        'karpenter.sh/nodepool': `pool-${i % 4}`,
        'node.kubernetes.io/instance-type': 'm5.2xlarge',
        'topology.kubernetes.io/zone': ZONES[i % 3] ?? 'us-east-1a',
      },
    },
    spec: {
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
    },
    status: { capacity: { cpu: '8', memory: '32Gi', pods: '58' } },
  }));
  const ec2 = await FakeEc2.start();
  ec2.load(bluegreenInstanceTypes());
  ec2.load({
    Subnets: ZONES.map((zone, z) => ({
      SubnetId: `subnet-${z}`,
      VpcId: 'vpc-1',
      CidrBlock: `10.${16 + z}.0.0/16`,
      AvailabilityZone: zone,
      AvailableIpAddressCount: 20_000,
      Tags: [],
    })),
  });
  return {
    kube,
    ec2,
    nodes,
    pods: nodes * podsPerNode,
    pod,
    async close() {
      await kube.close();
      await ec2.close();
    },
  };
}
