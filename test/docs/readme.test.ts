import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, REPO } from '../helpers/cli.js';
import { kustomizationFile, readYamlDocuments } from '../helpers/kustomize.js';

/* The README's commands are what a new user runs first; these keep them true. */

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const install = /## Install in a cluster\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';

test('the install section names overlays that exist', () => {
  const overlays = [...install.matchAll(/manifests\/overlays\/([a-z-]+)/g)].map(m => m[1] ?? '');
  assert.ok(overlays.includes('plain') && overlays.includes('cert-manager'), install);
  for (const o of overlays)
    assert.ok(existsSync(kustomizationFile(join(REPO, 'manifests', 'overlays', o))), o);
  assert.ok(existsSync(join(REPO, 'certs', 'gen.sh')));
});

test("the install section's image substitution matches the base Deployment's image", () => {
  const sed = /sed 's#image: ([^#]+)#image: ([^#]+)#'/.exec(install);
  assert.ok(sed, 'the install commands set the image');
  const deployment = readYamlDocuments(join(REPO, 'manifests', 'base', 'deployment.yaml'))[0] as {
    spec: { template: { spec: { containers: { image: string }[] } } };
  };
  assert.equal(deployment.spec.template.spec.containers[0]?.image, sed[1]);
});

test("the Commands section's calc and max-pods session is what they print", async () => {
  const commands = /## Commands\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const session = /```console\n([\s\S]*?)```/.exec(commands)?.[1] ?? '';
  const steps = [...session.matchAll(/^\$ npx tsx src\/cli\/main\.ts (.*)\n((?:(?!\$ ).*\n)*)/gm)];
  assert.ok(steps.length >= 3, session);
  for (const [, command, output] of steps) {
    const r = await cli((command ?? '').split(' '));
    assert.equal(r.code, 0, `${command ?? ''}: ${r.err}`);
    const printed = (command ?? '').includes('-o json')
      ? JSON.stringify(JSON.parse(r.out))
      : r.out.trim();
    const quoted = (command ?? '').includes('-o json')
      ? JSON.stringify(JSON.parse(output ?? ''))
      : (output ?? '').trim();
    assert.equal(printed, quoted, command);
  }
});
