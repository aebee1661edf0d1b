import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { DEFAULT_SERVE } from '../../src/config.js';

// No Docker engine runs here, so the Dockerfile is read, not built: these tests pin what the image
// must be (what pack.test.ts proves runs: the packed files plus production dependencies).

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  image: string;
  name?: string;
  steps: Instruction[];
}

/** Dockerfile instructions, continuation lines joined, comments dropped, ARG defaults expanded in FROM. */
function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\w+)\s+(.*)$/.exec(line);
    assert.ok(m, `Dockerfile: cannot read ${line}`);
    const op = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (op === 'ARG' && stages.length === 0) {
      const [k, v] = rest.split('=');
      args[k!] = v ?? '';
      continue;
    }
    if (op === 'FROM') {
      const [image, as, name] = rest.split(/\s+/);
      const expanded = image!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => {
        const v = args[a ?? b ?? ''];
        assert.ok(v !== undefined, `FROM ${image!}: ARG ${a ?? b ?? ''} has no default`);
        return v;
      });
      stages.push({
        image: expanded,
        ...(as?.toUpperCase() === 'AS' && { name: name! }),
        steps: [],
      });
      continue;
    }
    assert.ok(stages.length > 0, `Dockerfile: ${op} before FROM`);
    stages.at(-1)!.steps.push({ op, args: rest });
  }
  return stages;
}

interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

function copies(stage: Stage): Copy[] {
  return stage.steps
    .filter(s => s.op === 'COPY')
    .map(s => {
      const words = s.args.split(/\s+/);
      const flags = words.filter(w => w.startsWith('--'));
      const paths = words.filter(w => !w.startsWith('--'));
      const from = flags.find(f => f.startsWith('--from='))?.slice('--from='.length);
      return {
        ...(from !== undefined && { from }),
        sources: paths.slice(0, -1),
        dest: paths.at(-1)!,
      };
    });
}

const runs = (stage: Stage) => stage.steps.filter(s => s.op === 'RUN').map(s => s.args);
const top = (path: string) => path.replace(/^\.\//, '').split('/')[0]!;

/** The top-level names a COPY creates in WORKDIR: the sources' names when the destination is a folder. */
function created(c: Copy): string[] {
  if (c.dest === '.' || c.dest.endsWith('/'))
    return c.sources.map(s => s.split('/').filter(Boolean).at(-1)!);
  return [top(c.dest)];
}

const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const runtime = stages.at(-1)!;
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  files: string[];
  engines: { node: string };
};
const deployment = parse(
  readFileSync(join(REPO, 'manifests', 'base', 'deployment.yaml'), 'utf8'),
) as {
  spec: {
    template: {
      spec: {
        securityContext: { runAsUser: number };
        containers: { ports: { name: string; containerPort: number }[] }[];
      };
    };
  };
};

function stageNamed(name: string): Stage {
  const s = stages.find(x => x.name === name);
  assert.ok(s, `no stage named ${name}`);
  return s;
}

function nodeMajor(image: string): number {
  const m = /(?:^|\/)(?:node:|nodejs)(\d+)/.exec(image);
  assert.ok(m, `${image}: not a Node.js image`);
  return Number(m[1]);
}

test('runs on a current LTS Node.js, the same major in every stage, within engines', () => {
  const majors = new Set(stages.map(s => nodeMajor(s.image)));
  assert.equal(majors.size, 1, `stages use Node.js ${[...majors].join(', ')}`);
  const [major] = [...majors];
  assert.ok(major === 22 || major === 24, `Node.js ${major}`);
  const min = /^>=\s*(\d+)/.exec(pkg.engines.node);
  assert.ok(min && major >= Number(min[1]), `engines ${pkg.engines.node}`);
  assert.match(runtime.image, /distroless|slim/, 'a slim or distroless runtime');
});

test('builds with dev dependencies in one stage and ships production dependencies only', () => {
  const fromStages = copies(runtime).filter(c => c.from !== undefined);
  const distFrom = fromStages.find(c => created(c).includes('dist'));
  const modulesFrom = fromStages.find(c => created(c).includes('node_modules'));
  assert.ok(distFrom && modulesFrom, 'dist/ and node_modules/ come from earlier stages');
  const build = stageNamed(distFrom.from!);
  assert.ok(
    runs(build).some(r => /^npm ci\b/.test(r) && !r.includes('--omit=dev')),
    'npm ci, dev deps',
  );
  assert.ok(runs(build).some(r => /^npm run build\b/.test(r)));
  const deps = stageNamed(modulesFrom.from!);
  const install = runs(deps).find(r => /^npm ci\b/.test(r));
  assert.ok(install?.includes('--omit=dev') && install.includes('--ignore-scripts'), install);
  assert.ok(
    !copies(deps).some(c => c.sources.some(s => top(s) === 'src')),
    'deps stage builds nothing',
  );
});

test('the runtime image holds only dist/, node_modules/, package.json and what the package ships', () => {
  const shipped = new Set(copies(runtime).flatMap(created));
  // What `npm pack` puts in the package (package.json "files"), plus its manifest and dependencies.
  const expected = new Set([...pkg.files.map(top), 'package.json', 'node_modules']);
  assert.deepEqual([...shipped].sort(), [...expected].sort());
  assert.equal(runs(runtime).length, 0, 'nothing runs in the runtime stage (it has no shell)');
});

test('runs as the non-root uid the Deployment expects, serving on the Deployment’s port', () => {
  const users = runtime.steps.filter(s => s.op === 'USER').map(s => s.args);
  assert.equal(users.length, 1);
  const uid = Number(users[0]!.split(':')[0]);
  // Numeric, so the kubelet can check runAsNonRoot against the image itself.
  assert.ok(Number.isInteger(uid) && uid > 0, users[0]);
  assert.equal(uid, deployment.spec.template.spec.securityContext.runAsUser);
  const expose = runtime.steps.filter(s => s.op === 'EXPOSE').map(s => Number(s.args));
  const https = deployment.spec.template.spec.containers[0]!.ports.find(p => p.name === 'https');
  assert.deepEqual(expose, [DEFAULT_SERVE.port]);
  assert.equal(https?.containerPort, DEFAULT_SERVE.port);
});

test('starts `ipguard serve` through the package’s own bin, in exec form', () => {
  const entry = runtime.steps.filter(s => s.op === 'ENTRYPOINT');
  assert.equal(entry.length, 1);
  // Exec form: node is PID 1 and gets SIGTERM directly.
  const argv = JSON.parse(entry[0]!.args) as string[];
  assert.equal(argv.length, 3);
  assert.match(argv[0]!, /(^|\/)node$/);
  assert.equal(argv[1], pkg.bin.ipguard);
  assert.equal(argv[2], 'serve');
  const workdir = runtime.steps.filter(s => s.op === 'WORKDIR').map(s => s.args);
  assert.equal(workdir.length, 1);
  assert.match(workdir[0]!, /^\//);
});

test('.dockerignore lets in only what the Dockerfile copies from the context', () => {
  const patterns = readFileSync(join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .map(l => l.trim())
    .filter(l => l !== '' && !l.startsWith('#'));
  assert.equal(patterns[0], '*', 'everything is out unless listed');
  const allowed = patterns.filter(p => p.startsWith('!')).map(p => top(p.slice(1)));
  const fromContext = stages.flatMap(s => copies(s).filter(c => c.from === undefined));
  const needed = new Set(fromContext.flatMap(c => c.sources.map(top)));
  assert.deepEqual([...new Set(allowed)].sort(), [...needed].sort());
  for (const secret of ['**/*.key', '**/*.pem']) assert.ok(patterns.includes(secret), secret);
});

test('every base image is a build argument, so pinning by digest is one --build-arg each, as docs/install.md shows', () => {
  const defaults = new Map(
    [...dockerfile.matchAll(/^ARG (\w+)=(\S+)$/gm)].map(m => [m[1]!, m[2]!] as const),
  );
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map(m => m[1]!);
  assert.ok(froms.length >= 2);
  const images = new Set<string>();
  for (const from of froms) {
    if (stages.some(s => s.name === from)) continue;
    const arg = /^\$\{(\w+)\}$/.exec(from)?.[1];
    assert.ok(arg && defaults.has(arg), `FROM ${from}: not a build argument with a default`);
    images.add(arg);
  }
  const install = readFileSync(join(REPO, 'docs', 'install.md'), 'utf8');
  for (const arg of images) {
    const image = defaults.get(arg)!;
    // The documented flag pins the same image the default names, by digest.
    assert.ok(
      install.includes(`--build-arg ${arg}=${image}@$(digest ${image})`),
      `docs/install.md pins ${arg}=${image}`,
    );
  }
});
