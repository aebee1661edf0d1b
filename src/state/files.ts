import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { readDocuments, readSingleDocument } from '../files/documents.js';
import { clusterFilesOf } from '../files/cluster-files.js';
import { buildClusterModel } from '../cluster/build.js';
import {
  collectListItem,
  collectObjects,
  emptyClusterObjects,
  itemIsSelfDescribing,
  listContext,
  listItemAt,
  type ClusterObjects,
} from '../cluster/collect.js';
import { streamJsonLists } from '../files/json-lists.js';
import { Interner, internPod } from '../kube/intern.js';
import { dedupeObjects } from '../cluster/dedupe.js';
import { parseInstanceTypes } from '../cluster/aws/instance-types.js';
import {
  parseNetworkInterfaces,
  type NetworkInterface,
} from '../cluster/aws/network-interfaces.js';
import { parseSubnets } from '../cluster/aws/subnets.js';
import type { ClusterModel } from '../cluster/model.js';
import type { InstanceLimits } from '../cni/instance-limits.js';

/** The files `--snapshot DIR` stands for. */
export const SNAPSHOT_FILES = {
  cluster: 'cluster.json',
  subnets: 'subnets.json',
  instanceTypes: 'instance-types.json',
  networkInterfaces: 'network-interfaces.json',
} as const;

export interface StateFiles {
  readonly cluster: readonly string[];
  readonly subnets: string;
  /** Optional: the CNI's own table covers every type it lists. */
  readonly instanceTypes?: string;
  readonly networkInterfaces?: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function snapshotFiles(dir: string): Promise<StateFiles> {
  const networkInterfaces = join(dir, SNAPSHOT_FILES.networkInterfaces);
  const instanceTypes = join(dir, SNAPSHOT_FILES.instanceTypes);
  const files: StateFiles = {
    cluster: [join(dir, SNAPSHOT_FILES.cluster)],
    subnets: join(dir, SNAPSHOT_FILES.subnets),
    ...((await exists(instanceTypes)) && { instanceTypes }),
    ...((await exists(networkInterfaces)) && { networkInterfaces }),
  };
  for (const f of [...files.cluster, files.subnets]) {
    if (!(await exists(f)))
      throw new InputError(
        `--snapshot ${dir}: ${f} is missing (a snapshot holds ${SNAPSHOT_FILES.cluster} and ${SNAPSHOT_FILES.subnets}, optionally ${SNAPSHOT_FILES.instanceTypes} and ${SNAPSHOT_FILES.networkInterfaces})`,
      );
  }
  return files;
}

/** Thrown by the stream handler when a second document shows the paths need `document N`. */
class SeveralDocuments extends Error {}

/**
 * The objects of one file read a List item at a time (streamJsonLists), each projected as it is decoded,
 * so the parsed file never exists whole. Undefined when the file is not JSON Lists, or when an item
 * cannot be read: the whole-file reader then gives the same objects, or the error in its words.
 */
async function streamClusterFile(
  path: string,
  strings: Interner,
): Promise<ClusterObjects | undefined> {
  for (const several of [false, true]) {
    const objects = emptyClusterObjects();
    const documents = several ? 2 : 1;
    let document = -1;
    let fields: { kind?: unknown; apiVersion?: unknown } = {};
    // Items that rely on the List's kind or apiVersion, which may come after them; order is kept.
    let waiting: { value: unknown; index: number }[] | undefined;
    const add = (value: unknown, index: number): void => {
      collectListItem(
        objects,
        value,
        path,
        listItemAt(documents, document, index),
        listContext(fields.kind, fields.apiVersion),
      );
      const pods = objects.pods;
      const last = pods[pods.length - 1];
      if (last !== undefined) pods[pods.length - 1] = internPod(last, strings);
    };
    try {
      const outcome = await streamJsonLists(path, {
        documentStart(d) {
          if (d > 0 && !several) throw new SeveralDocuments();
          document = d;
          fields = {};
          waiting = undefined;
        },
        field(key, value) {
          if (key === 'kind') fields = { ...fields, kind: value };
          else if (key === 'apiVersion') fields = { ...fields, apiVersion: value };
        },
        item(value, index) {
          if (
            waiting === undefined &&
            itemIsSelfDescribing(value, path, listItemAt(documents, document, index))
          )
            add(value, index);
          else (waiting ??= []).push({ value, index });
        },
        documentEnd() {
          for (const w of waiting ?? []) add(w.value, w.index);
          waiting = undefined;
        },
      });
      return outcome === 'done' ? objects : undefined;
    } catch (err) {
      if (err instanceof SeveralDocuments) continue;
      // An item that cannot be read, or a file that cannot: the whole-file reader says so, in its words.
      return undefined;
    }
  }
  return undefined;
}

/** Every object `from` holds, after those `into` has, kind by kind (absent lists stay absent). */
function appendObjects(into: ClusterObjects, from: ClusterObjects): void {
  const target = into as unknown as Record<string, unknown[] | undefined>;
  for (const [key, list] of Object.entries(from) as [string, unknown[] | undefined][]) {
    if (list === undefined) continue;
    const to = (target[key] ??= []);
    for (const x of list) to.push(x);
  }
}

/**
 * The Kubernetes objects of the cluster files, in file order. `onFile` hears how each file was read:
 * item by item, or whole (not a JSON List, or one the whole-file reader must word the error for).
 */
export async function readClusterObjects(
  paths: readonly string[],
  onFile: (file: string, how: 'streamed' | 'whole') => void = () => undefined,
): Promise<ClusterObjects> {
  const objects = emptyClusterObjects();
  const strings = new Interner();
  for (const path of paths) {
    for (const f of await clusterFilesOf(path)) {
      const streamed = await streamClusterFile(f, strings);
      if (streamed) appendObjects(objects, streamed);
      else collectObjects(await readDocuments(f), f, objects);
      onFile(f, streamed ? 'streamed' : 'whole');
    }
  }
  return objects;
}

/** The cluster model from kubectl and aws CLI output files. */
export async function loadStateFiles(files: StateFiles): Promise<ClusterModel> {
  const objects = await readClusterObjects(files.cluster);
  const subnets = parseSubnets(await readSingleDocument(files.subnets), files.subnets);
  const instanceTypes =
    files.instanceTypes === undefined
      ? new Map<string, InstanceLimits>()
      : parseInstanceTypes(await readSingleDocument(files.instanceTypes), files.instanceTypes);
  let networkInterfaces: NetworkInterface[] | undefined;
  if (files.networkInterfaces !== undefined) {
    networkInterfaces = parseNetworkInterfaces(
      await readSingleDocument(files.networkInterfaces),
      files.networkInterfaces,
    );
  }
  return buildClusterModel({
    // Overlapping captures name some objects twice: each counts once, the later file's copy.
    objects: dedupeObjects(objects).objects,
    subnets,
    instanceTypes,
    ...(networkInterfaces && { networkInterfaces }),
  });
}
