import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LEDGER_DATA_KEY } from '../../src/kube/ledger-object.js';
import { decodeLedger } from '../../src/state/ledger-record.js';
import { FakeEc2 } from '../fakes/ec2.js';
import { FakeKubeApi } from '../fakes/kube-api.js';
import { createReview, exampleModel, testApp, validate } from '../helpers/app.js';
import { REPO } from '../helpers/cli.js';
import { bluegreenInstanceTypes, bluegreenObjects, bluegreenSubnets } from '../helpers/examples.js';
import { tempDir } from '../helpers/temp.js';

/**
 * Two `ipguard serve` processes on one loopback Kubernetes API and one EC2: the deployment's two
 * replicas. Each create needs one new m5.2xlarge, 14 addresses in us-east-1b; that subnet is given 146
 * free, so exactly 10 fit, whichever replica the apiserver sends each create to.
 */
const SUBNET_1B = 'subnet-0b2f3e4d5c6b7a802';
const FREE_1B = 146;
const FIT = Math.floor(FREE_1B / 14);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise(r => srv.close(r));
  return port;
}

function call(
  port: number,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: payload === undefined ? 'GET' : 'POST',
        rejectUnauthorized: false,
        agent: false,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
        timeout: 20_000,
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(payload);
  });
}

interface Replica {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly logs: () => string;
  readonly exited: Promise<number | null>;
}

async function startReplica(
  t: { after: (fn: () => void) => void },
  name: string,
  env: Record<string, string>,
): Promise<Replica> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'serve', '--port', String(port)],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, POD_NAME: name },
    },
  );
  let logs = '';
  child.stdout?.on('data', (c: Buffer) => (logs += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<number | null>(resolve =>
    child.on('exit', code => {
      resolve(code);
    }),
  );
  t.after(() => child.kill('SIGKILL'));
  return { name, port, child, logs: () => logs, exited };
}

async function ready(r: Replica): Promise<Record<string, any>> {
  for (let i = 0; i < 300; i++) {
    const res = await call(r.port, '/readyz').catch(() => undefined);
    if (res?.status === 200) {
      const body = JSON.parse(res.text) as Record<string, any>;
      if (body.ledger?.ok === true) return body;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  assert.fail(`${r.name} never ready:\n${r.logs()}`);
}

async function reservedIps(r: Replica): Promise<number> {
  const res = await call(r.port, '/metrics');
  const m = new RegExp(`^ipguard_reserved_ips\\{subnet="${SUBNET_1B}"\\} (\\d+)$`, 'm').exec(
    res.text,
  );
  return m ? Number(m[1]) : 0;
}

interface Verdict {
  allowed: boolean;
  warnings?: string[];
  status?: { message?: string };
}

async function admit(r: Replica, name: string): Promise<Verdict> {
  const res = await call(r.port, '/validate', createReview(name));
  assert.equal(res.status, 200, res.text);
  return (JSON.parse(res.text) as { response: Verdict }).response;
}

function ledgerEntries(kube: FakeKubeApi): Map<string, { ips: number; replica: string }> {
  const obj = kube.configMap('ipguard', 'ipguard-ledger');
  const text = (obj?.data as Record<string, string> | undefined)?.[LEDGER_DATA_KEY];
  const out = new Map<string, { ips: number; replica: string }>();
  if (text === undefined) return out;
  for (const [k, e] of decodeLedger(text))
    out.set(k, { ips: e.subnets.get(SUBNET_1B)?.ips ?? 0, replica: e.replica });
  return out;
}

async function cluster(t: { after: (fn: () => Promise<void> | void) => void }) {
  const kube = await FakeKubeApi.start();
  kube.load(bluegreenObjects());
  // What the manifests ship: the ledger object, empty.
  kube.putConfigMap({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'ipguard-ledger', namespace: 'ipguard' },
  });
  const ec2 = await FakeEc2.start();
  const subnets = bluegreenSubnets();
  for (const s of subnets.Subnets)
    if (s.SubnetId === SUBNET_1B) s.AvailableIpAddressCount = FREE_1B;
  ec2.load(subnets);
  ec2.load(bluegreenInstanceTypes());
  const dir = tempDir(t, 'replicas');
  writeFileSync(join(dir, 'kubeconfig'), kube.kubeConfigYaml());
  t.after(async () => {
    await kube.close();
    await ec2.close();
  });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    KUBECONFIG: join(dir, 'kubeconfig'),
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_EC2: ec2.url,
    AWS_ACCESS_KEY_ID: 'AKIDFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    IPGUARD_LEDGER: 'kube',
    POD_NAMESPACE: 'ipguard',
    IPGUARD_SHUTDOWN_DELAY_SECONDS: '0',
    IPGUARD_LOG_LEVEL: 'warn',
  };
  return { kube, ec2, env };
}

test('the oracle: one process alone admits exactly the creates that fit', async () => {
  const model = await exampleModel();
  const subnets = new Map(model.subnets);
  subnets.set(SUBNET_1B, { ...subnets.get(SUBNET_1B)!, availableIps: FREE_1B });
  const t = testApp({ ...model, subnets });
  let admitted = 0;
  for (let i = 0; i < 30; i++)
    if ((await validate(t, createReview(`svc-${i}`))).answer.allowed) admitted++;
  assert.equal(admitted, FIT);
});

test('two serve processes on one ledger: parallel creates split between them admit exactly those that fit; one killed mid-run, the other still counts its reservations', async t => {
  const { kube, env } = await cluster(t);
  const [a, b] = await Promise.all([
    startReplica(t, 'ipguard-a', env),
    startReplica(t, 'ipguard-b', env),
  ]);
  await Promise.all([ready(a), ready(b)]);

  // Round one: 30 creates at once, alternating between the replicas.
  const names = Array.from({ length: 30 }, (_, i) => `svc-${i}`);
  const verdicts = await Promise.all(names.map((n, i) => admit(i % 2 === 0 ? a : b, n)));
  const admitted = names.filter((_, i) => verdicts[i]!.allowed);
  assert.equal(admitted.length, FIT, JSON.stringify(verdicts.map(v => v.allowed)));
  for (const v of verdicts) {
    if (v.allowed) continue;
    assert.match(v.status?.message ?? '', /us-east-1b\) needs 14, has \d/);
  }
  const entries = ledgerEntries(kube);
  assert.deepEqual([...entries.keys()].sort(), admitted.map(n => `Deployment/shop/${n}`).sort());
  assert.equal(await reservedIps(a), FIT * 14);
  assert.equal(await reservedIps(b), FIT * 14);

  // Round two, on a fresh ledger: a admits four creates; then creates arrive every few ms at both
  // replicas and a is killed part way. What a answered stands; what it did not is sent to b, as the
  // apiserver's retry would.
  kube.putConfigMap({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'ipguard-ledger', namespace: 'ipguard' },
  });
  for (const r of [a, b])
    while ((await reservedIps(r)) !== 0) await new Promise(res => setTimeout(res, 20));
  for (let i = 0; i < 4; i++) assert.equal((await admit(a, `early-${i}`)).allowed, true);
  const round2 = Array.from({ length: 40 }, (_, i) => `svc-${i}-r2`);
  const sent: Promise<{ n: string; v: Verdict | undefined }>[] = [];
  for (const [i, n] of round2.entries()) {
    const r = i % 2 === 0 ? a : b;
    if (i === 16) a.child.kill('SIGKILL');
    sent.push(
      admit(r, n).then(
        v => ({ n, v }),
        () => ({ n, v: undefined }),
      ),
    );
    await new Promise(res => setTimeout(res, 3));
  }
  const first = await Promise.all(sent);
  await a.exited;
  const unanswered = first.filter(f => f.v === undefined).map(f => f.n);
  assert.ok(unanswered.length >= 10, `a died with requests to answer (${unanswered.length})`);
  const resent = await Promise.all(unanswered.map(async n => ({ n, v: await admit(b, n) })));
  const finalAllowed = new Set(
    [...first, ...resent].filter(f => f.v?.allowed === true).map(f => `Deployment/shop/${f.n}`),
  );
  const after = ledgerEntries(kube);
  // Exactly what fits is held, every admitted create among it, and nothing beyond.
  assert.equal(after.size, FIT, JSON.stringify([...after.keys()]));
  for (let i = 0; i < 4; i++)
    assert.equal(
      after.get(`Deployment/shop/early-${i}`)?.replica,
      'ipguard-a',
      'the dead replica’s entries stay',
    );
  for (const k of finalAllowed) assert.ok(after.has(k), `${k} admitted and held`);
  assert.equal(finalAllowed.size, FIT - 4);
  // b counts the dead replica's reservations and denies what no longer fits.
  assert.equal(await reservedIps(b), FIT * 14);
  const late = await admit(b, 'late');
  assert.equal(late.allowed, false);

  // A restarted replica loses nothing: it reads every reservation back.
  const a2 = await startReplica(t, 'ipguard-a', env);
  await ready(a2);
  assert.equal(await reservedIps(a2), FIT * 14);
  assert.equal((await admit(a2, 'late-2')).allowed, false);

  b.child.kill('SIGTERM');
  a2.child.kill('SIGTERM');
  assert.equal(await b.exited, 0, b.logs());
  assert.equal(await a2.exited, 0, a2.logs());
});

test('a serve process whose ledger writes keep conflicting answers with the failure mode within its budget, and says why', async t => {
  const { kube, env } = await cluster(t);
  const r = await startReplica(t, 'ipguard-a', { ...env, IPGUARD_BUDGET_MS: '500' });
  await ready(r);
  kube.contend(true);
  const started = Date.now();
  const v = await admit(r, 'contended');
  const tookMs = Date.now() - started;
  assert.equal(v.allowed, true, 'failure mode allow');
  assert.match(
    v.warnings?.[0] ?? '',
    /ipguard could not check this change: the reservation ledger kept changing \(\d+ conflicting writes/,
  );
  assert.ok(tookMs < 500 + 1000, `answered in ${tookMs} ms`);
  const metrics = (await call(r.port, '/metrics')).text;
  assert.match(metrics, /^ipguard_ledger_conflicts_total [1-9]\d*$/m);
  assert.match(metrics, /^ipguard_failure_mode_answers_total\{reason="ledger-conflicts"\} 1$/m);
  assert.match(metrics, /^ipguard_ledger_write_duration_seconds_count\{result="conflict"\} [1-9]/m);
  kube.contend(false);
  assert.equal((await admit(r, 'calm')).allowed, true);
  assert.match(
    (await call(r.port, '/metrics')).text,
    /^ipguard_ledger_write_duration_seconds_count\{result="ok"\} 1$/m,
  );
});
