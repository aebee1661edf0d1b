import { replicaSetOwners } from '../cluster/build.js';
import {
  autoscalerKey,
  workloadKey,
  type AutoModeNodeClass,
  type ClusterModel,
  type Autoscaler,
  type DaemonSet,
  type Ec2NodeClass,
  type NodeClaim,
  type NodePool,
  type EniConfig,
  type Namespace,
  type Node,
  type PodRecord,
  type ReplicaSet,
  type Workload,
} from '../cluster/model.js';
import type { Reader } from '../cluster/reader.js';
import { projectDaemonSet } from '../cluster/objects/daemonset.js';
import { projectEniConfig } from '../cluster/objects/eniconfig.js';
import { projectNamespace } from '../cluster/objects/namespace.js';
import { projectNode } from '../cluster/objects/node.js';
import { projectAutoModeNodeClass, projectEc2NodeClass } from '../cluster/objects/nodeclass.js';
import { projectNodeClaim, projectNodePool } from '../cluster/objects/nodepool.js';
import { projectPod } from '../cluster/objects/pod.js';
import { projectReplicaSet } from '../cluster/objects/replicaset.js';
import { projectDeployment, projectRollout } from '../cluster/objects/workload.js';
import { projectStatefulSet } from '../cluster/objects/statefulset.js';
import { projectCronJob, projectJob } from '../cluster/objects/job.js';
import { projectHpa, projectScaledObject } from '../cluster/objects/autoscaler.js';
import { BATCH_PROJECTION } from '../cluster/collect.js';
import { PodIndex } from './pod-index.js';
import type { Sink } from './reflector.js';

/**
 * The Kubernetes half of the cluster model, as the informers last saw it. Every part keeps its
 * identity until it changes, so whoever assembles a ClusterModel can tell cheaply what to rebuild.
 */
export interface KubeView {
  /** Bumped on every change the model can see. */
  readonly version: number;
  /** Nodes with their pods' usage; subnet and ENIConfig are resolved later, against EC2's subnets. */
  readonly nodes: ReadonlyMap<string, Node>;
  /** The nodes that differ from the view of version `since` (-1: no earlier view, all of them). */
  readonly nodeChanges: { readonly since: number; readonly names: ReadonlySet<string> | 'all' };
  readonly daemonSets: readonly DaemonSet[];
  readonly namespaces: ReadonlyMap<string, Namespace>;
  /** Deployments, Rollouts, StatefulSets, Jobs and CronJobs, keyed by workloadKey. */
  readonly workloads: ReadonlyMap<string, Workload>;
  /** HPAs and KEDA ScaledObjects, keyed by autoscalerKey. */
  readonly autoscalers: ReadonlyMap<string, Autoscaler>;
  readonly replicaSets: readonly ReplicaSet[];
  readonly eniConfigs: ReadonlyMap<string, EniConfig>;
  readonly workloadNodes: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Karpenter and EKS Auto Mode objects, as the model holds them; empty when the cluster has none. */
  readonly karpenter: Pick<
    ClusterModel,
    'nodePools' | 'ec2NodeClasses' | 'autoModeNodeClasses' | 'nodeClaims'
  >;
  /**
   * Bumped when what EC2 must be asked about changes: node addresses, instance types and ids,
   * ENIConfigs, the aws-node settings.
   */
  readonly topologyVersion: number;
  readonly pods: number;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const AWS_NODE = 'kube-system/aws-node';

function isAwsNode(d: DaemonSet): boolean {
  return d.namespace === 'kube-system' && d.name === 'aws-node';
}

/** What of a node decides which subnets and instance types EC2 is asked about. */
function nodeTopology(n: Node): string {
  return `${n.internalIp ?? ''}|${n.instanceType ?? ''}|${n.instanceId ?? ''}|${n.zone ?? ''}`;
}

/** A keyed collection of projections whose derived views are rebuilt only after a change. */
class Collection<T> {
  readonly items = new Map<string, T>();
  changed = true;

  /** Returns the previous item when something changed, `undefined`-wrapped; null when nothing did. */
  set(key: string, item: T): { previous: T | undefined } | null {
    const previous = this.items.get(key);
    if (previous !== undefined && sameJson(previous, item)) return null;
    this.items.set(key, item);
    this.changed = true;
    return { previous };
  }

  delete(key: string): T | undefined {
    const previous = this.items.get(key);
    if (previous === undefined) return undefined;
    this.items.delete(key);
    this.changed = true;
    return previous;
  }

  /**
   * After a full list: these are all the items. Returns what was there before, or null when nothing
   * changed (a relist after 410 Gone, an absent CRD looked for again), so nothing downstream moves.
   */
  replace(items: ReadonlyMap<string, T>): ReadonlyMap<string, T> | null {
    const same =
      items.size === this.items.size &&
      [...items].every(([k, v]) => {
        const had = this.items.get(k);
        return had !== undefined && sameJson(had, v);
      });
    if (same) return null;
    const before = new Map(this.items);
    this.items.clear();
    for (const [k, v] of items) this.items.set(k, v);
    this.changed = true;
    return before;
  }
}

/** Whether any key's projection differs between two states by `of` (added and removed keys do). */
function differsBy<T>(
  before: ReadonlyMap<string, T>,
  after: ReadonlyMap<string, T>,
  of: (item: T) => string,
): boolean {
  if (before.size !== after.size) return true;
  for (const [k, v] of after) {
    const had = before.get(k);
    if (had === undefined || of(had) !== of(v)) return true;
  }
  return false;
}

/**
 * Compact projections of the watched objects, fed by reflectors through `sinks`. Pods are small
 * records in a PodIndex that keeps per-node usage current; nothing keeps a whole object.
 */
export class KubeStore {
  readonly #nodes = new Collection<Node>();
  readonly #pods = new PodIndex();
  readonly #daemonSets = new Collection<DaemonSet>();
  readonly #namespaces = new Collection<Namespace>();
  readonly #deployments = new Collection<Workload>();
  readonly #rollouts = new Collection<Workload>();
  readonly #statefulSets = new Collection<Workload>();
  readonly #jobs = new Collection<Workload>();
  readonly #cronJobs = new Collection<Workload>();
  readonly #hpas = new Collection<Autoscaler>();
  readonly #scaledObjects = new Collection<Autoscaler>();
  readonly #replicaSets = new Collection<ReplicaSet>();
  readonly #eniConfigs = new Collection<EniConfig>();
  readonly #nodePools = new Collection<NodePool>();
  readonly #nodeClaims = new Collection<NodeClaim>();
  readonly #ec2NodeClasses = new Collection<Ec2NodeClass>();
  readonly #autoModeNodeClasses = new Collection<AutoModeNodeClass>();

  /** Node names whose projection changed since the last view. */
  readonly #dirtyNodes = new Set<string>();
  /** ReplicaSet key → the workloadKey that owns it. */
  #rsOwner = new Map<string, string>();
  /** workloadKey → its ReplicaSet keys. */
  readonly #workloadSets = new Map<string, Set<string>>();
  readonly #dirtyWorkloads = new Set<string>();
  readonly #workloadNodes = new Map<string, ReadonlyMap<string, number>>();

  #version = 0;
  #topologyVersion = 0;
  #view: KubeView | undefined;
  #viewVersion = -1;

  /** A change listener (the live source wakes the EC2 refresher when topology changes). */
  onTopologyChange: (() => void) | undefined;

  get version(): number {
    return this.#version;
  }

  /** Entries in the indexes kept beside the collections: they must shrink as objects go. */
  indexSizes(): { replicaSetOwners: number; workloadReplicaSets: number; workloadNodes: number } {
    return {
      replicaSetOwners: this.#rsOwner.size,
      workloadReplicaSets: this.#workloadSets.size,
      workloadNodes: this.#workloadNodes.size,
    };
  }

  #bump(topology = false): void {
    this.#version += 1;
    if (topology) {
      this.#topologyVersion += 1;
      this.onTopologyChange?.();
    }
  }

  readonly sinks = {
    nodes: this.#collectionSink(this.#nodes, projectNode, {
      changed: (key, prev, next) => {
        this.#dirtyNodes.add(key);
        this.#bump(
          prev === undefined || next === undefined || nodeTopology(prev) !== nodeTopology(next),
        );
      },
      replaced: (before, after) => {
        for (const k of before.keys()) this.#dirtyNodes.add(k);
        for (const k of after.keys()) this.#dirtyNodes.add(k);
        this.#bump(differsBy(before, after, nodeTopology));
      },
    }),
    pods: this.#podSink(),
    daemonSets: this.#collectionSink(this.#daemonSets, projectDaemonSet, {
      changed: (key, prev, next) => {
        // aws-node's env carries the CNI settings, ENI_CONFIG_LABEL_DEF and VPC_ID.
        this.#bump(key === AWS_NODE && !sameJson(prev?.env, next?.env));
      },
      replaced: (before, after) => {
        this.#bump(differsBy(before, after, d => (isAwsNode(d) ? JSON.stringify(d.env) : '')));
      },
    }),
    namespaces: this.#collectionSink(this.#namespaces, projectNamespace),
    deployments: this.#collectionSink(this.#deployments, projectDeployment),
    rollouts: this.#collectionSink(this.#rollouts, projectRollout),
    statefulSets: this.#collectionSink(this.#statefulSets, projectStatefulSet),
    jobs: this.#collectionSink(this.#jobs, r => projectJob(r, BATCH_PROJECTION)),
    cronJobs: this.#collectionSink(this.#cronJobs, r => projectCronJob(r, BATCH_PROJECTION)),
    hpas: this.#collectionSink(this.#hpas, projectHpa),
    scaledObjects: this.#collectionSink(this.#scaledObjects, projectScaledObject),
    replicaSets: this.#collectionSink(this.#replicaSets, projectReplicaSet, {
      changed: (key, prev, next) => {
        this.#ownerChanged(key, prev, next);
        this.#bump();
      },
      replaced: () => {
        this.#reindexOwners();
        this.#bump();
      },
    }),
    eniConfigs: this.#collectionSink(this.#eniConfigs, projectEniConfig, {
      changed: () => {
        this.#bump(true);
      },
      replaced: () => {
        this.#bump(true);
      },
    }),
    // The first NodePool makes EC2 describe the region's instance types; the last one ends that.
    nodePools: this.#collectionSink(this.#nodePools, projectNodePool, {
      changed: (_k, prev, next) => {
        this.#bump(prev === undefined || next === undefined);
      },
      replaced: (before, after) => {
        this.#bump((before.size === 0) !== (after.size === 0));
      },
    }),
    nodeClaims: this.#collectionSink(this.#nodeClaims, projectNodeClaim),
    // A node class's subnets are subnets EC2 must be asked about.
    ec2NodeClasses: this.#collectionSink(this.#ec2NodeClasses, projectEc2NodeClass, {
      changed: (_k, prev, next) => {
        this.#bump(!sameJson(prev?.subnets, next?.subnets));
      },
      replaced: () => {
        this.#bump(true);
      },
    }),
    autoModeNodeClasses: this.#collectionSink(this.#autoModeNodeClasses, projectAutoModeNodeClass, {
      changed: (_k, prev, next) => {
        this.#bump(!sameJson(prev?.subnets, next?.subnets));
      },
      replaced: () => {
        this.#bump(true);
      },
    }),
  } as const;

  /** The Karpenter part of the view: rebuilt only when one of its collections changed. */
  #karpenterView(prev: KubeView['karpenter'] | undefined): KubeView['karpenter'] {
    const cs = [this.#nodePools, this.#nodeClaims, this.#ec2NodeClasses, this.#autoModeNodeClasses];
    if (prev && !cs.some(c => c.changed)) return prev;
    for (const c of cs) c.changed = false;
    const byName = <T extends { readonly name: string }>(c: Collection<T>) =>
      c.items.size === 0 ? undefined : new Map([...c.items.values()].map(x => [x.name, x]));
    const nodePools = byName(this.#nodePools);
    const ec2NodeClasses = byName(this.#ec2NodeClasses);
    const autoModeNodeClasses = byName(this.#autoModeNodeClasses);
    return {
      ...(nodePools && { nodePools }),
      ...(ec2NodeClasses && { ec2NodeClasses }),
      ...(autoModeNodeClasses && { autoModeNodeClasses }),
      ...(this.#nodeClaims.items.size > 0 && { nodeClaims: [...this.#nodeClaims.items.values()] }),
    };
  }

  #collectionSink<T>(
    c: Collection<T>,
    project: (r: Reader) => T,
    on: {
      changed: (key: string, prev: T | undefined, next: T | undefined) => void;
      /** Only when something changed. */
      replaced: (before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>) => void;
    } = {
      changed: () => {
        this.#bump();
      },
      replaced: () => {
        this.#bump();
      },
    },
  ): Sink<T> {
    return {
      project,
      upsert: (key, item) => {
        const r = c.set(key, item);
        if (r) on.changed(key, r.previous, item);
      },
      remove: key => {
        const prev = c.delete(key);
        if (prev !== undefined) on.changed(key, prev, undefined);
      },
      replaceAll: items => {
        const before = c.replace(items);
        if (before) on.replaced(before, items);
      },
    };
  }

  #podSink(): Sink<PodRecord> {
    return {
      project: projectPod,
      upsert: (key, pod) => {
        if (this.#pods.upsert(key, pod)) this.#bump();
      },
      remove: key => {
        if (this.#pods.remove(key)) this.#bump();
      },
      replaceAll: pods => {
        this.#pods.replaceAll(pods);
        this.#bump();
      },
    };
  }

  #ownerOf(rs: ReplicaSet | undefined): string | undefined {
    if (!rs || (rs.ownerKind !== 'Deployment' && rs.ownerKind !== 'Rollout')) return undefined;
    return workloadKey(rs.ownerKind, rs.namespace, rs.ownerName ?? '');
  }

  #ownerChanged(rsKey: string, prev: ReplicaSet | undefined, next: ReplicaSet | undefined): void {
    const before = this.#ownerOf(prev);
    const after = this.#ownerOf(next);
    if (before === after) return;
    if (before !== undefined) {
      const sets = this.#workloadSets.get(before);
      sets?.delete(rsKey);
      // Every Deployment rollout makes a ReplicaSet and every deleted Deployment leaves one fewer:
      // an empty set kept would grow the index with Deployment churn, forever.
      if (sets?.size === 0) this.#workloadSets.delete(before);
      this.#dirtyWorkloads.add(before);
    }
    if (after !== undefined) {
      let sets = this.#workloadSets.get(after);
      if (!sets) this.#workloadSets.set(after, (sets = new Set()));
      sets.add(rsKey);
      this.#rsOwner.set(rsKey, after);
      this.#dirtyWorkloads.add(after);
    } else {
      this.#rsOwner.delete(rsKey);
    }
  }

  #reindexOwners(): void {
    for (const w of this.#workloadSets.keys()) this.#dirtyWorkloads.add(w);
    this.#workloadSets.clear();
    this.#rsOwner = replicaSetOwners([...this.#replicaSets.items.values()]);
    for (const [rsKey, w] of this.#rsOwner) {
      let sets = this.#workloadSets.get(w);
      if (!sets) this.#workloadSets.set(w, (sets = new Set()));
      sets.add(rsKey);
      this.#dirtyWorkloads.add(w);
    }
  }

  #nodesView(previous: ReadonlyMap<string, Node> | undefined): {
    nodes: ReadonlyMap<string, Node>;
    changed: ReadonlySet<string> | 'all';
  } {
    for (const n of this.#pods.dirtyNodes) this.#dirtyNodes.add(n);
    this.#pods.dirtyNodes.clear();
    if (previous && this.#dirtyNodes.size === 0) return { nodes: previous, changed: new Set() };
    const nodes = new Map(previous ?? []);
    const names = previous ? this.#dirtyNodes : this.#nodes.items.keys();
    for (const name of names) {
      const base = this.#nodes.items.get(name);
      if (base) nodes.set(name, { ...base, usage: this.#pods.usageOf(name) });
      else nodes.delete(name);
    }
    const changed = previous ? new Set(this.#dirtyNodes) : 'all';
    this.#dirtyNodes.clear();
    return { nodes, changed };
  }

  #workloadNodesView(
    previous: ReadonlyMap<string, ReadonlyMap<string, number>> | undefined,
  ): ReadonlyMap<string, ReadonlyMap<string, number>> {
    for (const rs of this.#pods.dirtyReplicaSets) {
      const owner = this.#rsOwner.get(rs);
      if (owner !== undefined) this.#dirtyWorkloads.add(owner);
    }
    this.#pods.dirtyReplicaSets.clear();
    for (const w of this.#pods.dirtyDirect) this.#dirtyWorkloads.add(w);
    this.#pods.dirtyDirect.clear();
    if (previous && this.#dirtyWorkloads.size === 0) return previous;
    for (const w of this.#dirtyWorkloads) {
      const merged = new Map<string, number>(this.#pods.directNodes(w) ?? []);
      for (const rs of this.#workloadSets.get(w) ?? []) {
        for (const [node, n] of this.#pods.replicaSetNodes(rs) ?? [])
          merged.set(node, (merged.get(node) ?? 0) + n);
      }
      if (merged.size > 0) this.#workloadNodes.set(w, merged);
      else this.#workloadNodes.delete(w);
    }
    this.#dirtyWorkloads.clear();
    return new Map(this.#workloadNodes);
  }

  /** The current state; the same object until something changes. */
  view(): KubeView {
    if (this.#view && this.#viewVersion === this.#version) return this.#view;
    const prev = this.#view;
    const pick = <T, V>(c: Collection<T>, old: V | undefined, make: () => V): V => {
      if (old !== undefined && !c.changed) return old;
      c.changed = false;
      return make();
    };
    const kinds = [
      this.#deployments,
      this.#rollouts,
      this.#statefulSets,
      this.#jobs,
      this.#cronJobs,
    ];
    const workloadsChanged = kinds.some(c => c.changed);
    for (const c of kinds) c.changed = false;
    const workloads =
      prev && !workloadsChanged
        ? prev.workloads
        : new Map(
            kinds.flatMap(c =>
              [...c.items.values()].map(
                w => [workloadKey(w.kind, w.namespace, w.name), w] as const,
              ),
            ),
          );
    const autoscalersChanged = this.#hpas.changed || this.#scaledObjects.changed;
    this.#hpas.changed = false;
    this.#scaledObjects.changed = false;
    const autoscalers =
      prev && !autoscalersChanged
        ? prev.autoscalers
        : new Map(
            [...this.#hpas.items.values(), ...this.#scaledObjects.items.values()].map(
              a => [autoscalerKey(a.kind, a.namespace, a.name), a] as const,
            ),
          );
    this.#nodes.changed = false;
    const nodes = this.#nodesView(prev?.nodes);
    this.#view = {
      version: this.#version,
      nodes: nodes.nodes,
      nodeChanges: { since: prev?.version ?? -1, names: nodes.changed },
      daemonSets: pick(this.#daemonSets, prev?.daemonSets, () => [
        ...this.#daemonSets.items.values(),
      ]),
      namespaces: pick(
        this.#namespaces,
        prev?.namespaces,
        () => new Map([...this.#namespaces.items.values()].map(n => [n.name, n])),
      ),
      workloads,
      autoscalers,
      replicaSets: pick(this.#replicaSets, prev?.replicaSets, () => [
        ...this.#replicaSets.items.values(),
      ]),
      eniConfigs: pick(
        this.#eniConfigs,
        prev?.eniConfigs,
        () => new Map([...this.#eniConfigs.items.values()].map(e => [e.name, e])),
      ),
      workloadNodes: this.#workloadNodesView(prev?.workloadNodes),
      karpenter: this.#karpenterView(prev?.karpenter),
      topologyVersion: this.#topologyVersion,
      pods: this.#pods.size,
    };
    this.#viewVersion = this.#version;
    return this.#view;
  }
}
