import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reservations, REFRESH_AFTER_MS } from '../../src/state/reservations.js';

test('a reservation shrinks as EC2 shows its addresses used, and ends after its TTL', () => {
  const clock = { now: 0 };
  const r = new Reservations(600, () => clock.now);
  let free = 100;
  r.reserve('Deployment/shop/web', new Map([['subnet-a', 30]]), () => free);
  assert.deepEqual([...r.held(() => free)], [['subnet-a', 30]]);
  free = 80; // 20 of the 30 are now attached to ENIs and gone from EC2's free count
  assert.deepEqual([...r.held(() => free)], [['subnet-a', 10]]);
  free = 60; // other consumers took more: the reservation is fully realised, not negative
  assert.deepEqual([...r.held(() => free)], []);
  free = 100;
  clock.now = 600_001;
  assert.deepEqual([...r.held(() => free)], []);
  assert.equal(r.size, 0);
});

test('one reservation per workload; the workload being decided does not count its own', () => {
  const r = new Reservations(600, () => 0);
  const free = (): number => 50;
  r.reserve(
    'w1',
    new Map([
      ['a', 10],
      ['b', 5],
    ]),
    free,
  );
  r.reserve('w2', new Map([['a', 7]]), free);
  r.reserve('w1', new Map([['a', 4]]), free);
  assert.deepEqual(Object.fromEntries(r.held(free)), { a: 11 });
  assert.deepEqual(Object.fromEntries(r.held(free, 'w1')), { a: 7 });
  r.reserve('w2', new Map(), free);
  assert.equal(r.size, 1, 'a change that needs nothing releases what its workload held');
});

test('two reservations in one subnet: a drop in free addresses is counted once, not once per reservation', () => {
  const r = new Reservations(600, () => 0);
  let free = 1000;
  r.reserve('a', new Map([['s', 100]]), () => free);
  r.reserve('b', new Map([['s', 100]]), () => free);
  free = 900; // a's nodes came up
  assert.deepEqual(Object.fromEntries(r.held(() => free)), { s: 100 }, "b's 100 are still to come");
  free = 800;
  assert.deepEqual(Object.fromEntries(r.held(() => free)), {});
});

test('a re-admission within REFRESH_AFTER_MS that needs the same changes nothing; one that differs rewrites', () => {
  const clock = { now: 0 };
  const r = new Reservations(600, () => clock.now);
  let free = 100;
  const need = new Map([['subnet-a', 30]]);
  r.reserve('w', need, () => free);
  clock.now = REFRESH_AFTER_MS - 1;
  r.reserve('w', new Map(need), () => free);
  clock.now = 600_000;
  assert.equal(r.size, 0, 'the repeat did not extend the entry: it ends 600 s after the first');

  clock.now = 0;
  const late = new Reservations(600, () => clock.now);
  late.reserve('w', need, () => free);
  clock.now = REFRESH_AFTER_MS;
  late.reserve('w', need, () => free);
  clock.now = 600_000;
  assert.equal(late.size, 1, 'a re-admission after REFRESH_AFTER_MS extends it, as before');

  clock.now = 0;
  const changed = new Reservations(600, () => clock.now);
  changed.reserve('w', need, () => free);
  changed.reserve('w', new Map([['subnet-a', 40]]), () => free);
  assert.deepEqual(Object.fromEntries(changed.held(() => free)), { 'subnet-a': 40 });
  free = 90; // ten of them came up: the next admission notes the free count it sees
  changed.reserve('w', new Map([['subnet-a', 40]]), () => free);
  assert.deepEqual(Object.fromEntries(changed.held(() => free)), { 'subnet-a': 40 });
  free = 80;
  assert.deepEqual(Object.fromEntries(changed.held(() => free)), { 'subnet-a': 30 });
});

test('what others hold is computed again when an entry changes or ends, or free counts change', () => {
  const clock = { now: 0 };
  const r = new Reservations(600, () => clock.now);
  const free = (): number => 100;
  r.reserve('other', new Map([['a', 10]]), free);
  const first = r.held(free, 'mine');
  assert.equal(r.held(free, 'mine'), first, 'a repeat reads the same answer');
  assert.deepEqual(Object.fromEntries(first), { a: 10 });
  r.reserve('third', new Map([['a', 5]]), free);
  assert.deepEqual(Object.fromEntries(r.held(free, 'mine')), { a: 15 }, 'a write is seen');
  const lower = (): number => 95; // five of them came up
  assert.deepEqual(
    Object.fromEntries(r.held(lower, 'mine')),
    { a: 10 },
    'new free counts are seen',
  );
  clock.now = 600_000;
  assert.deepEqual(Object.fromEntries(r.held(free, 'mine')), {}, 'an entry that ended is seen');
});
