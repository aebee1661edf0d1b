import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp.js';

// The runtime image is the packed package plus `npm ci --omit=dev` (see Dockerfile). With no Docker
// engine here, this test builds the same thing in temp folders and runs the CLI from it. It needs
// the npm registry (or a warm npm cache) and takes up to a minute; IPGUARD_SKIP_PACK_TEST=1 skips
// it, visibly, and nothing else does.

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SKIP = process.env.IPGUARD_SKIP_PACK_TEST === '1' ? 'IPGUARD_SKIP_PACK_TEST=1' : false;
const STEP_MS = 240_000;

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  files: string[];
  devDependencies: Record<string, string>;
};

/** npm as a child of `npm test` would inherit the outer run's lifecycle variables; drop them. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(lifecycle|package|command)|^npm_config_(omit|dry_run|global|prefix)$/i.test(k))
      continue;
    if (k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return env;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeout = STEP_MS,
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: cleanEnv(), timeout });
  assert.ok(!r.error, `${cmd} ${args.join(' ')}: ${String(r.error)}`);
  return r;
}

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd);
  assert.equal(r.status, 0, `npm ${args.join(' ')} in ${cwd}:\n${r.stderr}`);
  return r;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(f => statSync(join(dir, f)).isFile())
    .sort();
}

const tmp = tempDir({ after }, 'pack');
let tarball = '';
let packed: string[] = [];

describe(
  'the npm package (what the runtime image is made of)',
  { skip: SKIP, timeout: 3 * STEP_MS },
  () => {
    before(() => {
      // `prepack` builds dist/ first, as a publish would.
      const r = npm(['pack', '--json', '--pack-destination', tmp], REPO);
      const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
      assert.ok(info);
      tarball = join(tmp, info.filename);
      packed = info.files.map(f => f.path).sort();
    });

    test('holds the compiled CLI and the examples, and no tests, sources or keys', () => {
      const bin = pkg.bin.ipguard!.replace(/^\.\//, '');
      assert.ok(packed.includes(bin), `${bin} is packed`);
      assert.ok(packed.includes('package.json'));
      for (const f of ['cluster.json', 'subnets.json', 'instance-types.json', 'rollout-v2.yaml']) {
        assert.ok(packed.includes(`examples/bluegreen/${f}`), f);
      }
      const stray = packed.filter(
        f =>
          f.startsWith('test/') ||
          /\.test\.[cm]?[jt]s$/.test(f) ||
          (/\.[cm]?ts$/.test(f) && !f.startsWith('dist/')) ||
          /^(certs|manifests|src|test|node_modules)\//.test(f) ||
          /\.(key|pem|p12|pfx)$/.test(f) ||
          /(^|\/)\.env/.test(f),
      );
      assert.deepEqual(stray, []);
      // Every top-level entry is one package.json "files" asks for (or npm always adds).
      const tops = new Set(packed.map(f => f.split('/')[0]!));
      const allowed = new Set([
        ...pkg.files.map(f => f.split('/')[0]!),
        'package.json',
        'README.md',
        'LICENSE',
      ]);
      assert.deepEqual(
        [...tops].filter(t => !allowed.has(t)),
        [],
      );
      // And nothing in it is a private key, whatever its name.
      const unpacked = join(tmp, 'unpacked');
      mkdirSync(unpacked);
      assert.equal(run('tar', ['-xzf', tarball, '-C', unpacked], tmp).status, 0);
      for (const f of filesUnder(unpacked)) {
        assert.doesNotMatch(readFileSync(join(unpacked, f), 'utf8'), /PRIVATE KEY-----/, f);
      }
    });

    test('installed with --omit=dev in an empty folder, the ipguard bin runs', () => {
      const app = join(tmp, 'installed');
      mkdirSync(app);
      writeFileSync(
        join(app, 'package.json'),
        JSON.stringify({ name: 'pack-check', private: true }),
      );
      npm(['install', '--omit=dev', tarball], app);
      // No development dependency came along.
      const present = Object.keys(pkg.devDependencies).filter(d =>
        existsSync(join(app, 'node_modules', d)),
      );
      assert.deepEqual(
        present.filter(d => !d.startsWith('@types/')),
        [],
      );

      const ipguard = join(app, 'node_modules', '.bin', 'ipguard');
      const maxPods = run(
        ipguard,
        ['max-pods', '--max-enis', '3', '--ipv4-per-eni', '10'],
        app,
        30_000,
      );
      assert.equal(maxPods.status, 0, maxPods.stderr);
      assert.equal(maxPods.stdout, '29\n');

      const example = join(app, 'node_modules', pkg.name, 'examples', 'bluegreen');
      const check = run(
        ipguard,
        ['check', '--snapshot', example, '-f', join(example, 'rollout-v2.yaml')],
        app,
        30_000,
      );
      assert.equal(check.status, 1, `a denied change exits 1: ${check.stderr}`);
      assert.match(check.stdout, /^DENY\b/m);
      const json = run(
        ipguard,
        [
          'check',
          '--snapshot',
          example,
          '-f',
          join(example, 'rollout-v2.yaml'),
          '--output',
          'json',
        ],
        app,
        30_000,
      );
      assert.equal(json.status, 1);
      assert.equal((JSON.parse(json.stdout) as { allowed: boolean }).allowed, false);
    });

    test('laid out as the image (package files + locked production dependencies), the CLI runs', () => {
      // Dockerfile: deps stage `npm ci --omit=dev --ignore-scripts` from the lockfile; runtime copies
      // node_modules, dist, package.json and examples; ENTRYPOINT `node dist/src/cli/main.js`.
      const image = join(tmp, 'image');
      mkdirSync(image);
      assert.equal(
        run('tar', ['-xzf', tarball, '-C', image, '--strip-components=1'], tmp).status,
        0,
      );
      cpSync(join(REPO, 'package-lock.json'), join(image, 'package-lock.json'));
      npm(['ci', '--omit=dev', '--ignore-scripts'], image);
      rmSync(join(image, 'package-lock.json'));
      // npm always packs the README; the Dockerfile does not copy it into the image.
      rmSync(join(image, 'README.md'), { force: true });
      const tops = readdirSync(image).sort();
      assert.deepEqual(tops, ['dist', 'examples', 'node_modules', 'package.json']);
      const main = relative('.', pkg.bin.ipguard!);
      const r = run(
        process.execPath,
        [main, 'max-pods', '--max-enis', '3', '--ipv4-per-eni', '10'],
        image,
        30_000,
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '29\n');
    });
  },
);
