import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InstanceCatalog, withBuiltinTypes } from '../../src/cni/instance-catalog.js';
import type { InstanceLimits } from '../../src/cni/instance-limits.js';

const builtin = new Map<string, InstanceLimits>([
  ['m5.large', { instanceType: 'm5.large', maxEnis: 3, ipv4PerEni: 10, vcpus: 2 }],
  ['c5.xlarge', { instanceType: 'c5.xlarge', maxEnis: 4, ipv4PerEni: 15, vcpus: 4 }],
]);
const described = new Map<string, InstanceLimits>([
  ['m5.large', { instanceType: 'm5.large', maxEnis: 3, ipv4PerEni: 10, vcpus: 2, memoryMiB: 8192 }],
  ['x9.custom', { instanceType: 'x9.custom', maxEnis: 2, ipv4PerEni: 4 }],
]);
const catalog = new InstanceCatalog(described, builtin);

test('what EC2 or a file describes wins over the table; the table fills in the rest', () => {
  assert.equal(catalog.get('m5.large')?.memoryMiB, 8192);
  assert.equal(catalog.get('c5.xlarge')?.maxEnis, 4);
  assert.equal(catalog.get('x9.custom')?.ipv4PerEni, 4);
});

test('a type in neither is absent, so callers can name it', () => {
  assert.equal(catalog.get('z9.nothing'), undefined);
  assert.equal(catalog.has('z9.nothing'), false);
});

test('it iterates as one map: each type once, the described one where both have it', () => {
  assert.equal(catalog.size, 3);
  assert.deepStrictEqual([...catalog.keys()].sort(), ['c5.xlarge', 'm5.large', 'x9.custom']);
  assert.equal(new Map(catalog).get('m5.large')?.memoryMiB, 8192);
  let seen = 0;
  catalog.forEach(() => (seen += 1));
  assert.equal(seen, 3);
  assert.equal(catalog.described, described);
});

test('layering twice changes nothing', () => {
  const once = withBuiltinTypes(described);
  assert.equal(withBuiltinTypes(once), once);
  assert.ok(once.has('m5.large') && once.has('x9.custom'));
});
