import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { readDocuments, readSingleDocument } from '../files/documents.js';
import { clusterFilesOf } from '../files/cluster-files.js';
import { buildClusterModel } from '../cluster/build.js';
import { collectObjects, emptyClusterObjects } from '../cluster/collect.js';
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

/** The cluster model from kubectl and aws CLI output files. */
export async function loadStateFiles(files: StateFiles): Promise<ClusterModel> {
  const objects = emptyClusterObjects();
  for (const path of files.cluster)
    for (const f of await clusterFilesOf(path)) collectObjects(await readDocuments(f), f, objects);
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
