import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureLog } from '../helpers/async.js';
import { serveLog } from '../../src/cli/serve-log.js';
import { tempDir } from '../helpers/temp.js';
import { exampleModel, scaleReview, switchReview, testApp, validate, T0 } from '../helpers/app.js';

const UIDS = [
  'b7f1c2d3-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  'c8a2d3e4-5f60-4b7c-9d8e-0f1a2b3c4d5e',
  'd9b3e4f5-6071-4c8d-8e9f-1a2b3c4d5e6f',
  'e0c4f5a6-7182-4d9e-9fa0-2b3c4d5e6f70',
];

function withUid(review: Record<string, any>, uid: string): Record<string, any> {
  const copy = structuredClone(review);
  copy.request.uid = uid;
  return copy;
}

test('the same review under new uids: each answer carries its own uid, the same verdict, a full log line', async () => {
  const { log, lines } = captureLog();
  const t = testApp(await exampleModel(), {}, undefined, log);
  const answers = [];
  for (const uid of UIDS) answers.push((await validate(t, withUid(switchReview(), uid))).answer);
  assert.deepEqual(
    answers.map(a => a.uid),
    UIDS,
  );
  for (const a of answers.slice(1)) {
    assert.deepEqual({ ...a, uid: '' }, { ...answers[0], uid: '' }, 'the same answer');
  }
  assert.equal(t.seen.size, 1, 'one body, remembered once');
  const reviews = lines.filter(l => l.msg === 'admission review');
  assert.equal(reviews.length, UIDS.length);
  for (const [i, l] of reviews.entries()) {
    assert.equal(l.uid, UIDS[i]);
    for (const field of [
      'operation',
      'resource',
      'namespace',
      'name',
      'dryRun',
      'verdict',
      'ipsRequired',
      'ipsAvailable',
      'allowed',
      'durationMs',
    ])
      assert.ok(field in l, `line ${i} has ${field}`);
    assert.equal(l.verdict, 'deny');
  }
  // Every repeat is counted and timed, however little of it was done again.
  const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(
    metrics,
    /ipguard_admission_requests_total\{verdict="deny",kind="Rollout",change="switch",dry_run="false"\} 4$/m,
  );
  assert.match(metrics, /ipguard_admission_duration_seconds_count\{verdict="deny"\} 4$/m);
});

test("serve writes a repeat's line itself, and it is the line pino writes for it", async t => {
  const dir = tempDir(t, 'lines');
  const written = async (direct: boolean): Promise<Record<string, unknown>[]> => {
    const file = join(dir, direct ? 'direct.log' : 'pino.log');
    const sink = serveLog('info', { dest: file });
    const app = testApp(
      await exampleModel(),
      {},
      undefined,
      sink.log,
      direct ? sink.lines : undefined,
    );
    for (const uid of UIDS) await validate(app, withUid(switchReview(), uid));
    // A denial with an exception is logged at warn: the other level through the same path.
    for (const uid of UIDS.slice(0, 2)) {
      const excepted = withUid(switchReview(), uid);
      excepted.request.object.metadata.annotations['ipguard.io/exception'] =
        'INC-123: "quoted", ünïcode \\ and\ta tab';
      await validate(app, excepted);
    }
    await sink.close();
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map(l => JSON.parse(l) as Record<string, unknown>)
      .filter(l => typeof l.msg === 'string' && l.msg.startsWith('admission'));
  };
  const direct = await written(true);
  const viaPino = await written(false);
  assert.equal(direct.length, UIDS.length + 2);
  const untimed = (ls: Record<string, unknown>[]): Record<string, unknown>[] =>
    ls.map(({ time, ...rest }) => {
      assert.equal(typeof time, 'number');
      return rest;
    });
  // The same members in the same order: the text, not only the values, is pino's.
  assert.deepEqual(
    untimed(direct).map(l => Object.keys(l)),
    untimed(viaPino).map(l => Object.keys(l)),
  );
  assert.deepEqual(untimed(direct), untimed(viaPino));
  assert.ok(direct.some(l => l.level === 40 && l.msg === 'admission allowed by exception'));
});

test('a repeat is judged on the state of its own moment: the ledger and a new state version', async () => {
  const t = testApp(await exampleModel());
  const fits = (uid: string): Record<string, any> =>
    withUid(scaleReview('rollouts', 'shop', 'checkout', 10, 11), uid);
  const first = await validate(t, fits(UIDS[0]!));
  const second = await validate(t, fits(UIDS[1]!));
  assert.equal(first.answer.allowed, true);
  assert.equal(second.answer.uid, UIDS[1]);
  assert.equal(second.answer.allowed, true);
  // A new state version: nothing decided before answers, however the body was read.
  const model = await exampleModel();
  const full = new Map([...model.subnets].map(([k, s]) => [k, { ...s, availableIps: 0 }]));
  t.source.view = {
    model: { ...model, subnets: full },
    kubeSyncedAtMs: T0,
    subnetsRefreshedAtMs: T0,
  };
  const third = await validate(t, fits(UIDS[2]!));
  assert.equal(third.answer.uid, UIDS[2]);
  assert.equal(third.answer.allowed, false, 'no subnet has a free address now');
});

test('a body that changes anywhere but in its uid is read and judged as itself', async () => {
  const t = testApp(await exampleModel());
  const small = await validate(
    t,
    withUid(scaleReview('rollouts', 'shop', 'checkout', 10, 11), UIDS[0]!),
  );
  await validate(t, withUid(scaleReview('rollouts', 'shop', 'checkout', 10, 11), UIDS[1]!));
  const large = await validate(
    t,
    withUid(scaleReview('rollouts', 'shop', 'checkout', 10, 400), UIDS[2]!),
  );
  assert.equal(small.answer.allowed, true);
  assert.equal(large.answer.allowed, false);
  assert.equal(large.answer.uid, UIDS[2]);
});
