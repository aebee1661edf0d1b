import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
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

/** Exact value, rounded up, the slow way (a BigInt of every digit): the reference for the fast parse. */
function reference(text: string, scale: 1n | 1000n): number | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const [, sign = '', whole = '', frac = '', suffix = ''] = m;
  const shifts: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
  const exps: Record<string, number> = {
    n: -9,
    u: -6,
    m: -3,
    '': 0,
    k: 3,
    M: 6,
    G: 9,
    T: 12,
    P: 15,
    E: 18,
  };
  let num = BigInt(`${whole}${frac}` || '0') << (shifts[suffix] ?? 0n);
  let den = 10n ** BigInt(frac.length);
  const e = shifts[suffix] !== undefined ? 0 : (exps[suffix] ?? Number(suffix.slice(1)));
  if (e >= 0) num *= 10n ** BigInt(e);
  else den *= 10n ** BigInt(-e);
  const cap = (1n << 63n) - 1n;
  if (num > cap * den) [num, den] = [cap, 1n];
  num *= scale;
  const q = num / den;
  const up = num % den === 0n ? q : q + 1n;
  return Number(sign === '-' ? -q : up);
}

test('quantities of any length parse to the exact value, rounded up and capped at MaxInt64 units', () => {
  const digit = fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
  const text = fc
    .record({
      sign: fc.constantFrom('', '+', '-'),
      whole: fc.string({ unit: digit, maxLength: 40 }),
      frac: fc.option(fc.string({ unit: digit, maxLength: 40 }), { nil: undefined }),
      suffix: fc.constantFrom(
        '',
        'm',
        'n',
        'u',
        'k',
        'M',
        'E',
        'Ki',
        'Mi',
        'Ei',
        'e3',
        'e-7',
        'E+18',
        'e-30',
      ),
    })
    .map(p => `${p.sign}${p.whole}${p.frac === undefined ? '' : `.${p.frac}`}${p.suffix}`);
  fc.assert(
    fc.property(text, t => {
      assert.equal(quantityMilli(t), reference(t, 1000n), `${t} milli`);
      assert.equal(quantityValue(t), reference(t, 1n), `${t} value`);
    }),
    { numRuns: 2000 },
  );
});

test('a quantity of millions of digits is read, not choked on', () => {
  const million = '1'.repeat(1_000_000);
  assert.equal(quantityMilli(million), Number(((1n << 63n) - 1n) * 1000n), 'capped');
  assert.equal(quantityMilli(`${'0'.repeat(1_000_000)}1`), 1000, 'leading zeros');
  assert.equal(quantityMilli(`0.${'0'.repeat(1_000_000)}1`), 1, 'a tiny fraction rounds up');
  assert.equal(quantityMilli(`2.${'0'.repeat(1_000_000)}`), 2000);
  assert.equal(quantityValue(`1.${'0'.repeat(999_999)}1Ki`), 1025);
  assert.equal(
    quantityMilli(`1e${'9'.repeat(1_000_000)}`),
    undefined,
    'an exponent past any range',
  );
});
