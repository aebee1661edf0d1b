import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  balancedAllocationScore,
  leastAllocatedScore,
} from '../../src/simulate/scheduler-score.js';
import { EMPTY_USAGE, type NodeUsage } from '../../src/cluster/model.js';
import { aPodShape } from '../helpers/builders.js';

/** A node with these allocatable cpu (milli) and memory (bytes), and these requests bound to it. */
function node(cpu: number, mem: number, usedCpu = 0, usedMem = 0) {
  const usage: NodeUsage = {
    ...EMPTY_USAGE,
    cpuMilli: usedCpu,
    memoryBytes: usedMem,
    scoreCpuMilli: usedCpu,
    scoreMemoryBytes: usedMem,
  };
  return { allocatable: { cpuMilli: cpu, memoryBytes: mem, pods: 110 }, usage };
}
const pod = (cpu: number, mem: number) =>
  aPodShape({ requests: { cpuMilli: cpu, memoryBytes: mem } });

// Rows of kubernetes pkg/scheduler/framework/plugins/noderesources/least_allocated_test.go,
// TestLeastAllocatedScoringStrategy (defaultResources: cpu and memory, weight 1), by test name. The
// tables' "cpu: 4000" is in milli-CPU units there as here; pods without containers request nothing.
const leastAllocatedRows: {
  name: string;
  pod: [number, number];
  nodes: [number, number, number, number][];
  scores: number[];
}[] = [
  {
    name: 'nothing scheduled, nothing requested',
    pod: [0, 0],
    nodes: [
      [4000, 10000, 0, 0],
      [4000, 10000, 0, 0],
    ],
    scores: [100, 100],
  },
  {
    name: 'nothing scheduled, resources requested, differently sized nodes',
    pod: [3000, 5000],
    nodes: [
      [4000, 10000, 0, 0],
      [6000, 10000, 0, 0],
    ],
    scores: [37, 50],
  },
  {
    name: 'no resources requested, pods scheduled with resources',
    pod: [0, 0],
    nodes: [
      [10000, 20000, 6000, 0],
      [10000, 20000, 6000, 5000],
    ],
    scores: [70, 57],
  },
  {
    name: 'resources requested, pods scheduled with resources',
    pod: [3000, 5000],
    nodes: [
      [10000, 20000, 3000, 0],
      [10000, 20000, 3000, 5000],
    ],
    scores: [57, 45],
  },
  {
    name: 'resources requested, pods scheduled with resources, differently sized nodes',
    pod: [3000, 5000],
    nodes: [
      [10000, 20000, 3000, 0],
      [10000, 50000, 3000, 5000],
    ],
    scores: [57, 60],
  },
  {
    name: 'requested resources exceed node capacity',
    pod: [3000, 0],
    nodes: [
      [4000, 10000, 3000, 0],
      [4000, 10000, 3000, 5000],
    ],
    scores: [50, 25],
  },
  {
    name: 'zero node resources, pods scheduled with resources',
    pod: [0, 0],
    nodes: [
      [0, 0, 3000, 0],
      [0, 0, 3000, 5000],
    ],
    scores: [0, 0],
  },
];

for (const row of leastAllocatedRows) {
  test(`LeastAllocated: ${row.name}`, () => {
    const p = pod(...row.pod);
    assert.deepEqual(
      row.nodes.map(n => leastAllocatedScore(node(...n), p, 0)),
      row.scores,
    );
  });
}

// Rows of kubernetes noderesources/balanced_allocation_test.go, TestNodeResourcesBalancedAllocation,
// with the cpu and memory resource set; the existing pods' requests are summed into the node.
const balancedRows: typeof leastAllocatedRows = [
  {
    name: 'nothing scheduled, nothing requested, skip in PreScore',
    pod: [0, 0],
    nodes: [
      [4000, 10000, 0, 0],
      [4000, 10000, 0, 0],
    ],
    scores: [0, 0],
  },
  {
    name: 'nothing scheduled, resources requested, differently sized nodes',
    pod: [3000, 5000],
    nodes: [
      [4000, 10000, 0, 0],
      [6000, 10000, 0, 0],
    ],
    scores: [87, 100],
  },
  {
    name: 'resources requested, pods scheduled with resources',
    pod: [3000, 5000],
    nodes: [
      [10000, 20000, 3000, 0],
      [10000, 20000, 3000, 5000],
    ],
    scores: [82, 95],
  },
  {
    name: 'resources requested, pods scheduled with resources, differently sized nodes',
    pod: [3000, 5000],
    nodes: [
      [10000, 20000, 3000, 0],
      [10000, 50000, 3000, 5000],
    ],
    scores: [82, 80],
  },
  {
    name: 'requested resources at node capacity',
    pod: [3000, 0],
    nodes: [
      [6000, 10000, 3000, 0],
      [6000, 10000, 3000, 5000],
    ],
    scores: [50, 75],
  },
];

for (const row of balancedRows) {
  test(`BalancedAllocation: ${row.name}`, () => {
    const p = pod(...row.pod);
    assert.deepEqual(
      row.nodes.map(n => balancedAllocationScore(node(...n), p, 0)),
      row.scores,
    );
  });
}

test('pods without requests are scored at 100m / 200Mi each, so they spread', () => {
  // kubernetes pkg/scheduler/util/pod_resources.go: DefaultMilliCPURequest 100, DefaultMemoryRequest 200 MiB.
  const none = aPodShape({
    requests: { cpuMilli: 0, memoryBytes: 0 },
    scoreRequests: { cpuMilli: 100, memoryBytes: 200 * 1024 ** 2 },
  });
  const n = node(1000, 2000 * 1024 ** 2);
  // cpu (1000 - 100) / 1000 = 90, memory (2000 - 200) / 2000 = 90.
  assert.equal(leastAllocatedScore(n, none, 0), 90);
  // With 4 already placed: cpu 50, memory 50.
  assert.equal(leastAllocatedScore(n, none, 4), 50);
});
