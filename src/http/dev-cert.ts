import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { TlsFiles } from './tls.js';

/**
 * A throwaway self-signed certificate for localhost, so `npm start` serves HTTPS on a fresh machine.
 * Clusters use real certificates (certs/gen.sh or cert-manager); this is only for trying ipguard out.
 */
export function makeDevCertificate(): TlsFiles & { readonly dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ipguard-dev-tls-'));
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '7',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (r.error || r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new InputError(
      'no --tls-cert and --tls-key given, and openssl could not make a development certificate: give a certificate (certs/gen.sh makes one)',
    );
  }
  return { certFile, keyFile, dir };
}
