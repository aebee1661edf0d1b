import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { tempDir } from '../helpers/temp.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(REPO, 'certs', 'gen.sh');
const root = tempDir({ after }, 'certs');
let runs = 0;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  out: string;
  /** The TMPDIR the script ran with: it must be left empty. */
  scratch: string;
}

function gen(args: string[] = [], env: Record<string, string> = {}, out?: string): Run {
  const n = ++runs;
  const dir = out ?? join(root, `out-${n}`);
  const scratch = join(root, `scratch-${n}`);
  mkdirSync(scratch);
  const passOut = Object.keys(env).includes('IPGUARD_CERTS_OUT') ? [] : ['--out', dir];
  const r = spawnSync('bash', [SCRIPT, ...passOut, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: scratch, ...env },
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, out: dir, scratch };
}

function ok(args: string[] = [], env: Record<string, string> = {}, out?: string): Run {
  const r = gen(args, env, out);
  assert.equal(r.status, 0, `gen.sh ${args.join(' ')}: ${r.stderr}`);
  return r;
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const cert = (dir: string, name: string) => new X509Certificate(readFileSync(join(dir, name)));
const b64 = (dir: string, name: string) => readFileSync(join(dir, name)).toString('base64');

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const DAY_MS = 86_400_000;

type Outcome = { ok: true; body: string } | { ok: false; code: string };

/** An HTTPS round trip to a Node server that serves the generated certificate. */
async function handshake(
  dir: string,
  client: { ca?: string | Buffer; servername?: string },
): Promise<Outcome> {
  const server = createServer(
    { key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(join(dir, 'tls.crt')) },
    (_req, res) => {
      res.end('ok');
    },
  );
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<Outcome>(done => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/healthz',
          agent: false,
          rejectUnauthorized: true,
          timeout: 5000,
          ...(client.ca !== undefined && { ca: client.ca }),
          ...(client.servername !== undefined && { servername: client.servername }),
        },
        res => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            done({ ok: true, body });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        done({ ok: false, code: err.code ?? err.message });
      });
      req.end();
    });
  } finally {
    await new Promise<void>(done =>
      server.close(() => {
        done();
      }),
    );
  }
}

describe('certs/gen.sh with its defaults', () => {
  let run: Run;
  let dir = '';
  before(() => {
    run = ok();
    dir = run.out;
  });

  test('writes the CA, the serving certificate, the Secret and the caBundle, keys owner-only', () => {
    assert.deepEqual(readdirSync(dir).sort(), [
      'ca.crt',
      'ca.key',
      'caBundle',
      'cabundle-patch.yaml',
      'kustomization.yaml',
      'secret.yaml',
      'tls.crt',
      'tls.key',
    ]);
    for (const f of ['ca.key', 'tls.key', 'secret.yaml']) {
      assert.equal(statSync(join(dir, f)).mode & 0o077, 0, `${f} is readable by others`);
    }
    assert.deepEqual(readdirSync(run.scratch), [], 'no scratch files (CSRs, configs) left behind');
    assert.match(run.stdout, /new CA/);
  });

  test('the serving certificate verifies against the CA with openssl', () => {
    const v = spawnSync(
      'openssl',
      ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'tls.crt')],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /tls\.crt: OK/);
  });

  test('names the Service as the apiserver calls it, for server authentication only', () => {
    const leaf = cert(dir, 'tls.crt');
    assert.equal(
      leaf.subjectAltName,
      'DNS:ipguard.ipguard.svc, DNS:ipguard.ipguard.svc.cluster.local, DNS:ipguard.ipguard, DNS:ipguard',
    );
    assert.deepEqual(leaf.keyUsage, [SERVER_AUTH]);
    assert.equal(leaf.ca, false);
    const bc = spawnSync(
      'openssl',
      ['x509', '-in', join(dir, 'tls.crt'), '-noout', '-ext', 'basicConstraints'],
      {
        encoding: 'utf8',
      },
    );
    assert.match(bc.stdout, /critical\s+CA:FALSE/);
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const days = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / DAY_MS;
    assert.ok(days >= 364 && days <= 825, `valid for ${days} days`);
  });

  test('the CA is a CA, only for signing certificates, and outlives the serving certificate', () => {
    const ca = cert(dir, 'ca.crt');
    const leaf = cert(dir, 'tls.crt');
    assert.equal(ca.ca, true);
    assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
    assert.ok(Date.parse(ca.validTo) > Date.parse(leaf.validTo));
    const ku = spawnSync(
      'openssl',
      ['x509', '-in', join(dir, 'ca.crt'), '-noout', '-ext', 'keyUsage'],
      {
        encoding: 'utf8',
      },
    );
    assert.match(ku.stdout, /critical\s+Certificate Sign, CRL Sign/);
  });

  test('a client that trusts only the CA verifies ipguard.ipguard.svc over real TLS', async () => {
    const ca = readFileSync(join(dir, 'ca.crt'));
    for (const servername of [
      'ipguard.ipguard.svc',
      'ipguard.ipguard.svc.cluster.local',
      'ipguard.ipguard',
      'ipguard',
    ]) {
      assert.deepEqual(
        await handshake(dir, { ca, servername }),
        { ok: true, body: 'ok' },
        servername,
      );
    }
  });

  test('a client without the CA, or asking for another name, is refused', async () => {
    const noCa = await handshake(dir, { servername: 'ipguard.ipguard.svc' });
    assert.equal(noCa.ok, false);
    assert.match((noCa as { code: string }).code, /UNABLE_TO_VERIFY|SELF_SIGNED|CERT/);
    const ca = readFileSync(join(dir, 'ca.crt'));
    const wrongName = await handshake(dir, { ca, servername: 'other.ipguard.svc' });
    assert.deepEqual(wrongName, { ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    // Without --local, not for this machine.
    const local = await handshake(dir, { ca });
    assert.deepEqual(local, { ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  test('the Secret and the caBundle carry exactly these files', () => {
    const secret = parse(read(dir, 'secret.yaml')) as {
      apiVersion: string;
      kind: string;
      type: string;
      metadata: { name: string; namespace: string };
      data: Record<string, string>;
    };
    assert.equal(secret.apiVersion, 'v1');
    assert.equal(secret.kind, 'Secret');
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.deepEqual(secret.metadata.name, 'ipguard-tls');
    assert.deepEqual(secret.metadata.namespace, 'ipguard');
    assert.deepEqual(secret.data, {
      'tls.crt': b64(dir, 'tls.crt'),
      'tls.key': b64(dir, 'tls.key'),
      'ca.crt': b64(dir, 'ca.crt'),
    });
    assert.equal(read(dir, 'caBundle').trim(), b64(dir, 'ca.crt'));
    const [patch] = parseAllDocuments(read(dir, 'cabundle-patch.yaml')).map(
      d => d.toJS() as { op: string; path: string; value: string }[],
    );
    // Both webhooks of manifests/base: the capacity guard and the CNI settings entry.
    assert.deepEqual(patch, [
      { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: b64(dir, 'ca.crt') },
      { op: 'add', path: '/webhooks/1/clientConfig/caBundle', value: b64(dir, 'ca.crt') },
    ]);
    const k = parse(read(dir, 'kustomization.yaml')) as {
      kind: string;
      resources: string[];
      patches: { path: string; target: Record<string, string> }[];
    };
    assert.equal(k.kind, 'Component');
    assert.deepEqual(k.resources, ['secret.yaml']);
    assert.deepEqual(k.patches, [
      {
        path: 'cabundle-patch.yaml',
        target: {
          group: 'admissionregistration.k8s.io',
          version: 'v1',
          kind: 'ValidatingWebhookConfiguration',
          name: 'ipguard',
        },
      },
    ]);
  });
});

describe('certs/gen.sh options', () => {
  test('--local also names localhost and 127.0.0.1', async () => {
    const { out } = ok(['--local']);
    const ca = readFileSync(join(out, 'ca.crt'));
    assert.match(
      cert(out, 'tls.crt').subjectAltName ?? '',
      /DNS:localhost, IP Address:127\.0\.0\.1$/,
    );
    assert.deepEqual(await handshake(out, { ca }), { ok: true, body: 'ok' });
    assert.deepEqual(await handshake(out, { ca, servername: 'localhost' }), {
      ok: true,
      body: 'ok',
    });
  });

  test('namespace, service, lifetime and Secret name from flags or the environment', () => {
    const byFlags = ok([
      '-n',
      'team-a',
      '-s',
      'guard',
      '--days',
      '30',
      '--secret-name',
      'guard-tls',
    ]);
    const byEnv = ok([], {
      IPGUARD_NAMESPACE: 'team-a',
      IPGUARD_SERVICE: 'guard',
      IPGUARD_CERT_DAYS: '30',
      IPGUARD_TLS_SECRET: 'guard-tls',
      IPGUARD_CERTS_OUT: join(root, 'by-env'),
    });
    for (const out of [byFlags.out, join(root, 'by-env')]) {
      const leaf = cert(out, 'tls.crt');
      assert.equal(
        leaf.subjectAltName,
        'DNS:guard.team-a.svc, DNS:guard.team-a.svc.cluster.local, DNS:guard.team-a, DNS:guard',
      );
      const days = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / DAY_MS;
      assert.ok(days >= 29 && days <= 31, `${days}`);
      const secret = parse(read(out, 'secret.yaml')) as { metadata: Record<string, string> };
      assert.deepEqual(secret.metadata, {
        name: 'guard-tls',
        namespace: 'team-a',
        labels: secret.metadata.labels,
      });
    }
    assert.equal(byEnv.status, 0);
  });

  test('a second run rotates the serving certificate and keeps the CA, so the caBundle holds', async () => {
    const first = ok();
    const bundle = read(first.out, 'caBundle');
    const oldLeaf = read(first.out, 'tls.crt');
    const second = ok([], {}, first.out);
    assert.match(second.stdout, /existing CA/);
    assert.equal(read(first.out, 'caBundle'), bundle);
    assert.notEqual(read(first.out, 'tls.crt'), oldLeaf);
    const ca = readFileSync(join(first.out, 'ca.crt'));
    assert.deepEqual(await handshake(first.out, { ca, servername: 'ipguard.ipguard.svc' }), {
      ok: true,
      body: 'ok',
    });
    // A new CA: the caBundle trusts it and, until the next run, the CA it replaces, so the
    // apiserver accepts the certificate the pods still serve while the kubelet delivers the new one.
    const oldCa = read(first.out, 'ca.crt');
    ok(['--new-ca'], {}, first.out);
    const newCa = read(first.out, 'ca.crt');
    assert.notEqual(newCa, oldCa);
    const both = Buffer.from(read(first.out, 'caBundle').trim(), 'base64').toString('utf8');
    assert.equal(both, newCa + oldCa);
    const secret = parse(read(first.out, 'secret.yaml')) as { data: Record<string, string> };
    assert.equal(
      secret.data['ca.crt'],
      b64(first.out, 'ca.crt'),
      'the Secret names the new CA only',
    );
    ok([], {}, first.out);
    assert.equal(read(first.out, 'caBundle').trim(), b64(first.out, 'ca.crt'), 'old CA dropped');
  });

  test('refuses a CA that would expire before the certificate, or a key that is not its own', () => {
    const short = gen(['--ca-days', '30', '--days', '60']);
    assert.equal(short.status, 2);
    assert.match(short.stderr, /outlive its CA/);
    const first = ok(['--ca-days', '100', '--days', '50']);
    const again = gen(['--days', '200'], {}, first.out);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /--new-ca/);
    const other = ok();
    const mixed = join(root, 'mixed');
    mkdirSync(mixed);
    for (const [from, name] of [
      [first.out, 'ca.crt'],
      [other.out, 'ca.key'],
    ] as const) {
      spawnSync('cp', [join(from, name), join(mixed, name)]);
    }
    const bad = gen([], {}, mixed);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /do not belong together/);
  });

  test('bad usage exits 2 with a one-line reason; --help exits 0', () => {
    for (const [args, reason] of [
      [['--days', '900'], /--days '900'/],
      [['--days', 'ten'], /--days 'ten'/],
      [['--namespace', 'Not_A_Label'], /--namespace 'Not_A_Label'/],
      [['--bogus'], /unknown option --bogus/],
      [['--service'], /--service needs a value/],
    ] as const) {
      const r = gen([...args]);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, reason);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const help = spawnSync('bash', [SCRIPT, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: certs\/gen\.sh/);
  });

  test('is clean under shellcheck', t => {
    const r = spawnSync('shellcheck', [SCRIPT], { encoding: 'utf8' });
    if (r.error) {
      t.skip('shellcheck is not installed (apt-get install shellcheck)');
      return;
    }
    assert.equal(r.status, 0, r.stdout);
  });
});
