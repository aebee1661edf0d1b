import { withBuiltinTypes } from '../cni/instance-catalog.js';
import { parseCniSettings, type CniEnv, type CniSettings } from '../cni/settings.js';
import { cniEnvOf, findAwsNode, resolveNode } from '../cluster/build.js';
import type { ClusterModel, EniHoldings, Node } from '../cluster/model.js';
import {
  eniConfigKeysOf,
  eniConfigNameOf,
  sameEniConfigKeys,
  type EniConfigKeys,
} from '../cni/eni-config-name.js';
import type { Ec2View } from '../ec2/ec2-state.js';
import { preferenceOf, type SubnetPreference } from '../cluster/aws/subnet-selection.js';
import type { KubeView } from '../kube/cluster-store.js';

interface Cni {
  readonly daemonSets: KubeView['daemonSets'];
  readonly cniEnv: CniEnv;
  readonly cni: CniSettings;
  readonly eniConfigKeys: EniConfigKeys;
  readonly prefer: SubnetPreference;
}

/** Where a node's addresses come from: depends on its address and ENIConfig, not on its pods. */
interface Placement {
  readonly key: string;
  readonly subnetId?: string;
  readonly eniConfig?: string;
}

function placementKey(n: Node, keys: EniConfigKeys): string {
  return `${n.internalIp ?? ''}|${n.zone ?? ''}|${eniConfigNameOf(n.labels, n.annotations, keys)}`;
}

/**
 * The ClusterModel buildClusterModel would make from the same objects, assembled from the informers'
 * view and the EC2 view, rebuilding only what changed: an unchanged pair of views gives the same model
 * object, and a pod event rebuilds only the nodes it touched. Admission reads the model per request;
 * this keeps that read cheap.
 */
export class LiveModelBuilder {
  #last: { kube: KubeView; ec2: Ec2View; model: ClusterModel } | undefined;
  #cni: Cni | undefined;
  #placements = new Map<string, Placement>();
  #placementContext: { subnets: Ec2View['subnets']; cni: Cni } | undefined;

  build(kube: KubeView, ec2: Ec2View): ClusterModel {
    const last = this.#last;
    if (last && last.kube === kube && last.ec2 === ec2) return last.model;
    const cni = this.#cniOf(kube);
    const contextSame =
      this.#placementContext?.subnets === ec2.subnets &&
      sameEniConfigKeys(this.#placementContext.cni.eniConfigKeys, cni.eniConfigKeys) &&
      this.#placementContext.cni.prefer.vpcId === cni.prefer.vpcId &&
      this.#placementContext.cni.prefer.clusterName === cni.prefer.clusterName;
    if (!contextSame) {
      this.#placements = new Map();
      this.#placementContext = { subnets: ec2.subnets, cni };
    }
    const nodes = this.#nodes(kube, ec2, cni, contextSame);
    const holdings = this.#holdings(nodes, kube, ec2, last);
    const model: ClusterModel = {
      nodes,
      workloadNodes: kube.workloadNodes,
      daemonSets: kube.daemonSets,
      namespaces: kube.namespaces,
      workloads: kube.workloads,
      // As from files: no autoscalers, no map.
      ...(kube.autoscalers.size > 0 && { autoscalers: kube.autoscalers }),
      replicaSets: kube.replicaSets,
      eniConfigs: kube.eniConfigs,
      subnets: ec2.subnets,
      instanceTypes:
        last?.ec2.instanceTypes === ec2.instanceTypes
          ? last.model.instanceTypes
          : withBuiltinTypes(ec2.instanceTypes),
      cniEnv: cni.cniEnv,
      cni: cni.cni,
      eniConfigKeys: cni.eniConfigKeys,
      ...(holdings && { holdings }),
      ...kube.karpenter,
    };
    this.#last = { kube, ec2, model };
    return model;
  }

  #cniOf(kube: KubeView): Cni {
    if (this.#cni?.daemonSets === kube.daemonSets) return this.#cni;
    const awsNode = findAwsNode(kube.daemonSets);
    const cniEnv = cniEnvOf(awsNode);
    this.#cni = {
      daemonSets: kube.daemonSets,
      cniEnv,
      cni: parseCniSettings(cniEnv).settings,
      eniConfigKeys: eniConfigKeysOf(awsNode?.env),
      prefer: preferenceOf(awsNode?.env),
    };
    return this.#cni;
  }

  #resolve(n: Node, subnets: Ec2View['subnets'], cni: Cni): Node {
    const key = placementKey(n, cni.eniConfigKeys);
    let p = this.#placements.get(n.name);
    if (p?.key !== key) {
      const r = resolveNode(n, subnets, cni.eniConfigKeys, cni.prefer);
      p = {
        key,
        ...(r.subnetId !== undefined && { subnetId: r.subnetId }),
        ...(r.eniConfig !== undefined && { eniConfig: r.eniConfig }),
      };
      this.#placements.set(n.name, p);
    }
    return {
      ...n,
      ...(p.subnetId !== undefined && { subnetId: p.subnetId }),
      ...(p.eniConfig !== undefined && { eniConfig: p.eniConfig }),
    };
  }

  #nodes(kube: KubeView, ec2: Ec2View, cni: Cni, contextSame: boolean): ReadonlyMap<string, Node> {
    const last = this.#last;
    if (last && contextSame && last.kube.nodes === kube.nodes) return last.model.nodes;
    const delta = kube.nodeChanges;
    if (last && contextSame && delta.since === last.kube.version && delta.names !== 'all') {
      const nodes = new Map(last.model.nodes);
      for (const name of delta.names) {
        const n = kube.nodes.get(name);
        if (n) nodes.set(name, this.#resolve(n, ec2.subnets, cni));
        else {
          nodes.delete(name);
          this.#placements.delete(name);
        }
      }
      return nodes;
    }
    const nodes = new Map<string, Node>();
    for (const [name, n] of kube.nodes) nodes.set(name, this.#resolve(n, ec2.subnets, cni));
    for (const name of this.#placements.keys()) if (!nodes.has(name)) this.#placements.delete(name);
    return nodes;
  }

  #holdings(
    nodes: ReadonlyMap<string, Node>,
    kube: KubeView,
    ec2: Ec2View,
    last: { kube: KubeView; ec2: Ec2View; model: ClusterModel } | undefined,
  ): ReadonlyMap<string, EniHoldings> | undefined {
    const byInstance = ec2.holdings;
    if (!byInstance) return undefined;
    // Holdings follow instance ids, which only a topology change moves; pod events leave them be.
    if (last?.kube.topologyVersion === kube.topologyVersion && last.ec2.holdings === byInstance)
      return last.model.holdings;
    const out = new Map<string, EniHoldings>();
    for (const n of nodes.values()) {
      const h = n.instanceId === undefined ? undefined : byInstance.get(n.instanceId);
      if (h) out.set(n.name, h);
    }
    return out;
  }
}
