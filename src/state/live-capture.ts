import type { Logger } from 'pino';
import { buildClusterModel } from '../cluster/build.js';
import { addObject, emptyClusterObjects, type ClusterObjects } from '../cluster/collect.js';
import type { ClusterModel } from '../cluster/model.js';
import { Reader } from '../cluster/reader.js';
import type { Ec2Api, InstanceTypeInfo, SdkSubnet } from '../ec2/api.js';
import type { InstanceLimits } from '../cni/instance-limits.js';
import type { NodePool } from '../cluster/model.js';
import { typesNodePoolsAllow } from '../simulate/provisioners/type-filter.js';
import {
  fetchInstanceTypes,
  fetchNetworkInterfaces,
  fetchRegionInstanceTypes,
  fetchSubnets,
  type InstanceTypesFetch,
  type NetworkInterfacesFetch,
  type SubnetsFetch,
} from '../ec2/fetch.js';
import { demandOf } from '../cluster/aws/subnet-selection.js';
import { captureObjects, type CaptureCount } from '../kube/capture.js';
import { objectKey, type KubeResource } from '../kube/resources.js';
import type { KubeTransport } from '../kube/transport.js';

export interface LiveCaptureOptions {
  readonly transport: KubeTransport;
  readonly ec2: Ec2Api;
  readonly clusterName?: string;
  readonly networkInterfaces: boolean;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /**
   * Every object that could be read, as kubectl prints it, a page at a time (the snapshot writer
   * streams them to disk); the next page waits for the promise returned, if any.
   */
  readonly onObjects?: (
    resource: KubeResource,
    items: readonly Record<string, unknown>[],
  ) => void | Promise<void>;
}

export interface LiveCapture {
  /** The objects, projected as the snapshot files would be. */
  readonly objects: ClusterObjects;
  /** Per resource, the objects kept: listed, less those skipped. */
  readonly counts: readonly CaptureCount[];
  /**
   * Objects that could not be read, left out of `objects` and never handed to `onObjects`:
   * `Pod shop/x: spec.containers[0]…: problem`.
   */
  readonly skipped: readonly string[];
  readonly subnets: SubnetsFetch;
  /** The raw answers for the selected subnets only, in their order. */
  readonly selectedSubnets: readonly SdkSubnet[];
  readonly instanceTypes: InstanceTypesFetch;
  readonly networkInterfaces?: NetworkInterfacesFetch;
}

/** Skipped objects warned about one by one; past this, one line says how many more. */
const SKIPPED_WARNINGS = 20;

/**
 * One pass over the live cluster and EC2, without watches or background refresh: what a one-shot
 * command needs. Kubernetes first (every resource, paginated), then EC2 for what the nodes use.
 * An object that cannot be read is skipped here and never handed on, so a snapshot holds only what
 * `--snapshot` can read back.
 */
export async function captureLive(o: LiveCaptureOptions): Promise<LiveCapture> {
  const signal = o.signal ?? new AbortController().signal;
  const objects = emptyClusterObjects();
  const skipped: string[] = [];
  const skippedOf = new Map<KubeResource, number>();
  const listed = await captureObjects(
    o.transport,
    async (resource, items) => {
      const readable: Record<string, unknown>[] = [];
      for (const obj of items) {
        const key = objectKey(obj) ?? '?';
        try {
          addObject(
            objects,
            Reader.of(obj, `${resource.kind} ${key}`, ''),
            resource.kind,
            resource.apiVersion,
          );
          readable.push(obj);
        } catch (err) {
          const message = (err as Error).message;
          if (skipped.length < SKIPPED_WARNINGS)
            o.log.warn(`skipped an object that cannot be read: ${message}`);
          skipped.push(message);
          skippedOf.set(resource, (skippedOf.get(resource) ?? 0) + 1);
        }
      }
      if (readable.length > 0) await o.onObjects?.(resource, readable);
    },
    o.log,
    signal,
  );
  if (skipped.length > SKIPPED_WARNINGS)
    o.log.warn(
      `skipped ${skipped.length - SKIPPED_WARNINGS} more objects that cannot be read (${skipped.length} in all)`,
    );
  const counts = listed.map(c => ({ ...c, items: c.items - (skippedOf.get(c.resource) ?? 0) }));

  const demand = demandOf(
    objects.nodes,
    objects.eniConfigs,
    objects.daemonSets,
    [...(objects.ec2NodeClasses ?? []), ...(objects.autoModeNodeClasses ?? [])].flatMap(c =>
      c.subnets.map(s => s.id),
    ),
  );
  const subnets = await fetchSubnets(o.ec2, demand, [], o.clusterName, signal, o.log);
  const selectedIds = new Set(subnets.selection.selected.keys());
  const selectedSubnets = subnets.raw.filter(
    s => s.SubnetId !== undefined && selectedIds.has(s.SubnetId),
  );
  const instanceTypes = await captureInstanceTypes(
    o.ec2,
    demand.instanceTypes,
    objects.nodePools ?? [],
    signal,
    o.log,
  );
  const networkInterfaces = o.networkInterfaces
    ? await fetchNetworkInterfaces(o.ec2, demand.instanceIds, signal, o.log)
    : undefined;
  return {
    objects,
    counts,
    skipped,
    subnets,
    selectedSubnets,
    instanceTypes,
    ...(networkInterfaces && { networkInterfaces }),
  };
}

/**
 * The types the nodes run, and with NodePools every type of the region's listing their requirements allow
 * (resolved against that listing): Karpenter launches from those, and each is then sized from EC2's own
 * figures rather than the bundled table. The rest of the listing is not kept, so a snapshot stays small.
 */
async function captureInstanceTypes(
  ec2: Ec2Api,
  nodeTypes: readonly string[],
  pools: readonly NodePool[],
  signal: AbortSignal,
  log: Logger,
): Promise<InstanceTypesFetch> {
  if (pools.length === 0) return fetchInstanceTypes(ec2, nodeTypes, signal, log);
  const region = await fetchRegionInstanceTypes(ec2, signal, log);
  const keep = typesNodePoolsAllow(pools, region.limits);
  for (const t of nodeTypes) keep.add(t);
  const unlisted = nodeTypes.filter(t => !region.limits.has(t));
  const byName =
    unlisted.length > 0 ? await fetchInstanceTypes(ec2, unlisted, signal, log) : undefined;
  const raw: InstanceTypeInfo[] = region.raw.filter(
    t => t.InstanceType !== undefined && keep.has(t.InstanceType),
  );
  const limits = new Map<string, InstanceLimits>();
  for (const [t, l] of region.limits) if (keep.has(t)) limits.set(t, l);
  for (const [t, l] of byName?.limits ?? []) limits.set(t, l);
  return { raw: [...raw, ...(byName?.raw ?? [])], limits, unknown: byName?.unknown ?? [] };
}

/** The model of a capture: what `--snapshot` on the files written from it gives. */
export function modelOfCapture(c: LiveCapture): ClusterModel {
  return buildClusterModel({
    objects: c.objects,
    subnets: c.subnets.selection.selected,
    instanceTypes: c.instanceTypes.limits,
    ...(c.networkInterfaces && { networkInterfaces: c.networkInterfaces.interfaces }),
  });
}
