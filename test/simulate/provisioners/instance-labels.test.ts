import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instanceLabels } from '../../../src/simulate/provisioners/instance-labels.js';
import { M5_2XLARGE } from '../../helpers/builders.js';

test('labels asked again for the same limits are the same, and follow the name they are asked for', () => {
  const first = instanceLabels('m5.2xlarge', M5_2XLARGE);
  assert.equal(instanceLabels('m5.2xlarge', M5_2XLARGE), first);
  assert.equal(first.get('karpenter.k8s.aws/instance-family'), 'm5');
  assert.equal(first.get('karpenter.k8s.aws/instance-size'), '2xlarge');
  assert.equal(first.get('karpenter.k8s.aws/instance-cpu'), '8');
  // One limits object listed under another name (a described type and its table row alike).
  const other = instanceLabels('m5d.2xlarge', M5_2XLARGE);
  assert.equal(other.get('node.kubernetes.io/instance-type'), 'm5d.2xlarge');
  assert.equal(other.get('karpenter.k8s.aws/instance-family'), 'm5d');
  assert.equal(
    instanceLabels('m5.2xlarge', M5_2XLARGE).get('karpenter.k8s.aws/instance-family'),
    'm5',
  );
});

test('Auto Mode labels and plain labels of one limits object are kept apart', () => {
  const plain = instanceLabels('m5.2xlarge', M5_2XLARGE);
  const auto = instanceLabels('m5.2xlarge', M5_2XLARGE, true);
  assert.notEqual(plain, auto);
  assert.equal(auto.get('eks.amazonaws.com/instance-family'), 'm5');
  assert.equal(plain.get('eks.amazonaws.com/instance-family'), undefined);
  assert.equal(instanceLabels('m5.2xlarge', M5_2XLARGE), plain);
  assert.equal(instanceLabels('m5.2xlarge', M5_2XLARGE, true), auto);
});
