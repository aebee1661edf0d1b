import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { exampleModel, switchReview, testApp, type Answer, type TestApp } from '../helpers/app.js';

/*
 * Reviews an attacker inside the cluster can make the apiserver send (a Rollout keeps unknown fields,
 * and nests as deep as 10,000 levels) or post to the pod directly. Each must be judged like the same
 * review without the hostile part: an answer the failure mode gives is a bypass under
 * failurePolicy Ignore.
 */

const MARK = '"__hostile__"';

/** The story's switch review (denied) as JSON text, with `hostile` (JSON text) at `place`. */
function switchWith(place: (review: Record<string, any>) => void, hostile: string): string {
  const review = switchReview();
  place(review);
  const text = JSON.stringify(review);
  assert.ok(text.includes(MARK));
  return text.replace(MARK, hostile);
}

const container = (r: Record<string, any>): Record<string, any> =>
  r.request.object.spec.template.spec.containers[0] as Record<string, any>;

async function post(t: TestApp, payload: string): Promise<{ statusCode: number; answer: Answer }> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload,
  });
  return { statusCode: res.statusCode, answer: res.json<{ response: Answer }>().response };
}

async function assertDeniedLikeTheStory(t: TestApp, payload: string): Promise<void> {
  const { statusCode, answer } = await post(t, payload);
  assert.equal(statusCode, 200, JSON.stringify(answer).slice(0, 300));
  assert.equal(answer.uid, switchReview().request.uid);
  assert.equal(answer.allowed, false, JSON.stringify(answer).slice(0, 300));
  assert.match(answer.status?.message ?? '', /would run subnets out of IPv4 addresses/);
}

test('the unchanged story is denied (the baseline of every test here)', async () => {
  const t = testApp(await exampleModel());
  await assertDeniedLikeTheStory(t, JSON.stringify(switchReview()));
});

for (const [name, hostile] of [
  ['__proto__ object', '{"__proto__":{"polluted":"yes"},"x":1}'],
  ['__proto__ null', '{"__proto__":null}'],
  ['constructor.prototype', '{"constructor":{"prototype":{"polluted":"yes"}}}'],
] as const) {
  test(`a ${name} key in an unknown field is data: judged, not refused`, async () => {
    const t = testApp(await exampleModel());
    const places: ((r: Record<string, any>) => void)[] = [
      r => (r.request.object.spec.plugins = MARK.slice(1, -1)),
      r => (container(r).securityContext = MARK.slice(1, -1)),
      r => (r.request.object.spec.template.spec.volumes = [{ name: 'v', csi: MARK.slice(1, -1) }]),
      r => (r.request.object.spec.template.metadata.labels.app = MARK.slice(1, -1)),
    ];
    for (const [i, place] of places.entries()) {
      const payload = switchWith(place, hostile);
      if (i < 3) await assertDeniedLikeTheStory(t, payload);
      else {
        // A label that is not a string: the object is not one ipguard can read; named, not refused.
        const { statusCode, answer } = await post(t, payload);
        assert.equal(statusCode, 200);
        assert.equal(answer.uid, switchReview().request.uid);
        assert.match(answer.warnings?.[0] ?? answer.status?.message ?? '', /labels\.app/);
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype changed');
  });
}

test('a __proto__ label is a label like any other', async () => {
  const t = testApp(await exampleModel());
  const payload = switchWith(
    r => (r.request.object.spec.template.metadata.labels = MARK.slice(1, -1)),
    '{"__proto__":"x","app":"checkout"}',
  );
  await assertDeniedLikeTheStory(t, payload);
});

for (const depth of [5_000, 10_000, 100_000]) {
  test(`an unknown field nested ${depth} levels deep is judged, not failed open`, async () => {
    const t = testApp(await exampleModel());
    const deep = `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`;
    await assertDeniedLikeTheStory(
      t,
      switchWith(r => (container(r).securityContext = MARK.slice(1, -1)), deep),
    );
    // In both the object and the old object, so the update's comparison walks it too.
    await assertDeniedLikeTheStory(
      t,
      switchWith(r => {
        r.request.object.spec.analysis = MARK.slice(1, -1);
        r.request.oldObject.spec.analysis = 'x';
      }, deep),
    );
    // A field ipguard reads, holding the deep value: named in a one-line answer.
    const { statusCode, answer } = await post(
      t,
      switchWith(r => (r.request.object.spec.strategy = MARK.slice(1, -1)), `[${deep}]`),
    );
    assert.equal(statusCode, 200);
    assert.equal(answer.uid, switchReview().request.uid);
    assert.match(answer.warnings?.[0] ?? '', /spec\.strategy: expected an object, got \[\{"a":/);
  });
}

test('a cpu request written with a million digits is judged by its value', async () => {
  const t = testApp(await exampleModel());
  const payload = switchWith(
    r => (container(r).resources.requests.cpu = MARK.slice(1, -1)),
    `"${'0'.repeat(1_000_000)}7.${'0'.repeat(1_000_000)}"`,
  );
  await assertDeniedLikeTheStory(t, payload);
});

test('log lines stay short whatever a review carries: a 1 MB exception reason, name and uid', async () => {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const t = testApp(await exampleModel(), {}, undefined, log);
  const review = switchReview();
  review.request.object.metadata.annotations['ipguard.io/exception'] =
    `CHG-1 ${'x'.repeat(1_000_000)}`;
  review.request.name = `checkout${'n'.repeat(1_000_000)}`;
  review.request.userInfo.username = 'u'.repeat(1_000_000);
  review.request.uid = `uid-${'u'.repeat(1_000_000)}`;
  const { answer } = await post(t, JSON.stringify(review));
  assert.equal(answer.uid, review.request.uid, 'the uid is echoed whole');
  assert.equal(lines.length, 1);
  assert.ok((lines[0] ?? '').length < 4096, `a log line of ${lines[0]?.length} characters`);
});
