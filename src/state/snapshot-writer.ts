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

/** aws CLI style: `{"Subnets": [...]}`, indented, with a final newline. */
async function writeAwsJson(path: string, key: string, items: readonly unknown[]): Promise<void> {
  await writeFile(`${path}.partial`, `${JSON.stringify({ [key]: items }, null, 2)}\n`);
  await rename(`${path}.partial`, path);
}

/**
 * The live state as the files `--snapshot DIR` reads, holding only objects it can read back (the
 * capture skips and reports the others): cluster.json as the `kind: List` that
 * `kubectl get … -A -o json` prints (one object per line, streamed, so 150,000 pods never sit in memory
 * as whole objects), and the aws CLI's JSON for subnets, instance types and, when asked, ENIs. Each file
 * is written under a temporary name and renamed, so a failed run never leaves a half-written snapshot
 * that looks whole.
 */
export async function writeSnapshot(
  dir: string,
  options: Omit<LiveCaptureOptions, 'onObjects'>,
): Promise<SnapshotWritten> {
  await mkdir(dir, { recursive: true });
  const clusterPath = join(dir, SNAPSHOT_FILES.cluster);
  const stream = createWriteStream(`${clusterPath}.partial`);
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
  } catch (err) {
    stream.destroy();
    await rm(`${clusterPath}.partial`, { force: true });
    throw err;
  }
  if (failed) throw failed;
  await rename(`${clusterPath}.partial`, clusterPath);

  const files = [clusterPath];
  const subnetsPath = join(dir, SNAPSHOT_FILES.subnets);
  await writeAwsJson(subnetsPath, 'Subnets', capture.selectedSubnets);
  files.push(subnetsPath);
  const typesPath = join(dir, SNAPSHOT_FILES.instanceTypes);
  await writeAwsJson(typesPath, 'InstanceTypes', capture.instanceTypes.raw);
  files.push(typesPath);
  const enisPath = join(dir, SNAPSHOT_FILES.networkInterfaces);
  if (capture.networkInterfaces) {
    await writeAwsJson(enisPath, 'NetworkInterfaces', capture.networkInterfaces.raw);
    files.push(enisPath);
  } else {
    // An older snapshot's ENIs would be read as this one's holdings.
    await rm(enisPath, { force: true });
  }
  return { dir, capture, files };
}
