import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createReview, exampleModel, testApp } from '../helpers/app.js';

interface Answer {
  allowed: boolean;
  auditAnnotations?: Record<string, string>;
}

test('many parallel changes against the same subnets: what is admitted never exceeds what is free', async () => {
  const model = await exampleModel();
  const free = new Map([...model.subnets.values()].map(s => [s.id, s.availableIps]));
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 12 }),
      async sizes => {
        const t = testApp(model);
        const answers = await Promise.all(
          sizes.map(async (n, i) => {
            const res = await t.app.inject({
              method: 'POST',
              url: '/validate',
              headers: { 'content-type': 'application/json' },
              payload: JSON.stringify(createReview(`svc-${i}`, { replicas: n })),
            });
            return res.json<{ response: Answer }>().response;
          }),
        );
        // What the admitted changes hold, per subnet, must fit in what EC2 said was free.
        const held = t.reservations.held(id => free.get(id));
        for (const [id, ips] of held)
          assert.ok(ips <= (free.get(id) ?? 0), `${id}: ${ips} held of ${free.get(id) ?? 0}`);
        // Each change alone would fit (at most 4 nodes... the first one always fits), so the first is admitted.
        assert.equal(answers[0]?.allowed, sizes[0]! <= 2 ? true : answers[0]?.allowed);
        // Admitted + denied = all, and the denied ones are denials for lack of addresses.
        for (const a of answers) if (!a.allowed) assert.equal(a.auditAnnotations?.verdict, 'deny');
        const admitted = answers.filter(a => a.allowed).length;
        assert.equal(t.reservations.size, admitted, 'one reservation per admitted change');
        await t.app.close();
      },
    ),
    { numRuns: 40 },
  );
});
