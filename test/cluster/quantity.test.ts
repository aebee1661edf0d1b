import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantityMilli, quantityValue } from '../../src/cluster/quantity.js';

// Expected values from k8s.io/apimachinery resource.Quantity semantics: MilliValue() and Value() round up.
const cases: { q: unknown; milli?: number; value?: number }[] = [
  { q: '500m', milli: 500, value: 1 },
  { q: '1', milli: 1000, value: 1 },
  { q: 1, milli: 1000, value: 1 },
  { q: 0.5, milli: 500, value: 1 },
  { q: '0.1', milli: 100, value: 1 },
  { q: '.5', milli: 500 },
  { q: '2.', milli: 2000 },
  { q: '1e3', value: 1000, milli: 1_000_000 },
  { q: '1E3', value: 1000 },
  { q: '1e-3', milli: 1, value: 1 },
  { q: '26Gi', value: 26 * 1024 ** 3 },
  { q: '128974848', value: 128_974_848 },
  { q: '129e6', value: 129_000_000 },
  { q: '123Mi', value: 128_974_848 },
  { q: '1.5Gi', value: 1_610_612_736 },
  { q: '100k', value: 100_000 },
  { q: '1M', value: 1_000_000 },
  { q: '1G', value: 1_000_000_000 },
  { q: '250u', milli: 1, value: 1 },
  { q: '3n', milli: 1 },
  { q: '1.0001', milli: 1001 },
  { q: '0', milli: 0, value: 0 },
  { q: '+2', milli: 2000 },
  { q: '-1', value: -1 },
  { q: ' 100m ', milli: 100 },
];
for (const c of cases) {
  test(`quantity ${JSON.stringify(c.q)}`, () => {
    if (c.milli !== undefined) assert.equal(quantityMilli(c.q), c.milli);
    if (c.value !== undefined) assert.equal(quantityValue(c.q), c.value);
  });
}

for (const bad of [
  '',
  'abc',
  '1.2.3',
  '5 Gi',
  '1K',
  '1gi',
  'm',
  '1e',
  null,
  true,
  {},
  Number.NaN,
]) {
  test(`not a quantity: ${JSON.stringify(bad)}`, () => {
    assert.equal(quantityMilli(bad), undefined);
    assert.equal(quantityValue(bad), undefined);
  });
}
