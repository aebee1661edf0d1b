import type { AutoModeNodeClass, Ec2NodeClass, NodeClassSubnet } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';

function subnetsOf(status: Reader | undefined): NodeClassSubnet[] {
  return (status?.list('subnets') ?? []).map(s => {
    const zoneId = s.string('zoneID');
    return {
      id: s.requireString('id'),
      zone: s.requireString('zone'),
      ...(zoneId !== undefined && zoneId !== '' && { zoneId }),
    };
  });
}

/** The AMI family an alias names (`al2023@latest` → AL2023), as EC2NodeClass.AMIFamily() infers it. */
const ALIAS_FAMILIES: Readonly<Record<string, string>> = {
  al2: 'AL2',
  al2023: 'AL2023',
  bottlerocket: 'Bottlerocket',
  windows2019: 'Windows2019',
  windows2022: 'Windows2022',
  windows2025: 'Windows2025',
};

function amiFamilyOf(spec: Reader): string | undefined {
  const explicit = spec.string('amiFamily');
  if (explicit !== undefined && explicit !== '') return explicit;
  for (const term of spec.list('amiSelectorTerms')) {
    const alias = term.string('alias');
    if (alias === undefined) continue;
    const family = ALIAS_FAMILIES[alias.split('@')[0]?.toLowerCase() ?? ''];
    if (family !== undefined) return family;
  }
  return undefined;
}

function reserved(r: Reader | undefined): { cpuMilli?: number; memoryBytes?: number } {
  const cpuMilli = r?.milli('cpu');
  const memoryBytes = r?.quantity('memory');
  return {
    ...(cpuMilli !== undefined && { cpuMilli }),
    ...(memoryBytes !== undefined && { memoryBytes }),
  };
}

function evictionMemory(kubelet: Reader | undefined): Ec2NodeClass['evictionHardMemory'] {
  const hard = kubelet?.child('evictionHard');
  const v = hard?.string('memory.available');
  if (hard === undefined || v === undefined) return undefined;
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(v.trim());
  if (pct) return { percent: Number(pct[1]) };
  const bytes = hard.quantity('memory.available');
  return bytes === undefined ? undefined : { bytes };
}

/** karpenter.k8s.aws/v1 EC2NodeClass: subnets resolved, and what decides pods capacity and overhead. */
export function projectEc2NodeClass(obj: Reader): Ec2NodeClass {
  const meta = readMeta(obj, false);
  const spec = obj.child('spec');
  if (!spec) throw obj.fail('spec', 'missing');
  const kubelet = spec.child('kubelet');
  // IntOrString: an integer, or (feature gate NodeClassCEL) a CEL expression over the type's figures.
  const maxPodsRaw = kubelet?.value.maxPods;
  const maxPods =
    typeof maxPodsRaw === 'string' && /^\d+$/.test(maxPodsRaw.trim())
      ? Number(maxPodsRaw.trim())
      : typeof maxPodsRaw === 'string'
        ? undefined
        : kubelet?.int('maxPods');
  const podsPerCore = kubelet?.int('podsPerCore');
  const ipPrefixCount = spec.int('ipPrefixCount');
  const amiFamily = amiFamilyOf(spec);
  const eviction = evictionMemory(kubelet);
  const efaOnlyInterfaces = spec
    .list('networkInterfaces')
    .filter(
      n => (n.int('networkCardIndex') ?? 0) === 0 && n.string('interfaceType') === 'efa-only',
    ).length;
  return {
    name: meta.name,
    subnets: subnetsOf(obj.child('status')),
    ...(amiFamily !== undefined && { amiFamily }),
    ...(maxPods !== undefined && { maxPods }),
    ...(typeof maxPodsRaw === 'string' &&
      maxPods === undefined && { maxPodsExpression: maxPodsRaw }),
    ...(podsPerCore !== undefined && { podsPerCore }),
    ...(ipPrefixCount !== undefined && { ipPrefixCount }),
    efaOnlyInterfaces,
    kubeReserved: reserved(kubelet?.child('kubeReserved')),
    systemReserved: reserved(kubelet?.child('systemReserved')),
    ...(eviction && { evictionHardMemory: eviction }),
  };
}

/** eks.amazonaws.com/v1 NodeClass (EKS Auto Mode): subnets and the addressing knobs it has. */
export function projectAutoModeNodeClass(obj: Reader): AutoModeNodeClass {
  const meta = readMeta(obj, false);
  const spec = obj.child('spec');
  const size = spec?.child('advancedNetworking')?.value.ipv4PrefixSize;
  const ipv4PrefixSize =
    typeof size === 'string' ? size : typeof size === 'number' ? String(size) : undefined;
  return {
    name: meta.name,
    subnets: subnetsOf(obj.child('status')),
    ...(ipv4PrefixSize !== undefined && { ipv4PrefixSize }),
    separatePodSubnets: (spec?.list('podSubnetSelectorTerms').length ?? 0) > 0,
  };
}
