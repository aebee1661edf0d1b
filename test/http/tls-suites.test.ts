import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect, type SecureVersion } from 'node:tls';
import { readTls } from '../../src/http/tls.js';
import { exampleModel, testApp } from '../helpers/app.js';
import { makePki } from '../helpers/certs.js';
import { tempDir } from '../helpers/temp.js';

/** A real TLS handshake against the server, offering only `ciphers`: the suite agreed, or the error. */
function handshake(
  port: number,
  ca: Buffer,
  ciphers: string,
  maxVersion: SecureVersion,
): Promise<{ cipher: string; version: string } | { error: string }> {
  return new Promise(resolve => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca,
      ciphers,
      minVersion: 'TLSv1',
      maxVersion,
    });
    socket.once('secureConnect', () => {
      const c = socket.getCipher();
      resolve({ cipher: c.standardName, version: String(socket.getProtocol()) });
      socket.destroy();
    });
    socket.once('error', err => {
      resolve({ error: err.message });
    });
  });
}

test('TLS 1.2 offers only forward-secret AEAD suites, as the Kubernetes components do', async t => {
  const pki = makePki(tempDir(t, 'pki'));
  const app = testApp(await exampleModel(), {}, await readTls(pki)).app;
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;

  // What a Go client (the apiserver) offers first.
  const good = await handshake(
    port,
    pki.ca,
    'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305',
    'TLSv1.2',
  );
  assert.ok('cipher' in good, JSON.stringify(good));
  assert.equal(good.version, 'TLSv1.2');
  assert.match(good.cipher, /^TLS_ECDHE_(RSA|ECDSA)_WITH_(AES_128_GCM_SHA256|CHACHA20_POLY1305)/);

  for (const refused of [
    'ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA', // CBC with SHA-1
    'ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA256', // CBC
    'AES128-GCM-SHA256:AES256-GCM-SHA384', // RSA key exchange: no forward secrecy
    'AES128-SHA:DES-CBC3-SHA',
  ]) {
    const r = await handshake(port, pki.ca, refused, 'TLSv1.2');
    assert.ok('error' in r, `${refused} was accepted: ${JSON.stringify(r)}`);
  }
  // TLS 1.1 and below are refused whatever the suite.
  const old = await handshake(port, pki.ca, 'ECDHE-RSA-AES128-SHA', 'TLSv1.1');
  assert.ok('error' in old);

  const tls13 = await handshake(port, pki.ca, 'DEFAULT', 'TLSv1.3');
  assert.ok('cipher' in tls13, JSON.stringify(tls13));
  assert.equal(tls13.version, 'TLSv1.3');
});
