import { UsageError } from './args.js';
import { loadStateFiles, snapshotFiles, type StateFiles } from '../state/files.js';
import type { ClusterModel } from '../cluster/model.js';

export const STATE_OPTIONS = {
  snapshot: { type: 'string' },
  cluster: { type: 'string', multiple: true },
  subnets: { type: 'string' },
  'instance-types': { type: 'string' },
  'network-interfaces': { type: 'string' },
} as const;

export interface StateFlags {
  snapshot?: string | undefined;
  cluster?: string[] | undefined;
  subnets?: string | undefined;
  'instance-types'?: string | undefined;
  'network-interfaces'?: string | undefined;
}

export function hasStateFlags(v: StateFlags): boolean {
  return (
    v.snapshot !== undefined ||
    v.cluster !== undefined ||
    v.subnets !== undefined ||
    v['instance-types'] !== undefined
  );
}

/** `--snapshot DIR`, or the files one by one. */
export async function stateFilesFrom(v: StateFlags): Promise<StateFiles> {
  if (v.snapshot !== undefined) {
    if (v.cluster !== undefined || v.subnets !== undefined || v['instance-types'] !== undefined) {
      throw new UsageError(
        '--snapshot stands for --cluster, --subnets and --instance-types: give one or the other',
      );
    }
    const files = await snapshotFiles(v.snapshot);
    // Network interfaces given beside a snapshot count the nodes' holdings from them.
    const eni = v['network-interfaces'];
    return eni === undefined ? files : { ...files, networkInterfaces: eni };
  }
  const missing = [
    v.cluster === undefined
      ? '--cluster FILE (kubectl get nodes,pods,daemonsets,namespaces,deployments,replicasets,rollouts,eniconfigs -A -o json)'
      : undefined,
    v.subnets === undefined ? '--subnets FILE (aws ec2 describe-subnets --output json)' : undefined,
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0)
    throw new UsageError(`the cluster state is needed: --snapshot DIR, or ${missing.join(', ')}`);
  return {
    cluster: v.cluster ?? [],
    subnets: v.subnets ?? '',
    ...(v['instance-types'] !== undefined && { instanceTypes: v['instance-types'] }),
    ...(v['network-interfaces'] !== undefined && { networkInterfaces: v['network-interfaces'] }),
  };
}

export async function loadState(v: StateFlags): Promise<ClusterModel> {
  return loadStateFiles(await stateFilesFrom(v));
}
