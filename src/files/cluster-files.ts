import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';

const DOCUMENT = /\.(json|ya?ml)$/i;

/** Walked by hand: readdir's recursive mode names the parent differently across Node 20 releases. */
async function documentsUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await documentsUnder(full)));
    else if (e.isFile() && DOCUMENT.test(e.name)) out.push(full);
  }
  return out;
}

/**
 * The files a `--cluster` path stands for: the file itself, or every JSON and YAML file under a
 * directory, in path order. A directory is what `kubectl cluster-info dump --output-directory DIR`
 * writes (nodes.json, then per namespace events.json, daemonsets.json, deployments.json,
 * replicasets.json, pods.json …, and each pod's logs.txt, which is not a document and is skipped).
 */
export async function clusterFilesOf(path: string): Promise<string[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError(`${path}: cannot read the file (${code})`, { cause: err });
  }
  if (!isDir) return [path];
  const files = (await documentsUnder(path)).sort();
  if (files.length === 0)
    throw new InputError(
      `${path}: a directory with no .json or .yaml files (kubectl cluster-info dump --output-directory writes nodes.json and <namespace>/pods.json there)`,
    );
  return files;
}
