import { test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, EXAMPLE } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import assert from 'node:assert/strict';
import { decide, type DecideInput } from '../../src/policy/decide.js';
import { DEFAULT_POLICY } from '../../src/policy/config.js';
import { exceptionFor, parseRfc3339 } from '../../src/policy/exception.js';
import { modeFor } from '../../src/policy/mode.js';
import { oneLine } from '../../src/policy/messages.js';
import { AddressBook } from '../../src/simulate/address-book.js';
import type { Workload } from '../../src/cluster/model.js';
import {
  GiB,
  aCluster,
  aNamespace,
  aNode,
  aPod,
  aPodShape,
  aSubnet,
  aWorkload,
} from '../helpers/builders.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');

/** One full node per zone, a subnet per zone with `free` addresses; web pods each need a new node (14 IPs with MIT=13). */
function input(
  free: number,
  o: {
    nsAnnotations?: Record<string, string>;
    wlAnnotations?: Record<string, string>;
    replicas?: number;
  } = {},
): DecideInput {
  const a = aNode({ ip: '10.0.1.10', zone: 'zone-a' });
  const b = aNode({ ip: '10.0.2.10', zone: 'zone-b' });
  const model = aCluster({
    nodes: [a, b],
    pods: [
      aPod(a.name, { requests: { cpuMilli: 7900, memoryBytes: GiB } }),
      aPod(b.name, { requests: { cpuMilli: 7900, memoryBytes: GiB } }),
    ],
    subnets: [
      aSubnet({ id: 'subnet-a', zone: 'zone-a', cidr: '10.0.1.0/24', availableIps: free }),
      aSubnet({ id: 'subnet-b', zone: 'zone-b', cidr: '10.0.2.0/24', availableIps: free }),
    ],
    namespaces: [aNamespace('shop', o.nsAnnotations)],
    cniEnv: { MINIMUM_IP_TARGET: '13' },
  });
  const web = (replicas: number): Workload =>
    aWorkload({
      kind: 'Deployment',
      name: 'web',
      replicas,
      annotations: o.wlAnnotations ?? {},
      pod: aPodShape({ requests: { cpuMilli: 4000, memoryBytes: 8 * GiB } }),
    });
  return {
    model,
    change: { current: web(0), desired: web(o.replicas ?? 4), replicaSets: [], nowMs: NOW },
    config: DEFAULT_POLICY,
    book: new AddressBook(),
  };
}

// 4 pods -> 4 new nodes, 2 per zone, 14 addresses each: 28 per subnet. Headroom threshold: max(16, 10% of 251) = 26.
const verdicts = [
  { free: 27, verdict: 'deny' },
  { free: 28, verdict: 'warn' },
  { free: 53, verdict: 'warn' },
  { free: 54, verdict: 'allow' },
] as const;
for (const v of verdicts) {
  test(`verdict with ${v.free} free per subnet for 28 needed: ${v.verdict}`, () => {
    const d = decide(input(v.free));
    assert.equal(d.verdict, v.verdict);
    assert.equal(d.allowed, v.verdict !== 'deny');
  });
}

test('a denial names the numbers and the remedies that would fit', () => {
  const d = decide(input(20));
  assert.equal(d.verdict, 'deny');
  assert.equal(d.judgement.shortfall, 16);
  assert.match(d.denial ?? '', /needs 56, 40 available \(short 16\)/);
  assert.match(d.denial ?? '', /subnet-a \(zone-a\) needs 28, has 20/);
  assert.match(d.denial ?? '', /MINIMUM_IP_TARGET=13/);
  // 2 nodes per subnet at 1 + m addresses must fit in 20 + what the 2 existing nodes give back (13 - m each... 1 per subnet).
  const mit = d.remedies.find(r => r.env?.MINIMUM_IP_TARGET !== undefined);
  assert.ok(mit, d.remedies.map(r => r.text).join('\n'));
  const m = Number(mit.env?.MINIMUM_IP_TARGET);
  assert.ok(2 * (1 + m) <= 20 + (13 - Math.max(1, m)), `MINIMUM_IP_TARGET=${m} must fit`);
  assert.ok(2 * (2 + m) > 20 + (13 - Math.max(1, m + 1)), `MINIMUM_IP_TARGET=${m + 1} must not`);
  assert.ok(
    d.remedies.some(r => r.kind === 'step' && /^scale in steps: 2 replicas fit now/.test(r.text)),
    'two new nodes (one per zone) fit now',
  );
  assert.ok(d.remedies.some(r => r.kind === 'free'));
});

test('warnings are short, printable, few, and lead with the verdict', () => {
  const d = decide(input(20));
  assert.ok(d.warnings.length > 0 && d.warnings.length <= 5);
  for (const w of d.warnings) {
    assert.ok(w.length <= 120, w);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(w, /[\u0000-\u001f\u007f]/);
  }
  assert.match(d.warnings[0] ?? '', /needs 56 IPs at peak, 40 available: short 16/);
});

test('an exception on the workload turns a deny into an allow with its reason', () => {
  const d = decide(input(20, { wlAnnotations: { 'ipguard.io/exception': 'INC-4711 launch day' } }));
  assert.equal(d.allowed, true);
  assert.equal(d.verdict, 'warn');
  assert.equal(d.simulated, 'deny');
  assert.equal(d.exceptionUsed, true);
  assert.ok(d.warnings.some(w => w.includes('INC-4711 launch day')));
});

test('an expired exception does not apply, and the warning says it expired', () => {
  const d = decide(
    input(20, {
      wlAnnotations: {
        'ipguard.io/exception': 'INC-4711',
        'ipguard.io/exception-expires': '2026-11-27T11:00:00Z',
      },
    }),
  );
  assert.equal(d.allowed, false);
  assert.equal(d.exceptionUsed, false);
  assert.ok(d.messages.some(m => /expired 2026-11-27T11:00:00Z/.test(m)));
});

test('an exception on the namespace applies to its workloads until it expires', () => {
  const ok = decide(
    input(20, {
      nsAnnotations: {
        'ipguard.io/exception': 'migration week',
        'ipguard.io/exception-expires': '2026-11-28T00:00:00+01:00',
      },
    }),
  );
  assert.equal(ok.allowed, true);
  assert.equal(ok.exception?.on, 'namespace');
});

test('an exception is not used when nothing would be denied', () => {
  const d = decide(input(200, { wlAnnotations: { 'ipguard.io/exception': 'just in case' } }));
  assert.equal(d.verdict, 'allow');
  assert.equal(d.exceptionUsed, false);
  assert.deepEqual(d.warnings, []);
});

test('namespace modes: warn allows a deny with a warning; off does not check', () => {
  const warn = decide(input(20, { nsAnnotations: { 'ipguard.io/mode': 'warn' } }));
  assert.equal(warn.allowed, true);
  assert.equal(warn.verdict, 'warn');
  assert.equal(warn.simulated, 'deny');
  const off = decide(input(20, { nsAnnotations: { 'ipguard.io/mode': 'off' } }));
  assert.equal(off.allowed, true);
  assert.equal(off.verdict, 'allow');
  assert.equal(off.sim.ipsRequired, 0);
});

test('autoscaler requests are allowed with a warning unless autoscalers are enforced', () => {
  const base = input(20);
  const hpa = decide({ ...base, autoscaler: true });
  assert.equal(hpa.allowed, true);
  assert.equal(hpa.autoscalerAllowed, true);
  const enforced = decide({
    ...base,
    autoscaler: true,
    config: { ...DEFAULT_POLICY, autoscalersEnforced: true },
  });
  assert.equal(enforced.allowed, false);
});

test('stale state turns an allow into a warn that says why', () => {
  const d = decide({ ...input(200), stale: 'subnets last refreshed 12 minutes ago' });
  assert.equal(d.verdict, 'warn');
  assert.ok(d.warnings.some(w => w.includes('12 minutes ago')));
});

test('in-flight reservations count against a subnet', () => {
  const base = input(60);
  assert.equal(decide(base).verdict, 'allow');
  const d = decide({ ...base, reserved: new Map([['subnet-a', 40]]) });
  assert.equal(d.verdict, 'deny');
  assert.match(d.messages.join('\n'), /20 available \(60 free, 40 reserved by admitted changes\)/);
});

const modeCases = [
  { ann: undefined, mode: 'enforce', note: false },
  { ann: 'warn', mode: 'warn', note: false },
  { ann: ' Off ', mode: 'off', note: false },
  { ann: 'audit', mode: 'enforce', note: true },
] as const;
for (const c of modeCases) {
  test(`ipguard.io/mode ${JSON.stringify(c.ann)} -> ${c.mode}`, () => {
    const ns = aNamespace('x', c.ann === undefined ? {} : { 'ipguard.io/mode': c.ann });
    const m = modeFor(ns, 'enforce');
    assert.equal(m.mode, c.mode);
    assert.equal(m.note !== undefined, c.note);
  });
}

test('exception rules: an empty reason is none; an unreadable expiry is not honoured', () => {
  assert.equal(exceptionFor({ 'ipguard.io/exception': '  ' }, undefined, NOW), undefined);
  const bad = exceptionFor(
    { 'ipguard.io/exception': 'x', 'ipguard.io/exception-expires': 'next friday' },
    undefined,
    NOW,
  );
  assert.equal(bad?.expired, true);
  assert.match(bad?.problem ?? '', /RFC 3339/);
  const ownExpiredNsValid = exceptionFor(
    { 'ipguard.io/exception': 'own', 'ipguard.io/exception-expires': '2026-01-01T00:00:00Z' },
    { 'ipguard.io/exception': 'ns' },
    NOW,
  );
  assert.equal(ownExpiredNsValid?.reason, 'ns');
  assert.equal(parseRfc3339('2026-11-27T12:00:00.5+02:00'), Date.parse('2026-11-27T10:00:00.5Z'));
  assert.equal(parseRfc3339('2026-11-27'), undefined);
});

const rfc3339Cases: { text: string; ms: number | undefined }[] = [
  { text: '2026-02-30T00:00:00Z', ms: undefined },
  { text: '2026-02-29T00:00:00Z', ms: undefined },
  { text: '2028-02-29T00:00:00Z', ms: Date.UTC(2028, 1, 29) },
  { text: '2100-02-29T00:00:00Z', ms: undefined },
  { text: '2000-02-29T00:00:00Z', ms: Date.UTC(2000, 1, 29) },
  { text: '2026-04-31T00:00:00Z', ms: undefined },
  { text: '2026-13-01T00:00:00Z', ms: undefined },
  { text: '2026-00-10T00:00:00Z', ms: undefined },
  { text: '2026-11-27T24:00:00Z', ms: undefined },
  { text: '2026-11-27T23:60:00Z', ms: undefined },
  { text: '2026-11-27T12:00:00+24:00', ms: undefined },
  { text: '2026-11-27T12:00:00+05:60', ms: undefined },
  // RFC 3339 5.6 allows a leap second; it reads as the instant after :59.
  { text: '2016-12-31T23:59:60Z', ms: Date.UTC(2017, 0, 1) },
  { text: '2026-11-27t12:00:00z', ms: Date.UTC(2026, 10, 27, 12) },
  { text: '2026-11-27 12:00:00-05:30', ms: Date.UTC(2026, 10, 27, 17, 30) },
  { text: '2026-11-27T12:00:00.123456789Z', ms: Date.UTC(2026, 10, 27, 12, 0, 0, 123) },
];
for (const c of rfc3339Cases) {
  test(`RFC 3339 expiry ${c.text} reads as ${c.ms === undefined ? 'invalid' : new Date(c.ms).toISOString()}`, () => {
    assert.equal(parseRfc3339(c.text), c.ms);
  });
}

test('a workload exception with an unreadable expiry is reported even when the namespace exception applies', () => {
  const d = decide(
    input(20, {
      wlAnnotations: {
        'ipguard.io/exception': 'INC-9',
        'ipguard.io/exception-expires': '2026-02-30T00:00:00Z',
      },
      nsAnnotations: { 'ipguard.io/exception': 'migration week' },
    }),
  );
  assert.equal(d.verdict, 'warn');
  assert.equal(d.exception?.on, 'namespace');
  assert.ok(
    d.messages.some(m =>
      /exception on the workload not applied: ipguard.io\/exception-expires is not an RFC 3339 time \("INC-9"\)/.test(
        m,
      ),
    ),
    d.messages.join('\n'),
  );
});

test('oneLine strips control characters, lone surrogates and cuts to 120', () => {
  assert.equal(oneLine('a\nb\tc\u0007d'), 'a b c d');
  assert.equal(oneLine('x\uD800y'), 'x\uFFFDy');
  const long = oneLine('z'.repeat(300));
  assert.equal(long.length, 120);
  assert.ok(long.endsWith('...'));
});

test('a remedy never fits by leaving pods without a place or taking addresses pods use', async t => {
  const dir = tempDir(t, 'remedy');
  // 100 pods of 100m: they fit on new nodes only if each node can give them addresses. Under
  // MINIMUM_IP_TARGET without WARM_IP_TARGET a node's pool stops at the target, so a target below the
  // DaemonSet pods plus one leaves them Pending: that is no remedy.
  const file = join(dir, 'd.yaml');
  await writeFile(
    file,
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: big, namespace: shop}\nspec:\n  replicas: 100\n  template:\n    metadata: {labels: {app: big}}\n    spec:\n      nodeSelector: {eks.amazonaws.com/nodegroup: apps}\n      containers: [{name: c, resources: {requests: {cpu: 100m, memory: 64Mi}}}]\n',
  );
  const r = await cli(['check', '-f', file, '--snapshot', EXAMPLE, '-o', 'json']);
  const res = (JSON.parse(r.out) as { results: { verdict: string; remedies: string[] }[] })
    .results[0];
  assert.ok(res);
  for (const text of res.remedies) {
    const m = /MINIMUM_IP_TARGET=(\d+)/.exec(text);
    if (m)
      assert.ok(
        Number(m[1]) >= 6,
        `a node runs 5 DaemonSet pods with addresses plus these: ${text}`,
      );
  }
});
