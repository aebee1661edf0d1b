import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { InputError } from '../../src/errors.js';
import { chooseLedger } from '../../src/state/choose-ledger.js';
import { KubeLedger } from '../../src/state/kube-ledger.js';
import { Reservations } from '../../src/state/reservations.js';
import { tempDir } from '../helpers/temp.js';

const log = pino({ level: 'silent' });

test('which ledger serve keeps: shared in a pod on live state, in memory for a snapshot or a laptop, as asked otherwise', async t => {
  const dir = tempDir(t, 'ledger-choice');
  writeFileSync(
    join(dir, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c\n  cluster:\n    server: https://127.0.0.1:1',
      'users:',
      '- name: u\n  user:\n    token: t',
      'contexts:',
      '- name: x\n  context:\n    cluster: c\n    user: u',
      'current-context: x',
      '',
    ].join('\n'),
  );
  const kubeconfig = { KUBECONFIG: join(dir, 'kubeconfig'), HOME: dir };
  const inPod = { ...kubeconfig, KUBERNETES_SERVICE_HOST: '10.100.0.1' };
  const cases: [string, Record<string, string>, boolean, 'memory' | 'kube'][] = [
    ['a snapshot in a pod', inPod, false, 'memory'],
    ['live state outside a pod', kubeconfig, true, 'memory'],
    ['live state in a pod', inPod, true, 'kube'],
    ['IPGUARD_LEDGER=kube outside a pod', { ...kubeconfig, IPGUARD_LEDGER: 'kube' }, true, 'kube'],
    ['IPGUARD_LEDGER=memory in a pod', { ...inPod, IPGUARD_LEDGER: 'memory' }, true, 'memory'],
  ];
  for (const [what, env, live, want] of cases) {
    const { ledger, why } = await chooseLedger(loadConfig(env), live, log, env);
    assert.ok(
      want === 'kube' ? ledger instanceof KubeLedger : ledger instanceof Reservations,
      `${what}: ${why}`,
    );
  }
  const shared = await chooseLedger(
    loadConfig({ ...inPod, POD_NAMESPACE: 'guard' }),
    true,
    log,
    inPod,
  );
  assert.equal(
    shared.ledger.description,
    'ConfigMap guard/ipguard-ledger (shared by every replica)',
  );
  await assert.rejects(
    chooseLedger(loadConfig({ IPGUARD_LEDGER: 'kube', HOME: dir }), true, log, { HOME: dir }),
    (err: unknown) =>
      err instanceof InputError && /IPGUARD_LEDGER=kube: no cluster configured/.test(err.message),
  );
  assert.throws(
    () => loadConfig({ POD_NAMESPACE: 'Not_A_Namespace' }),
    /POD_NAMESPACE="Not_A_Namespace": not a namespace name/,
  );
  assert.throws(
    () => loadConfig({ IPGUARD_LEDGER: 'etcd' }),
    /IPGUARD_LEDGER="etcd": expected one of auto, kube, memory/,
  );
});
