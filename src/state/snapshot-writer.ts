import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SNAPSHOT_FILES } from './files.js';
import { captureLive, type LiveCapture, type LiveCaptureOptions } from './live-capture.js';

export interface SnapshotWritten {
  readonly dir: string;
  readonly capture: LiveCapture;
  readonly files: readonly string[];
}

/** The stream's buffer flushed and closed; rejects on a write error (disk full, no permission). */
function finish(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => {
      resolve();
    });
  });
}

/** Where each snapshot file is written until all are whole; the name is kept so one run replaces another's. */
function partial(path: string): string {
  return `${path}.partial`;
}

/**
 * This writer's temporary files in DIR: what a run stopped by a signal removes on its way out (the
 * writer's own cleanup never runs then).
 */
export function snapshotPartialFiles(dir: string): string[] {
  return Object.values(SNAPSHOT_FILES).map(f => partial(join(dir, f)));
}

/** aws CLI style: `{"Subnets": [...]}`, indented, with a final newline. */
function awsJson(key: string, items: readonly unknown[]): string {
  return `${JSON.stringify({ [key]: items }, null, 2)}\n`;
}

/**
 * The live state as the files `--snapshot DIR` reads, holding only objects it can read back (the
 * capture skips and reports the others): cluster.json as the `kind: List` that
 * `kubectl get … -A -o json` prints (one object per line, streamed, so 150,000 pods never sit in memory
 * as whole objects), and the aws CLI's JSON for subnets, instance types and, when asked, ENIs. Every file
 * is written under a temporary name first and all are renamed only once all are whole, so a failed run
 * leaves an older snapshot in DIR as it was (not this run's cluster with its subnets) and removes its
 * own partial files.
 */
export async function writeSnapshot(
  dir: string,
  options: Omit<LiveCaptureOptions, 'onObjects'>,
): Promise<SnapshotWritten> {
  await mkdir(dir, { recursive: true });
  const clusterPath = join(dir, SNAPSHOT_FILES.cluster);
  const enisPath = join(dir, SNAPSHOT_FILES.networkInterfaces);
  const written: string[] = [clusterPath];
  const stream = createWriteStream(partial(clusterPath));
  let failed: Error | undefined;
  stream.on('error', err => {
    failed = err;
  });
  stream.write('{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[');
  let first = true;
  let capture: LiveCapture;
  try {
    capture = await captureLive({
      ...options,
      onObjects: async (_resource, items) => {
        for (const obj of items) {
          const more = stream.write(`${first ? '\n' : ',\n'}${JSON.stringify(obj)}`);
          first = false;
          if (failed) throw failed;
          // A disk slower than the API server would otherwise pile the whole cluster up in memory:
          // the next page is listed once this one is on its way to disk.
          if (!more) await once(stream, 'drain');
        }
      },
    });
    stream.write('\n]}\n');
    await finish(stream);
    if (failed) throw failed;

    const awsFiles: [string, string, readonly unknown[]][] = [
      [join(dir, SNAPSHOT_FILES.subnets), 'Subnets', capture.selectedSubnets],
      [join(dir, SNAPSHOT_FILES.instanceTypes), 'InstanceTypes', capture.instanceTypes.raw],
    ];
    if (capture.networkInterfaces)
      awsFiles.push([enisPath, 'NetworkInterfaces', capture.networkInterfaces.raw]);
    for (const [path, key, items] of awsFiles) {
      written.push(path);
      await writeFile(partial(path), awsJson(key, items));
    }
    for (const path of written) await rename(partial(path), path);
  } catch (err) {
    stream.destroy();
    await Promise.all(written.map(path => rm(partial(path), { force: true })));
    throw err;
  }
  // An older snapshot's ENIs would be read as this one's holdings.
  if (!capture.networkInterfaces) await rm(enisPath, { force: true });
  return { dir, capture, files: written };
}
