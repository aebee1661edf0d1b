import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SERVE, loadConfig } from '../src/config.js';
import { DEFAULT_POLICY } from '../src/policy/config.js';
import { InputError } from '../src/errors.js';

test('no settings: the documented defaults', () => {
  const c = loadConfig({});
  assert.equal(c.port, 8443);
  assert.equal(c.failureMode, 'allow');
  assert.equal(c.budgetMs, DEFAULT_SERVE.budgetMs);
  assert.deepEqual(c.policy, DEFAULT_POLICY);
});

test('environment and flags: flags win', () => {
  const c = loadConfig(
    {
      IPGUARD_PORT: '9443',
      IPGUARD_DEFAULT_MODE: 'warn',
      IPGUARD_AUTOSCALER_USERNAMES: 'a, b ,,c',
      IPGUARD_ENFORCE_AUTOSCALERS: 'true',
    },
    { port: '10443' },
  );
  assert.equal(c.port, 10443);
  assert.equal(c.policy.defaultMode, 'warn');
  assert.deepEqual(c.policy.autoscalerUsernames, ['a', 'b', 'c']);
  assert.equal(c.policy.autoscalersEnforced, true);
});

test('every problem is reported together, naming the variable or flag', () => {
  assert.throws(
    () =>
      loadConfig(
        { IPGUARD_PORT: 'https', IPGUARD_FAILURE_MODE: 'maybe', IPGUARD_TLS_CERT: '/c.pem' },
        { budgetMs: '5' },
      ),
    (e: unknown) =>
      e instanceof InputError &&
      e.message.includes('IPGUARD_PORT="https"') &&
      e.message.includes('IPGUARD_FAILURE_MODE="maybe": expected one of allow, deny') &&
      e.message.includes('--budget-ms="5": expected a whole number from 50') &&
      e.message.includes('set both --tls-cert and --tls-key'),
  );
});
