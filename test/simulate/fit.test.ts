import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodShape, SelectorOperator } from '../../src/cluster/model.js';
import { matchesNode } from '../../src/simulate/fit.js';

function pod(key: string, operator: SelectorOperator): PodShape {
  return {
    requests: { cpuMilli: 100, memoryBytes: 1 },
    network: 'pool',
    nodeSelector: {},
    requiredNodeTerms: [[{ key, operator, values: [] }]],
    tolerations: [],
    onePerNode: false,
    labels: {},
  };
}

// Valid label keys that are also the names of Object.prototype's members.
for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
  test(`node affinity on a label named ${key}: a node without it does not have it`, () => {
    const bare = { name: 'n', labels: { zone: 'a' }, taints: [] };
    assert.equal(matchesNode(pod(key, 'Exists'), bare), false);
    assert.equal(matchesNode(pod(key, 'DoesNotExist'), bare), true);
    const labelled = {
      name: 'n',
      labels: JSON.parse(`{"${key}":"x"}`) as Record<string, string>,
      taints: [],
    };
    assert.equal(matchesNode(pod(key, 'Exists'), labelled), true);
    assert.equal(matchesNode(pod(key, 'DoesNotExist'), labelled), false);
  });
}
