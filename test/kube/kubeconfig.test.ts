import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { tempDir } from '../helpers/temp.js';

/** A kubeconfig with one cluster, user and context per name, each cluster at http://NAME.test. */
function kubeconfig(
  names: readonly string[],
  current: string | undefined,
  server = (n: string) => `http://${n}.test`,
): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...names.map(
      n =>
        `- name: ${n}\n  cluster:\n    server: ${server(n)}\n    certificate-authority: ca-${n}.crt`,
    ),
    'users:',
    ...names.map(n => `- name: ${n}\n  user:\n    token: token-${n}`),
    'contexts:',
    ...names.map(n => `- name: ${n}\n  context:\n    cluster: ${n}\n    user: ${n}`),
    ...(current === undefined ? [] : [`current-context: ${current}`]),
    '',
  ].join('\n');
}

test('several KUBECONFIG files merge as kubectl merges them: first current-context, first of a name', t => {
  const dir = tempDir(t, 'kubeconfig');
  mkdirSync(join(dir, 'one'));
  mkdirSync(join(dir, 'two'));
  const one = join(dir, 'one', 'config');
  const two = join(dir, 'two', 'config');
  const empty = join(dir, 'empty');
  writeFileSync(one, kubeconfig(['a'], 'a'));
  // The same cluster, user and context name again, with another server, and a context of its own.
  writeFileSync(
    two,
    kubeconfig(['a', 'b'], 'b', n => `http://${n}.two.test`),
  );
  writeFileSync(empty, '');
  const loaded = loadKubeConfig({ KUBECONFIG: [one, empty, two].join(delimiter) });
  assert.ok(loaded);
  const kc = loaded.kubeConfig;
  assert.equal(kc.getCurrentContext(), 'a', 'the first file that sets current-context wins');
  assert.equal(kc.getCluster('a')?.server, 'http://a.test', 'the first cluster named a wins');
  assert.equal(kc.getUser('a')?.token, 'token-a');
  assert.equal(kc.getCluster('b')?.server, 'http://b.two.test', 'the second file adds b');
  assert.deepStrictEqual(
    kc.getContexts().map(c => c.name),
    ['a', 'b'],
  );
  // Relative paths are relative to the file that names them.
  assert.equal(kc.getCluster('a')?.caFile, join(dir, 'one', 'ca-a.crt'));
  assert.equal(kc.getCluster('b')?.caFile, join(dir, 'two', 'ca-b.crt'));
  assert.equal(loaded.description, `${[one, empty, two].join(delimiter)} (http://a.test)`);
});

test('the current-context comes from a later file when the first sets none', t => {
  const dir = tempDir(t, 'kubeconfig');
  const one = join(dir, 'one');
  const two = join(dir, 'two');
  writeFileSync(one, kubeconfig(['a'], undefined));
  writeFileSync(two, kubeconfig(['b'], 'b'));
  const loaded = loadKubeConfig({ KUBECONFIG: [one, two].join(delimiter) });
  assert.equal(loaded?.kubeConfig.getCurrentContext(), 'b');
  assert.equal(loaded.kubeConfig.getCurrentCluster()?.server, 'http://b.test');
});

test('a kubeconfig that cannot be used is an InputError naming the file', t => {
  const dir = tempDir(t, 'kubeconfig');
  const good = join(dir, 'good');
  writeFileSync(good, kubeconfig(['a'], 'a'));
  const cases: [string, string, RegExp][] = [
    ['bad-yaml', 'clusters: [\n  - name: a\n  oops: {', /^kubeconfig .*bad-yaml: .+/],
    ['scalar', 'just a string\n', /^kubeconfig .*scalar: not a kubeconfig/],
    [
      'no-server',
      'clusters:\n- name: a\n  cluster: {}\n',
      /^kubeconfig .*no-server: clusters\[0\]\.cluster\.server is missing$/,
    ],
    ['no-current', kubeconfig(['a'], undefined), /^kubeconfig .*no-current: no current-context/],
    [
      'wrong-current',
      kubeconfig(['a'], 'zz'),
      /^kubeconfig .*wrong-current: current-context zz is not among the contexts$/,
    ],
  ];
  for (const [name, text, expected] of cases) {
    const file = join(dir, name);
    writeFileSync(file, text);
    assert.throws(
      () => loadKubeConfig({ KUBECONFIG: file }),
      (err: unknown) => {
        assert.ok(err instanceof InputError, `${name}: ${String(err)}`);
        assert.match(err.message, expected);
        assert.ok(!err.message.includes('\n'), `${name}: one line`);
        return true;
      },
    );
  }
  // A bad file among good ones is still named.
  const bad = join(dir, 'bad-yaml');
  assert.throws(
    () => loadKubeConfig({ KUBECONFIG: [good, bad].join(delimiter) }),
    (err: unknown) => err instanceof InputError && err.message.startsWith(`kubeconfig ${bad}: `),
  );
  // ~/.kube/config the same way.
  mkdirSync(join(dir, 'home', '.kube'), { recursive: true });
  writeFileSync(join(dir, 'home', '.kube', 'config'), 'just a string\n');
  assert.throws(
    () => loadKubeConfig({ HOME: join(dir, 'home') }),
    (err: unknown) =>
      err instanceof InputError &&
      err.message.startsWith(
        `kubeconfig ${join(dir, 'home', '.kube', 'config')}: not a kubeconfig`,
      ),
  );
});
