import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/report/headroom.js';
import { reportText } from '../../src/cli/report-text.js';
import { aSubnet } from '../helpers/builders.js';
import {
  awsNodeDaemonSet,
  ec2NodeClass,
  karpenterCluster,
  nodePool,
} from '../helpers/karpenter.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

test('report: runway per NodePool, scale from zero, with the likely and the worst type', () => {
  const model = karpenterCluster(
    [
      awsNodeDaemonSet(),
      nodePool({
        name: 'batch',
        requirements: [
          {
            key: 'node.kubernetes.io/instance-type',
            operator: 'In',
            values: ['m5.large', 'm5.24xlarge'],
          },
        ],
      }),
      ec2NodeClass('default', [{ id: 'subnet-a', zone: 'zone-a' }]),
    ],
    [aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: 100 })],
  );
  const report = buildReport(model, {
    nowMs: NOW,
    pod: { cpuMilli: 1000, memoryBytes: 2 * 2 ** 30 },
  });
  const p = report.nodePools[0];
  assert.ok(p);
  assert.equal(p.name, 'batch');
  assert.equal(p.nodes, 0);
  assert.deepEqual(p.subnets, ['subnet-a']);
  // 1-CPU pods pack onto m5.24xlarge (95 fit by CPU). Under WARM_ENI_TARGET=1 49 pool pods hold 2 ENIs
  // of 49 (100 addresses, all subnet-a has); the 50th needs a third ENI: 150.
  assert.equal(p.runway.instanceType, 'm5.24xlarge');
  assert.equal(p.runway.pods, 49);
  assert.equal(p.runway.worstCasePods, 49);
  assert.equal(p.runway.limitedBy?.subnetId, 'subnet-a');
  const text = reportText(report, 'test', false);
  assert.match(text, /NodePools \(Karpenter and EKS Auto Mode/);
  assert.match(text, /batch: 0 nodes; EC2NodeClass default: subnet-a in zone-a/);
  assert.match(text, /runway: \d+ more pods of 1 CPU \/ 2 GiB on likely m5\.24xlarge nodes/);
});
