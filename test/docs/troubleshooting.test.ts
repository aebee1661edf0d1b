import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, EXAMPLE, REPO } from '../helpers/cli.js';
import { exampleModel, testApp } from '../helpers/app.js';

/* The troubleshooting page quotes ipguard's output; these keep the quotes true. */

const page = readFileSync(join(REPO, 'docs', 'troubleshooting.md'), 'utf8');

test('the calc session on the troubleshooting page is what calc prints', async () => {
  // The session sits in a list item: strip its indentation.
  const block = /( *)```console\n *\$ ipguard calc (.*)\n([\s\S]*?) *```/.exec(page);
  assert.ok(block, 'the page has a calc session');
  const indent = new RegExp(`^${block[1] ?? ''}`, 'gm');
  const args = (block[2] ?? '').split(' ');
  const files = args.map(a => (a === 'instance-types.json' ? join(EXAMPLE, a) : a));
  const r = await cli(['calc', ...files]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, (block[3] ?? '').replace(indent, ''));
});

test("the denial quoted on the troubleshooting page is the webhook's message for the example switch", async () => {
  const block = /denied the request: ([\s\S]*?)\n```/.exec(page);
  assert.ok(block, 'the page quotes a denial');
  const quoted = (block[1] ?? '').replace(/\n/g, ' ');
  const t = testApp(await exampleModel());
  const res = await t.app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload: readFileSync(join(EXAMPLE, 'review-switch.json'), 'utf8'),
  });
  const answer = res.json<{ response: { status?: { message?: string } } }>().response;
  assert.equal(quoted, answer.status?.message);
});
