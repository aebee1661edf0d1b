import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';

/**
 * The suites the Kubernetes components offer: Go crypto/tls's secure defaults (crypto/tls
 * cipher_suites.go, defaultCipherSuites) for TLS 1.2, forward-secret ECDHE with AES-GCM or
 * ChaCha20-Poly1305 only; no CBC with SHA-1, no RSA key exchange. TLS 1.3's three are named so the
 * list is the whole truth.
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Read a certificate and its key, and make sure they belong together before anyone uses them. */
export async function readTls(files: TlsFiles): Promise<TlsMaterial> {
  const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  // Throws on a key that does not match the certificate, e.g. halfway through a rotation.
  createSecureContext({ cert, key });
  return { cert, key };
}

function fingerprint(m: TlsMaterial): string {
  return createHash('sha256').update(m.cert).update(m.key).digest('hex');
}

/**
 * Re-reads the certificate and key when they change, so a rotated Secret (or cert-manager renewal) needs
 * no restart. Secret volumes swap a symlink in the directory, which a watch on the file itself misses, so
 * this watches the directories and also polls as a fallback.
 */
export class TlsReloader {
  readonly #files: TlsFiles;
  readonly #apply: (m: TlsMaterial) => void;
  readonly #log: Logger;
  readonly #pollMs: number;
  #current: string;
  #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(
    files: TlsFiles,
    initial: TlsMaterial,
    apply: (m: TlsMaterial) => void,
    log: Logger,
    pollMs = 30_000,
  ) {
    this.#files = files;
    this.#apply = apply;
    this.#log = log;
    this.#pollMs = pollMs;
    this.#current = fingerprint(initial);
  }

  start(): void {
    for (const dir of new Set([dirname(this.#files.certFile), dirname(this.#files.keyFile)])) {
      try {
        const w = watch(dir, () => void this.check());
        w.on('error', err => {
          this.#log.warn({ err, dir }, 'certificate directory watch failed; polling continues');
        });
        this.#watchers.push(w);
      } catch (err) {
        this.#log.warn({ err, dir }, 'cannot watch the certificate directory; polling only');
      }
    }
    this.#timer = setInterval(() => void this.check(), this.#pollMs);
    this.#timer.unref();
  }

  /** Load the files if they changed and are a valid pair; otherwise keep serving the old pair. */
  async check(): Promise<boolean> {
    if (this.#checking) return false;
    this.#checking = true;
    try {
      const m = await readTls(this.#files);
      const fp = fingerprint(m);
      if (fp === this.#current) return false;
      this.#apply(m);
      this.#current = fp;
      this.#log.info({ certFile: this.#files.certFile }, 'reloaded the TLS certificate');
      return true;
    } catch (err) {
      this.#log.warn({ err }, 'TLS certificate not reloaded (keeping the current one)');
      return false;
    } finally {
      this.#checking = false;
    }
  }

  stop(): void {
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    if (this.#timer) clearInterval(this.#timer);
  }
}
