import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  createReadStream,
  existsSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Ec2CallCounter } from '../../src/ec2/calls.js';
import { createEc2Api } from '../../src/ec2/client.js';
import { PODS } from '../../src/kube/resources.js';
import { createKubeTransport } from '../../src/kube/transport.js';
import { SNAPSHOT_FILES } from '../../src/state/files.js';
import { writeSnapshot } from '../../src/state/snapshot-writer.js';
import { captureLog, waitFor } from '../helpers/async.js';
import { ipguard } from '../helpers/cli.js';
import { liveEnv, startBluegreenFakes } from '../helpers/cli-process.js';
import { BLUEGREEN_DIR, bluegreenObjects, clone } from '../helpers/examples.js';
import { tempDir } from '../helpers/temp.js';

const ROLLOUT = join(BLUEGREEN_DIR, 'rollout-v2.yaml');
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

const fakes = startBluegreenFakes;

test('a snapshot of the live cluster checks offline exactly as the files it was taken from', async t => {
  const { kube, ec2 } = await fakes(t);
  const client = ec2.client();
  t.after(() => {
    client.destroy();
  });
  const dir = tempDir(t, 'snapshot');
  const { log } = captureLog();
  const written = await writeSnapshot(dir, {
    transport: createKubeTransport(kube.kubeConfig()),
    ec2: createEc2Api(client, new Ec2CallCounter()),
    networkInterfaces: false,
    log,
  });
  assert.deepStrictEqual(
    written.files.map(f => f.slice(dir.length + 1)),
    ['cluster.json', 'subnets.json', 'instance-types.json'],
  );
  const list = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as {
    kind: string;
    items: { kind: string; apiVersion: string }[];
  };
  assert.equal(list.kind, 'List');
  assert.equal(list.items.length, bluegreenObjects().length);
  assert.ok(list.items.every(i => typeof i.kind === 'string' && typeof i.apiVersion === 'string'));

  const fromSnapshot = await ipguard([
    'check',
    '--snapshot',
    dir,
    '-f',
    ROLLOUT,
    '--output',
    'json',
  ]);
  const fromFiles = await ipguard([
    'check',
    '--snapshot',
    BLUEGREEN_DIR,
    '-f',
    ROLLOUT,
    '--output',
    'json',
  ]);
  assert.equal(fromSnapshot.code, 1, 'the switch is denied');
  assert.equal(fromSnapshot.out, fromFiles.out);

  const report = await ipguard(['report', '--snapshot', dir, '--output', 'json']);
  const reportFiles = await ipguard(['report', '--snapshot', BLUEGREEN_DIR, '--output', 'json']);
  const strip = (s: string) => {
    const r = JSON.parse(s) as Record<string, unknown>;
    delete r.source;
    delete r.otherSubnets;
    return r;
  };
  assert.deepStrictEqual(strip(report.out), strip(reportFiles.out));
});

test('a snapshot without --network-interfaces removes an older network-interfaces.json', async t => {
  const { kube, ec2 } = await fakes(t);
  const client = ec2.client();
  t.after(() => {
    client.destroy();
  });
  const dir = tempDir(t, 'snapshot');
  writeFileSync(join(dir, 'network-interfaces.json'), '{"NetworkInterfaces": []}');
  const { log } = captureLog();
  await writeSnapshot(dir, {
    transport: createKubeTransport(kube.kubeConfig()),
    ec2: createEc2Api(client, new Ec2CallCounter()),
    networkInterfaces: false,
    log,
  });
  assert.equal(existsSync(join(dir, 'network-interfaces.json')), false);
});

test('ipguard snapshot and report read KUBECONFIG, AWS_REGION and AWS_ENDPOINT_URL_EC2', async t => {
  const { kube, ec2 } = await fakes(t);
  const dir = tempDir(t, 'snapshot');
  const env = liveEnv(kube, ec2, dir);
  const run = promisify(execFile);
  const out = join(dir, 'snap');
  const snap = await run(
    process.execPath,
    ['--import', 'tsx', MAIN, 'snapshot', '--out', out, '--output', 'json'],
    { env, timeout: 30_000 },
  );
  const summary = JSON.parse(snap.stdout) as {
    objects: Record<string, number>;
    subnets: number;
    ec2Calls: number;
  };
  assert.equal(summary.objects.Pod, 133);
  assert.equal(summary.subnets, 3);
  assert.ok(ec2.requests.length > 0, 'EC2 was asked at AWS_ENDPOINT_URL_EC2');
  assert.equal(summary.ec2Calls, ec2.requests.length);
  assert.ok(kube.requests.every(r => r.auth === 'Bearer fake-token'));

  const live = await run(
    process.execPath,
    ['--import', 'tsx', MAIN, 'report', '--output', 'json'],
    {
      env,
      timeout: 30_000,
    },
  );
  const files = await ipguard(['report', '--snapshot', out, '--output', 'json']);
  const strip = (s: string) => {
    const r = JSON.parse(s) as Record<string, unknown>;
    delete r.source;
    return r;
  };
  assert.deepStrictEqual(strip(live.stdout), strip(files.out));
  assert.match((JSON.parse(live.stdout) as { source: string }).source, /^live cluster /);
});

test('objects the capture cannot read are left out of the snapshot, counted and warned about', async t => {
  const { kube, ec2 } = await fakes(t);
  const pod = bluegreenObjects().find(o => o.kind === 'Pod');
  assert.ok(pod);
  const bad = clone(pod);
  bad.metadata.name = 'unreadable';
  delete bad.metadata.uid;
  (bad.spec as { containers: { resources?: unknown }[] }).containers[0]!.resources = {
    requests: { cpu: 'lots' },
  };
  kube.load([bad]);
  const client = ec2.client();
  t.after(() => {
    client.destroy();
  });
  const dir = tempDir(t, 'snapshot');
  const { log, lines } = captureLog();
  const written = await writeSnapshot(dir, {
    transport: createKubeTransport(kube.kubeConfig()),
    ec2: createEc2Api(client, new Ec2CallCounter()),
    networkInterfaces: false,
    log,
  });
  assert.equal(written.capture.skipped.length, 1);
  assert.match(written.capture.skipped[0] ?? '', /^Pod [^ ]*\/unreadable: .*not a quantity/);
  assert.equal(written.capture.counts.find(c => c.resource.kind === 'Pod')?.items, 133);
  assert.ok(
    lines.some(
      l =>
        l.level === 40 && String(l.msg).startsWith('skipped an object that cannot be read: Pod '),
    ),
  );
  const list = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as {
    items: { metadata: { name: string } }[];
  };
  assert.equal(list.items.length, bluegreenObjects().length);
  assert.ok(!list.items.some(i => i.metadata.name === 'unreadable'));

  // The snapshot reads back: the same decision as the files the cluster was loaded from.
  const argv = ['check', '--snapshot', dir, '-f', ROLLOUT, '--output', 'json'];
  const fromSnapshot = await ipguard(argv);
  assert.equal(fromSnapshot.code, 1, fromSnapshot.err);
  assert.equal(fromSnapshot.out, (await ipguard(argv.with(2, BLUEGREEN_DIR))).out);
});

test('the snapshot lists no faster than cluster.json can be written', async t => {
  const { kube, ec2 } = await fakes(t);
  const template = bluegreenObjects().find(o => o.kind === 'Pod');
  assert.ok(template);
  // 4,000 pods, over 2 MB: far more than the stream's buffer and the pipe's.
  kube.generate(PODS, 4_000, i => ({
    ...template,
    metadata: { name: `filler-${i}`, namespace: 'shop', labels: { filler: 'x'.repeat(400) } },
  }));
  const client = ec2.client();
  t.after(() => {
    client.destroy();
  });
  const dir = tempDir(t, 'snapshot');
  // cluster.json.partial as a pipe nobody reads yet: a disk at a standstill.
  const pipe = join(dir, 'cluster.json.partial');
  execFileSync('mkfifo', [pipe]);
  const reader = createReadStream(pipe);
  const chunks: Buffer[] = [];
  const closed = once(reader, 'close');
  const { log } = captureLog();
  const writing = writeSnapshot(dir, {
    transport: createKubeTransport(kube.kubeConfig()),
    ec2: createEc2Api(client, new Ec2CallCounter()),
    networkInterfaces: false,
    log,
  });
  const podPages = (): number =>
    kube.requests.filter(r => r.path === '/api/v1/pods' && r.query.watch === undefined).length;
  try {
    await waitFor(() => podPages() >= 1, 'the first page of pods');
    await sleep(500);
    assert.ok(podPages() <= 2, `${podPages()} of 9 pages listed while nothing could be written`);
  } finally {
    // Read the pipe whatever happened above, or the writer would wait on it forever.
    reader.on('data', c => chunks.push(Buffer.from(c)));
  }
  await writing;
  await closed;
  const list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items: unknown[] };
  assert.equal(list.items.length, bluegreenObjects().length + 4_000);
  assert.equal(podPages(), 9);
});

// The disk filling up under each file in turn: /dev/full answers every write with ENOSPC.
for (const file of Object.values(SNAPSHOT_FILES)) {
  test(`a snapshot that cannot write ${file} leaves the older snapshot as it was and no partial file`, async t => {
    const { kube, ec2 } = await fakes(t);
    const client = ec2.client();
    t.after(() => {
      client.destroy();
    });
    const dir = tempDir(t, 'snapshot');
    cpSync(BLUEGREEN_DIR, dir, { recursive: true });
    writeFileSync(join(dir, SNAPSHOT_FILES.networkInterfaces), '{"NetworkInterfaces": []}\n');
    const older = new Map(readdirSync(dir).map(f => [f, readFileSync(join(dir, f))]));
    symlinkSync('/dev/full', join(dir, `${file}.partial`));
    const { log } = captureLog();
    await assert.rejects(
      writeSnapshot(dir, {
        transport: createKubeTransport(kube.kubeConfig()),
        ec2: createEc2Api(client, new Ec2CallCounter()),
        networkInterfaces: true,
        log,
      }),
      /ENOSPC/,
    );
    assert.deepStrictEqual(readdirSync(dir).sort(), [...older.keys()].sort());
    for (const [f, bytes] of older) assert.ok(readFileSync(join(dir, f)).equals(bytes), f);
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`ipguard snapshot stopped by ${signal} mid-capture removes its partial files and dies of ${signal}`, async t => {
    const { kube, ec2 } = await fakes(t);
    kube.hang = true;
    const dir = tempDir(t, 'snapshot');
    const out = join(dir, 'snap');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'snapshot', '--out', out], {
      env: liveEnv(kube, ec2, dir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    t.after(() => child.kill('SIGKILL'));
    await waitFor(
      () => existsSync(join(out, 'cluster.json.partial')),
      'the capture under way, cluster.json.partial open',
    );
    child.kill(signal);
    const [code, killedBy] = await exited;
    assert.deepStrictEqual({ code, killedBy }, { code: null, killedBy: signal }, stderr);
    assert.deepStrictEqual(readdirSync(out), [], 'no partial file left in the --out folder');
  });
}
