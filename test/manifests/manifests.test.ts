import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { cpSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
  type IClusterRole,
  type IClusterRoleBinding,
  type IRole,
  type IRoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  ConfigMap,
  Namespace,
  Secret,
  Service,
  ServiceAccount,
  type IConfigMap,
  type IContainer,
  type INamespace,
  type ISecret,
  type IService,
  type IServiceAccount,
} from 'kubernetes-models/v1';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PriorityClass, type IPriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1';
import {
  ValidatingWebhookConfiguration,
  type IValidatingWebhookConfiguration,
} from 'kubernetes-models/admissionregistration.k8s.io/v1';
import {
  Certificate,
  Issuer,
  type ICertificate,
  type IIssuer,
} from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_LEDGER_NAME } from '../../src/kube/ledger-object.js';
import { quantityMilli } from '../../src/cluster/quantity.js';
import { targetOf, type AdmissionRequest } from '../../src/admission/review.js';
import { awsNodeObject } from '../helpers/aws-node.js';
import { RESOURCES } from '../../src/kube/resources.js';
import {
  build,
  kustomizationFile,
  objectId,
  readKustomization,
  readYamlDocuments,
  type K8sObject,
} from '../helpers/kustomize.js';
import {
  levelAllows,
  namespaceLabels,
  podSecurityLevel,
  ruleRoutes,
  selects,
  type PodSecurityLevel,
  type PodSpecish,
  type RequestShape,
} from '../helpers/kube-rules.js';
import { tempDir } from '../helpers/temp.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

type ModelClass = new (data: never) => { validate(): void };

// Every kind manifests/ may hold, with the schema that validates it. A kind missing here fails the
// test, so a new kind comes with its schema.
const MODELS: Record<string, ModelClass> = {
  'v1 Namespace': Namespace,
  'v1 ServiceAccount': ServiceAccount,
  'v1 ConfigMap': ConfigMap,
  'v1 Secret': Secret,
  'v1 Service': Service,
  'apps/v1 Deployment': Deployment,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'scheduling.k8s.io/v1 PriorityClass': PriorityClass,
  'rbac.authorization.k8s.io/v1 ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1 Role': Role,
  'rbac.authorization.k8s.io/v1 RoleBinding': RoleBinding,
  'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration': ValidatingWebhookConfiguration,
  'cert-manager.io/v1 Issuer': Issuer,
  'cert-manager.io/v1 Certificate': Certificate,
  'argoproj.io/v1alpha1 Rollout': Rollout,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
};

function validate(obj: K8sObject, where: string): void {
  const Model = MODELS[`${obj.apiVersion} ${obj.kind}`];
  assert.ok(Model, `${where}: ${obj.apiVersion} ${obj.kind} has no schema in this test`);
  try {
    new Model(obj as never).validate();
  } catch (err) {
    assert.fail(`${where}: ${objectId(obj)}: ${String(err)}`);
  }
}

function isKustomizeDoc(doc: unknown): boolean {
  return (
    typeof doc === 'object' &&
    doc !== null &&
    String((doc as { apiVersion?: unknown }).apiVersion).startsWith('kustomize.config.k8s.io/')
  );
}

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map(f => join(dir, f))
    .filter(f => statSync(f).isFile() && ext.test(f))
    .sort();
}

// What ipguard's live state reads (SPEC.md, "Inputs": the kinds of the typical capture); the
// informers need get/list/watch on exactly these.
// What the informers list and watch (src/kube/resources.ts): the role must grant exactly these.
const INFORMER_RESOURCES = RESOURCES.map(
  r => `${r.apiVersion.includes('/') ? (r.apiVersion.split('/')[0] ?? '') : ''}/${r.plural}`,
);

const READ_VERBS = new Set(['get', 'list', 'watch']);

// Ports that host-network agents commonly hold on EKS nodes: kubelet, kube-proxy, the VPC CNI's
// ipamd and network policy agent, node-exporter, the EBS CSI node plugin, kube-scheduler/KCM.
const NODE_PORTS_IN_USE = new Set([
  22, 53, 80, 443, 2379, 2380, 6443, 8162, 8163, 9100, 9808, 10249, 10250, 10256, 10257, 10259,
  61678, 61679, 61680,
]);

/** The kinds tests look up, by `apiVersion kind`. */
interface Kinds {
  'v1 Namespace': INamespace;
  'v1 ServiceAccount': IServiceAccount;
  'v1 ConfigMap': IConfigMap;
  'v1 Secret': ISecret;
  'v1 Service': IService;
  'apps/v1 Deployment': IDeployment;
  'policy/v1 PodDisruptionBudget': IPodDisruptionBudget;
  'scheduling.k8s.io/v1 PriorityClass': IPriorityClass;
  'rbac.authorization.k8s.io/v1 Role': IRole;
  'rbac.authorization.k8s.io/v1 RoleBinding': IRoleBinding;
  'rbac.authorization.k8s.io/v1 ClusterRole': IClusterRole;
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': IClusterRoleBinding;
  'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration': IValidatingWebhookConfiguration;
  'cert-manager.io/v1 Issuer': IIssuer;
  'cert-manager.io/v1 Certificate': ICertificate;
}

/** The rendered install, with the objects tests look at. */
class Install {
  readonly name: string;
  readonly objects: K8sObject[];

  constructor(name: string, objects: K8sObject[]) {
    this.name = name;
    this.objects = objects;
  }

  all<K extends keyof Kinds>(key: K): Kinds[K][] {
    return this.objects.filter(o => `${o.apiVersion} ${o.kind}` === key) as unknown as Kinds[K][];
  }

  one<K extends keyof Kinds>(key: K): Kinds[K] {
    const found = this.all(key);
    assert.equal(found.length, 1, `${this.name}: expected one ${key}, found ${found.length}`);
    return found[0]!;
  }

  get deployment() {
    return this.one('apps/v1 Deployment');
  }
  get webhookConfig() {
    return this.one('admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration');
  }
  get service() {
    return this.one('v1 Service');
  }
  get namespace() {
    return this.one('v1 Namespace');
  }
  get container(): IContainer {
    const containers = this.deployment.spec!.template.spec!.containers;
    assert.equal(containers.length, 1, `${this.name}: one container`);
    return containers[0]!;
  }

  /** The container's environment as the process sees it: envFrom ConfigMaps, then env. */
  env(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const from of this.container.envFrom ?? []) {
      const name = from.configMapRef?.name;
      assert.ok(name, `${this.name}: envFrom only from ConfigMaps`);
      const cm = this.all('v1 ConfigMap').find(c => c.metadata!.name === name);
      assert.ok(cm, `${this.name}: envFrom ConfigMap ${name} is not in the install`);
      Object.assign(env, cm.data ?? {});
    }
    for (const e of this.container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    return env;
  }

  /** A container port by name or number. */
  port(ref: string | number): number {
    if (typeof ref === 'number') return ref;
    const p = (this.container.ports ?? []).find(x => x.name === ref);
    assert.ok(p, `${this.name}: no container port named ${ref}`);
    return p.containerPort;
  }
}

const tmp = tempDir({ after }, 'manifests');
const workManifests = join(tmp, 'manifests');
const installs = new Map<string, Install>();
let overlayNames: string[] = [];

before(() => {
  // A copy of manifests/ beside the Component that certs/gen.sh writes (git-ignored certs/out in a
  // real checkout), so the plain overlays render exactly as an operator's would.
  cpSync(join(REPO, 'manifests'), workManifests, { recursive: true });
  execFileSync('bash', [join(REPO, 'certs', 'gen.sh'), '--out', join(tmp, 'certs', 'out')], {
    stdio: 'pipe',
  });
  overlayNames = readdirSync(join(workManifests, 'overlays')).sort();
  for (const name of overlayNames) {
    installs.set(name, new Install(name, build(join(workManifests, 'overlays', name))));
  }
});

function eachInstall(title: string, check: (i: Install) => void): void {
  test(title, () => {
    assert.ok(installs.size >= 4, 'plain, cert-manager, fail-closed and host-network render');
    for (const i of installs.values()) check(i);
  });
}

describe('every file under manifests/', () => {
  test('parses, and every object validates against its Kubernetes schema', () => {
    const files = filesUnder(join(REPO, 'manifests'), /\.ya?ml$/);
    assert.ok(files.length >= 10);
    for (const file of files) {
      const docs = readYamlDocuments(file);
      assert.ok(docs.length > 0, `${file}: empty`);
      for (const doc of docs) {
        // A list is a JSON 6902 patch file, checked where its overlay renders.
        if (isKustomizeDoc(doc) || Array.isArray(doc)) continue;
        validate(doc as K8sObject, relative(REPO, file));
      }
    }
  });

  test('is used by some overlay, and everything a kustomization names exists', () => {
    const used = new Set<string>();
    const visit = (dir: string): void => {
      used.add(kustomizationFile(dir));
      const k = readKustomization(dir);
      for (const entry of [...(k.resources ?? []), ...(k.components ?? [])]) {
        const path = resolve(dir, entry);
        assert.ok(
          statSync(path, { throwIfNoEntry: false }),
          `${relative(tmp, dir)}: ${entry} missing`,
        );
        if (statSync(path).isDirectory()) visit(path);
        else used.add(path);
      }
      for (const p of k.patches ?? []) {
        if (p.path === undefined) continue;
        const path = resolve(dir, p.path);
        assert.ok(statSync(path, { throwIfNoEntry: false }), `${relative(tmp, dir)}: ${p.path}`);
        used.add(path);
      }
    };
    for (const name of overlayNames) visit(join(workManifests, 'overlays', name));
    const unused = filesUnder(workManifests, /\.ya?ml$/).filter(f => !used.has(f));
    assert.deepEqual(
      unused.map(f => relative(workManifests, f)),
      [],
      'files no overlay uses',
    );
  });

  test('the bundled example Rollout is a valid argoproj.io/v1alpha1 Rollout', () => {
    const docs = readYamlDocuments(join(REPO, 'examples', 'bluegreen', 'rollout-v2.yaml'));
    for (const doc of docs) validate(doc as K8sObject, 'examples/bluegreen/rollout-v2.yaml');
  });
});

describe('each overlay renders to a complete, valid install', () => {
  eachInstall('validates against the Kubernetes schemas', i => {
    for (const o of i.objects) validate(o, `overlays/${i.name}`);
  });

  eachInstall('namespaced objects all live in ipguard’s namespace', i => {
    const ns = i.namespace.metadata!.name!;
    for (const o of i.objects) {
      const clusterScoped = [
        'Namespace',
        'ClusterRole',
        'ClusterRoleBinding',
        'ValidatingWebhookConfiguration',
        'PriorityClass',
      ].includes(o.kind);
      assert.equal(
        o.metadata.namespace,
        clusterScoped ? undefined : ns,
        `${i.name}: ${objectId(o)}`,
      );
    }
  });

  test('renders the same as kubectl kustomize', t => {
    const probe = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) {
      t.skip(
        'kubectl is not installed: the overlays were rendered by test/helpers/kustomize.ts only',
      );
      return;
    }
    for (const [name, install] of installs) {
      const out = execFileSync('kubectl', ['kustomize', join(workManifests, 'overlays', name)], {
        encoding: 'utf8',
      });
      const theirs = new Map(
        parseAllDocuments(out).map(d => {
          const o = d.toJS() as K8sObject;
          return [objectId(o), o] as const;
        }),
      );
      const ours = new Map(install.objects.map(o => [objectId(o), o] as const));
      assert.deepEqual([...theirs.keys()].sort(), [...ours.keys()].sort(), name);
      for (const [id, o] of ours) assert.deepEqual(o, theirs.get(id), `${name}: ${id}`);
    }
  });
});

describe('the ValidatingWebhookConfiguration', () => {
  const webhooks = (i: Install) => {
    const list = i.webhookConfig.webhooks ?? [];
    assert.ok(list.length > 0, `${i.name}: no webhooks`);
    return list;
  };
  // The entry that sees kube-system/aws-node only (the VPC CNI's settings); the others guard workloads.
  const CNI_WEBHOOK = 'cni-settings.ipguard.io';
  const capacityWebhooks = (i: Install) => webhooks(i).filter(w => w.name !== CNI_WEBHOOK);
  const cniWebhook = (i: Install) => {
    const w = webhooks(i).find(x => x.name === CNI_WEBHOOK);
    assert.ok(w, `${i.name}: no ${CNI_WEBHOOK} entry`);
    return w;
  };

  // Requests the apiserver can send, and whether the server judges them (src/admission/review.ts
  // targetOf). The webhook must route exactly the judged ones: missing one lets a change through
  // unchecked; extra ones only add latency and failure exposure.
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx' }] },
      },
    },
  };
  const rollout = (): unknown =>
    readYamlDocuments(join(REPO, 'examples', 'bluegreen', 'rollout-v2.yaml'))[0];
  const scale = {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { replicas: 3 },
  };
  const universe: {
    shape: RequestShape;
    object: unknown;
    oldObject?: unknown;
    namespace?: string;
    name?: string;
  }[] = [];
  const resources = [
    { group: 'apps', version: 'v1', resource: 'deployments', subs: ['', 'scale', 'status'] },
    {
      group: 'argoproj.io',
      version: 'v1alpha1',
      resource: 'rollouts',
      subs: ['', 'scale', 'status'],
    },
    { group: 'apps', version: 'v1', resource: 'replicasets', subs: ['', 'scale', 'status'] },
    { group: 'apps', version: 'v1', resource: 'statefulsets', subs: ['', 'scale'] },
    { group: 'apps', version: 'v1', resource: 'daemonsets', subs: ['', 'status'] },
    { group: 'batch', version: 'v1', resource: 'jobs', subs: ['', 'status'] },
    { group: 'batch', version: 'v1', resource: 'cronjobs', subs: ['', 'status'] },
    { group: '', version: 'v1', resource: 'pods', subs: ['', 'status', 'ephemeralcontainers'] },
    {
      group: 'autoscaling',
      version: 'v2',
      resource: 'horizontalpodautoscalers',
      subs: ['', 'status'],
    },
    { group: 'keda.sh', version: 'v1alpha1', resource: 'scaledobjects', subs: ['', 'status'] },
  ];
  const autoscaler = {
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 9,
    },
  };
  const objectFor = (resource: string, sub: string): unknown =>
    sub === 'scale'
      ? scale
      : resource === 'rollouts'
        ? rollout()
        : resource === 'horizontalpodautoscalers' || resource === 'scaledobjects'
          ? autoscaler
          : deployment;
  for (const r of resources) {
    for (const sub of r.subs) {
      for (const operation of ['CREATE', 'UPDATE', 'DELETE']) {
        const object = objectFor(r.resource, sub);
        universe.push({
          shape: { ...r, subResource: sub, operation, namespaced: true },
          object,
        });
      }
    }
  }

  // kube-system/aws-node, whose env is the VPC CNI's settings: its updates go to their own entry.
  for (const sub of ['', 'status']) {
    for (const operation of ['CREATE', 'UPDATE', 'DELETE']) {
      universe.push({
        shape: {
          group: 'apps',
          version: 'v1',
          resource: 'daemonsets',
          subResource: sub,
          operation,
          namespaced: true,
        },
        object: awsNodeObject({ MINIMUM_IP_TARGET: '8' }),
        ...(operation === 'UPDATE' && { oldObject: awsNodeObject() }),
        namespace: 'kube-system',
        name: 'aws-node',
      });
    }
  }

  function withOtherSpec(object: unknown): unknown {
    const o = structuredClone(object) as { spec?: { replicas?: number; maxReplicas?: number } };
    if (o.spec?.maxReplicas !== undefined) o.spec.maxReplicas += 1;
    else if (o.spec) o.spec.replicas = (o.spec.replicas ?? 1) + 1;
    return o;
  }

  function judged(u: (typeof universe)[number]): boolean {
    const { shape, object } = u;
    const req: AdmissionRequest = {
      uid: 'u',
      kind: { group: shape.group, version: shape.version, kind: 'X' },
      resource: { group: shape.group, version: shape.version, resource: shape.resource },
      ...(shape.subResource !== '' && { subResource: shape.subResource }),
      name: u.name ?? 'web',
      namespace: u.namespace ?? 'shop',
      operation: shape.operation,
      object,
      // The old version differs in its spec: an update that only touches metadata is never judged.
      ...(shape.operation === 'UPDATE' && { oldObject: u.oldObject ?? withOtherSpec(object) }),
      dryRun: false,
    };
    return targetOf(req).type !== 'ignore';
  }

  /** The apiserver calls a webhook when a rule routes the request and both selectors select it. */
  function routedBy(w: ReturnType<typeof webhooks>[number], u: (typeof universe)[number]): boolean {
    const labelsOf = (o: unknown): Record<string, string> =>
      (o as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels ?? {};
    return (
      (w.rules ?? []).some(r => ruleRoutes(r, u.shape)) &&
      selects(w.namespaceSelector, namespaceLabels(u.namespace ?? 'shop')) &&
      // objectSelector: the new or the old object's labels (predicates/object/matcher.go).
      (selects(w.objectSelector, labelsOf(u.object)) ||
        (u.oldObject !== undefined && selects(w.objectSelector, labelsOf(u.oldObject))))
    );
  }

  eachInstall('routes exactly the requests the server judges', i => {
    const wrong: string[] = [];
    for (const u of universe) {
      const { shape } = u;
      const routed = webhooks(i).some(w => routedBy(w, u));
      const want = judged(u);
      if (routed !== want) {
        const res = `${u.namespace ?? 'shop'} ${shape.group}/${shape.version} ${shape.resource}${shape.subResource === '' ? '' : `/${shape.subResource}`}`;
        wrong.push(
          `${shape.operation} ${res}: ${routed ? 'routed, not judged' : 'judged, not routed'}`,
        );
      }
    }
    assert.deepEqual(wrong, [], i.name);
    // Each resource a rule names must be one the server judges (the list above is not the world).
    for (const w of webhooks(i)) {
      for (const rule of w.rules ?? []) {
        for (const res of rule.resources ?? []) {
          const one = { ...rule, resources: [res] };
          assert.ok(
            universe.some(u => ruleRoutes(one, u.shape) && judged(u)),
            `${i.name}: rule resource ${res} routes nothing the server judges`,
          );
        }
      }
    }
    // The ones the brief names, spelled out.
    const needed = [
      'apps/v1 deployments',
      'apps/v1 deployments/scale',
      'argoproj.io/v1alpha1 rollouts',
      'argoproj.io/v1alpha1 rollouts/scale',
      'argoproj.io/v1alpha1 rollouts/status',
      'apps/v1 statefulsets',
      'apps/v1 statefulsets/scale',
      'apps/v1 daemonsets',
      'batch/v1 jobs',
      'batch/v1 cronjobs',
      'autoscaling/v2 horizontalpodautoscalers',
      'keda.sh/v1alpha1 scaledobjects',
    ];
    for (const n of needed) {
      const [gv, res] = n.split(' ') as [string, string];
      const [group, version] = gv.split('/') as [string, string];
      const [resource, sub] = res.split('/') as [string, string | undefined];
      for (const operation of ['CREATE', 'UPDATE']) {
        const shape = {
          group,
          version,
          resource,
          subResource: sub ?? '',
          operation,
          namespaced: true,
        };
        assert.ok(
          webhooks(i).some(w => (w.rules ?? []).some(r => ruleRoutes(r, shape))),
          `${i.name}: ${operation} ${n}`,
        );
      }
    }
  });

  eachInstall('is safe for dry-run and speaks admission.k8s.io/v1 only', i => {
    for (const w of webhooks(i)) {
      // Anything but None/NoneOnDryRun makes the apiserver refuse `--dry-run=server` outright; ipguard
      // writes its reservation ledger for real requests only, which is NoneOnDryRun.
      assert.equal(w.sideEffects, 'NoneOnDryRun', `${i.name}: ${w.name}`);
      assert.deepEqual(w.admissionReviewVersions, ['v1'], `${i.name}: ${w.name}`);
      // The apiserver requires a fully qualified name (three DNS labels or more).
      assert.match(w.name, /^[a-z0-9-]+(\.[a-z0-9-]+){2,}$/, `${i.name}: ${w.name}`);
    }
  });

  eachInstall('states its failurePolicy, and the default install fails open', i => {
    for (const w of capacityWebhooks(i)) {
      assert.ok(w.failurePolicy === 'Ignore' || w.failurePolicy === 'Fail', `${i.name}: explicit`);
      assert.equal(w.failurePolicy, i.name === 'fail-closed' ? 'Fail' : 'Ignore', i.name);
      assert.equal(w.matchPolicy, 'Equivalent', i.name);
    }
  });

  eachInstall('times out after the server’s own budget, and within 10 s', i => {
    const { budgetMs } = loadConfig(i.env());
    for (const w of webhooks(i)) {
      assert.ok(w.timeoutSeconds !== undefined, `${i.name}: explicit timeoutSeconds`);
      assert.ok(w.timeoutSeconds <= 10, `${i.name}: ${w.timeoutSeconds}s holds callers too long`);
      // The server answers within budgetMs; a second of margin covers TLS and the network.
      assert.ok(
        w.timeoutSeconds * 1000 >= budgetMs + 1000,
        `${i.name}: ${w.timeoutSeconds}s leaves no margin over IPGUARD_BUDGET_MS=${budgetMs}`,
      );
    }
  });

  eachInstall('never skips kubectl scale or the HPA (no objectSelector a Scale fails)', i => {
    for (const w of capacityWebhooks(i)) {
      // Scale objects carry no labels: the selector must match an object with none.
      assert.ok(selects(w.objectSelector, {}), `${i.name}: ${w.name}`);
    }
  });

  eachInstall('skips kube-system and ipguard’s own namespace, and nothing else', i => {
    const own = i.deployment.metadata!.namespace!;
    for (const w of capacityWebhooks(i)) {
      const sel = w.namespaceSelector;
      assert.equal(selects(sel, namespaceLabels('kube-system')), false, `${i.name}: kube-system`);
      assert.equal(selects(sel, namespaceLabels(own)), false, `${i.name}: ${own}`);
      for (const ns of ['default', 'shop', 'argo-rollouts', 'team-a']) {
        assert.equal(selects(sel, namespaceLabels(ns)), true, `${i.name}: ${ns} must be guarded`);
      }
    }
  });

  eachInstall('calls the Service at /validate on a port that reaches the server', i => {
    const svc = i.service;
    const { port } = loadConfig(i.env());
    for (const w of webhooks(i)) {
      const ref = w.clientConfig.service;
      assert.ok(ref, `${i.name}: clientConfig.service`);
      assert.equal(ref.name, svc.metadata!.name);
      assert.equal(ref.namespace, svc.metadata!.namespace);
      assert.equal(ref.path, '/validate');
      const sp = (svc.spec!.ports ?? []).find(p => p.port === (ref.port ?? 443));
      assert.ok(sp, `${i.name}: the Service has no port ${ref.port ?? 443}`);
      assert.equal(i.port(sp.targetPort ?? sp.port), port, `${i.name}: targetPort → IPGUARD_PORT`);
      assert.ok(
        selects(
          { matchLabels: svc.spec!.selector ?? {} },
          i.deployment.spec!.template.metadata!.labels ?? {},
        ),
        `${i.name}: the Service selects ipguard's pods`,
      );
    }
  });

  eachInstall(
    'sees kube-system/aws-node only, and never blocks the CNI (Ignore, also fail-closed)',
    i => {
      const w = cniWebhook(i);
      assert.equal(w.failurePolicy, 'Ignore', `${i.name}: the CNI must never wait for ipguard`);
      assert.deepEqual(w.matchConditions ?? [], [], i.name);
      assert.equal(w.matchPolicy, 'Equivalent', i.name);
      assert.deepEqual(w.rules, [
        {
          apiGroups: ['apps'],
          apiVersions: ['v1'],
          resources: ['daemonsets'],
          operations: ['UPDATE'],
          scope: 'Namespaced',
        },
      ]);
      assert.equal(selects(w.namespaceSelector, namespaceLabels('kube-system')), true, i.name);
      for (const ns of ['default', 'shop', 'ipguard', 'amazon-vpc-cni'])
        assert.equal(selects(w.namespaceSelector, namespaceLabels(ns)), false, `${i.name}: ${ns}`);
      // The real aws-node's labels (the example cluster's capture), and its neighbours' in kube-system.
      assert.equal(selects(w.objectSelector, awsNodeObject().metadata.labels), true, i.name);
      for (const app of ['kube-proxy', 'ebs-csi-node', 'eks-pod-identity-agent'])
        assert.equal(selects(w.objectSelector, { 'k8s-app': app }), false, `${i.name}: ${app}`);
    },
  );

  eachInstall('in fail-closed, lets scale-downs through without asking ipguard', i => {
    for (const w of webhooks(i)) {
      const conditions = w.matchConditions ?? [];
      if (w.failurePolicy !== 'Fail') {
        assert.deepEqual(conditions, [], `${i.name}: a fail-open webhook needs no exemptions`);
        continue;
      }
      const exempt = conditions.find(c => /subResource\s*==\s*'scale'/.test(c.expression));
      assert.ok(exempt, `${i.name}: freeing addresses must not depend on ipguard being up`);
      assert.match(
        exempt.expression,
        /object\.spec\.replicas\)?\s*\?[^<]*<[^<]*oldObject\.spec\.replicas/s,
      );
    }
  });
});

describe('the serving certificate', () => {
  const tlsSecretName = (i: Install): string => {
    const vol = (i.deployment.spec!.template.spec!.volumes ?? []).find(v => v.secret);
    assert.ok(vol?.secret?.secretName, `${i.name}: the Deployment mounts a Secret`);
    return vol.secret.secretName;
  };

  eachInstall('is the Secret the server reads its certificate and key from', i => {
    const env = loadConfig(i.env());
    const secretVolume = (i.deployment.spec!.template.spec!.volumes ?? []).find(v => v.secret)!;
    const mount = (i.container.volumeMounts ?? []).find(m => m.name === secretVolume.name);
    assert.ok(mount, `${i.name}: the Secret volume is mounted`);
    assert.equal(mount.subPath, undefined, `${i.name}: subPath mounts never see a rotated Secret`);
    assert.equal(env.tlsCertFile, posix.join(mount.mountPath, 'tls.crt'));
    assert.equal(env.tlsKeyFile, posix.join(mount.mountPath, 'tls.key'));
    // 0440 with the pod's fsGroup: readable by the non-root process, by no one else.
    assert.equal(secretVolume.secret!.defaultMode, 0o440, i.name);
    assert.equal(
      i.deployment.spec!.template.spec!.securityContext?.fsGroup,
      i.deployment.spec!.template.spec!.securityContext?.runAsUser,
    );
  });

  eachInstall('comes from certs/gen.sh or cert-manager, and the apiserver will trust it', i => {
    const name = tlsSecretName(i);
    const webhookConfig = i.webhookConfig;
    const serviceName = `${i.service.metadata!.name!}.${i.service.metadata!.namespace!}.svc`;
    const secret = i.all('v1 Secret').find(s => s.metadata!.name === name);
    const certificate = i
      .all('cert-manager.io/v1 Certificate')
      .find(c => c.spec.secretName === name);
    assert.ok(
      (secret !== undefined) !== (certificate !== undefined),
      `${i.name}: Secret ${name} comes from exactly one of certs/gen.sh and cert-manager`,
    );
    const inject = webhookConfig.metadata?.annotations?.['cert-manager.io/inject-ca-from'];
    if (secret) {
      assert.equal(secret.type, 'kubernetes.io/tls');
      const data = secret.data ?? {};
      const pem = (k: string) => Buffer.from(data[k] ?? '', 'base64').toString('utf8');
      const leaf = new X509Certificate(pem('tls.crt'));
      const ca = new X509Certificate(pem('ca.crt'));
      assert.ok(
        leaf.checkIssued(ca) && leaf.verify(ca.publicKey),
        `${i.name}: leaf signed by ca.crt`,
      );
      assert.equal(leaf.checkHost(serviceName), serviceName, `${i.name}: names ${serviceName}`);
      assert.equal(inject, undefined, `${i.name}: no CA injection without cert-manager`);
      for (const w of webhookConfig.webhooks ?? []) {
        assert.equal(w.clientConfig.caBundle, data['ca.crt'], `${i.name}: caBundle is ca.crt`);
      }
      return;
    }
    const cert = certificate!;
    assert.equal(inject, `${cert.metadata!.namespace!}/${cert.metadata!.name!}`, i.name);
    for (const w of webhookConfig.webhooks ?? []) {
      assert.equal(w.clientConfig.caBundle, undefined, `${i.name}: injected, not hard-coded`);
    }
    assert.ok(cert.spec.dnsNames?.includes(serviceName), `${i.name}: names ${serviceName}`);
    assert.ok(cert.spec.usages?.includes('server auth'), i.name);
    assert.notEqual(cert.spec.isCA, true, i.name);
    // The issuer chain: CA issuer → CA certificate → self-signed issuer, all present.
    const issuers = i.all('cert-manager.io/v1 Issuer');
    const issuer = issuers.find(x => x.metadata!.name === cert.spec.issuerRef.name);
    const issuerCa = issuer?.spec.ca;
    assert.ok(issuerCa, `${i.name}: ${cert.spec.issuerRef.name} is a CA issuer`);
    const caCert = i
      .all('cert-manager.io/v1 Certificate')
      .find(c => c.spec.secretName === issuerCa.secretName);
    assert.ok(caCert?.spec.isCA === true, `${i.name}: the CA issuer's Secret is a CA Certificate`);
    const root = issuers.find(x => x.metadata!.name === caCert.spec.issuerRef.name);
    assert.ok(root?.spec.selfSigned, `${i.name}: the CA is self-signed`);
    // A CA renewal must not invalidate serving certificates the apiserver still checks.
    assert.equal(caCert.spec.privateKey?.rotationPolicy, 'Never', i.name);
  });
});

describe('the Deployment', () => {
  eachInstall(
    'runs enough replicas, spread over zones, guarded by a PDB that still allows drains',
    i => {
      const d = i.deployment;
      const replicas = d.spec!.replicas ?? 1;
      assert.ok(replicas >= 2, `${i.name}: ${replicas} replica(s)`);
      const podLabels = d.spec!.template.metadata!.labels ?? {};
      assert.ok(selects(d.spec!.selector, podLabels));
      const spread = d.spec!.template.spec!.topologySpreadConstraints ?? [];
      const zone = spread.find(s => s.topologyKey === 'topology.kubernetes.io/zone');
      assert.ok(zone, `${i.name}: spread across zones`);
      assert.ok(selects(zone.labelSelector, podLabels), `${i.name}: spreads its own pods`);
      const pdb = i.one('policy/v1 PodDisruptionBudget');
      assert.ok(selects(pdb.spec!.selector, podLabels), `${i.name}: PDB selects the pods`);
      const minAvailable = pdb.spec!.minAvailable;
      assert.equal(typeof minAvailable, 'number', `${i.name}: minAvailable as a count`);
      assert.ok((minAvailable as number) >= 1 && (minAvailable as number) < replicas, i.name);
    },
  );

  eachInstall('never rolls out below its replica count unless host ports forbid a surge', i => {
    const spec = i.deployment.spec!;
    const rolling = spec.strategy?.rollingUpdate;
    assert.equal(spec.strategy?.type, 'RollingUpdate');
    if (spec.template.spec!.hostNetwork === true) {
      // A surge pod needs the same host port on another node; with few nodes it would never start.
      assert.equal(rolling?.maxSurge, 0, i.name);
      assert.equal(rolling.maxUnavailable, 1, i.name);
    } else {
      assert.equal(
        rolling?.maxUnavailable,
        0,
        `${i.name}: old pods answer until new ones are Ready`,
      );
      assert.ok(Number(rolling.maxSurge) >= 1, i.name);
    }
  });

  eachInstall('runs non-root, read-only, unprivileged, with no capabilities', i => {
    const pod = i.deployment.spec!.template.spec!;
    const podSc = pod.securityContext ?? {};
    for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
      const sc = c.securityContext ?? {};
      assert.equal(
        sc.runAsNonRoot ?? podSc.runAsNonRoot,
        true,
        `${i.name}: ${c.name} runAsNonRoot`,
      );
      assert.notEqual(sc.runAsUser ?? podSc.runAsUser, 0, `${i.name}: ${c.name} uid 0`);
      assert.equal(sc.readOnlyRootFilesystem, true, `${i.name}: ${c.name} readOnlyRootFilesystem`);
      assert.equal(sc.allowPrivilegeEscalation, false, `${i.name}: ${c.name}`);
      assert.notEqual(sc.privileged, true, `${i.name}: ${c.name}`);
      assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${i.name}: ${c.name} drops ALL`);
      assert.deepEqual(sc.capabilities.add ?? [], [], `${i.name}: ${c.name} adds none`);
      assert.equal((sc.seccompProfile ?? podSc.seccompProfile)?.type, 'RuntimeDefault', i.name);
    }
  });

  eachInstall('meets the Pod Security level its namespace enforces', i => {
    const enforce = (i.namespace.metadata!.labels ?? {})['pod-security.kubernetes.io/enforce'];
    assert.ok(enforce, `${i.name}: the namespace enforces a Pod Security level`);
    const { level, why } = podSecurityLevel(i.deployment.spec!.template.spec! as PodSpecish);
    assert.ok(
      levelAllows(enforce as PodSecurityLevel, level),
      `${i.name}: namespace enforces ${enforce}, the pod is ${level}: ${why.join('; ')}`,
    );
    // And no looser than needed: host networking is the one reason to leave "restricted".
    const needs =
      i.deployment.spec!.template.spec!.hostNetwork === true ? 'privileged' : 'restricted';
    assert.equal(enforce, needs, i.name);
  });

  eachInstall('asks for and is limited in CPU and memory', i => {
    const r = i.container.resources ?? {};
    for (const res of ['cpu', 'memory']) {
      const req = quantityMilli(r.requests?.[res]);
      const lim = quantityMilli(r.limits?.[res]);
      assert.ok(req !== undefined && req > 0, `${i.name}: requests.${res}`);
      assert.ok(lim !== undefined && lim >= req, `${i.name}: limits.${res} ≥ requests.${res}`);
    }
  });

  eachInstall('sizes the V8 heap to half its memory limit, whatever memory the node has', i => {
    const limitBytes = (quantityMilli(i.container.resources?.limits?.memory) ?? 0) / 1000;
    const flag = /(?:^|\s)--max-old-space-size=(\d+)(?:\s|$)/.exec(i.env().NODE_OPTIONS ?? '');
    assert.ok(flag, `${i.name}: NODE_OPTIONS sets --max-old-space-size`);
    const heapBytes = Number(flag[1]) * 2 ** 20;
    assert.ok(
      heapBytes <= limitBytes / 2 && heapBytes >= limitBytes / 4,
      `${i.name}: a ${flag[1]} MiB heap for a ${limitBytes / 2 ** 20} MiB limit`,
    );
  });

  eachInstall("keeps the runtime settings that hold the live state's memory down", i => {
    // About 30 MiB each of the live state's resident memory (bench/live-memory.ts): see the Deployment.
    const env = i.env();
    assert.match(
      env.NODE_OPTIONS ?? '',
      /(?:^|\s)--v8-pool-size=1(?:\s|$)/,
      `${i.name}: NODE_OPTIONS`,
    );
    assert.equal(env.MALLOC_ARENA_MAX, '2', `${i.name}: MALLOC_ARENA_MAX`);
    assert.equal(env.MALLOC_MMAP_THRESHOLD_, '131072', `${i.name}: MALLOC_MMAP_THRESHOLD_`);
  });

  eachInstall('is probed over HTTPS: ready on /readyz, alive on /healthz', i => {
    const c = i.container;
    const { port } = loadConfig(i.env());
    const probes = {
      readiness: c.readinessProbe,
      liveness: c.livenessProbe,
      startup: c.startupProbe,
    };
    assert.equal(probes.readiness?.httpGet?.path, '/readyz', i.name);
    assert.equal(probes.liveness?.httpGet?.path, '/healthz', i.name);
    for (const [kind, p] of Object.entries(probes)) {
      if (!p) continue;
      assert.equal(p.httpGet?.scheme, 'HTTPS', `${i.name}: ${kind} probe scheme`);
      assert.equal(i.port(p.httpGet.port), port, `${i.name}: ${kind} probe port → IPGUARD_PORT`);
      // Readiness waits for EC2 and the cluster; restarting on it would turn an EC2 outage into
      // a crash loop.
      if (kind !== 'readiness') assert.notEqual(p.httpGet.path, '/readyz', `${i.name}: ${kind}`);
    }
  });

  eachInstall('is configured with values the server accepts', i => {
    const config = loadConfig(i.env());
    assert.equal(i.port('https'), config.port, `${i.name}: containerPort https = IPGUARD_PORT`);
    assert.ok(config.tlsCertFile && config.tlsKeyFile, `${i.name}: HTTPS needs a certificate`);
  });

  eachInstall('has a priority above ordinary workloads', i => {
    const name = i.deployment.spec!.template.spec!.priorityClassName;
    assert.ok(name, i.name);
    const own = i.all('scheduling.k8s.io/v1 PriorityClass');
    assert.ok(
      ['system-cluster-critical', 'system-node-critical'].includes(name) ||
        own.some(p => p.metadata?.name === name && p.value >= 1_000_000),
      `${i.name}: ${name}`,
    );
  });

  eachInstall(
    'on the host network, holds a free host port per node and resolves cluster names',
    i => {
      const pod = i.deployment.spec!.template.spec!;
      if (pod.hostNetwork !== true) {
        assert.ok(i.name !== 'host-network', 'the host-network overlay sets hostNetwork');
        for (const p of i.container.ports ?? []) assert.equal(p.hostPort, undefined, i.name);
        return;
      }
      assert.equal(pod.dnsPolicy, 'ClusterFirstWithHostNet', i.name);
      for (const p of i.container.ports ?? []) {
        assert.equal(p.hostPort, p.containerPort, `${i.name}: hostPort = containerPort`);
        assert.ok(
          !NODE_PORTS_IN_USE.has(p.containerPort),
          `${i.name}: ${p.containerPort} is taken`,
        );
        // Below the NodePort range (30000-32767) and the ephemeral range (32768+).
        assert.ok(
          p.containerPort > 1024 && p.containerPort < 30000,
          `${i.name}: ${p.containerPort}`,
        );
      }
    },
  );
});

describe('RBAC', () => {
  eachInstall('grants only get/list/watch, on exactly what the informers read', i => {
    const roles = i.all('rbac.authorization.k8s.io/v1 ClusterRole');
    assert.equal(roles.length, 1, i.name);
    const granted = new Set<string>();
    for (const rule of roles[0]!.rules ?? []) {
      for (const verb of rule.verbs) assert.ok(READ_VERBS.has(verb), `${i.name}: verb ${verb}`);
      assert.deepEqual([...rule.verbs].sort(), ['get', 'list', 'watch'], i.name);
      assert.equal(rule.nonResourceURLs, undefined, i.name);
      for (const g of rule.apiGroups ?? []) {
        for (const r of rule.resources ?? []) {
          assert.ok(g !== '*' && r !== '*' && !r.includes('/'), `${i.name}: ${g}/${r}`);
          granted.add(`${g}/${r}`);
        }
      }
    }
    assert.deepEqual([...granted].sort(), [...INFORMER_RESOURCES].sort(), i.name);
  });

  eachInstall(
    'writes only its ledger: one ConfigMap by name in its own namespace, create apart',
    i => {
      const ns = i.namespace.metadata!.name!;
      const roles = i.all('rbac.authorization.k8s.io/v1 Role');
      assert.equal(roles.length, 1, i.name);
      const role = roles[0]!;
      assert.equal(role.metadata!.namespace, ns);
      const rules = (role.rules ?? []).map(r => ({
        apiGroups: r.apiGroups,
        resources: r.resources,
        resourceNames: r.resourceNames,
        verbs: [...r.verbs].sort(),
      }));
      assert.deepEqual(rules, [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: [DEFAULT_LEDGER_NAME],
          verbs: ['get', 'list', 'update', 'watch'],
        },
        // The API server cannot authorize create by name: a rule of its own, in this namespace only.
        { apiGroups: [''], resources: ['configmaps'], resourceNames: undefined, verbs: ['create'] },
      ]);
      const binding = i.one('rbac.authorization.k8s.io/v1 RoleBinding');
      assert.equal(binding.metadata!.namespace, ns);
      assert.deepEqual(binding.roleRef, {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: role.metadata!.name,
      });
      const saName = i.deployment.spec!.template.spec!.serviceAccountName;
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: saName, namespace: ns }]);
      // The ledger ships empty, with no data for a re-apply to reset.
      const ledger = i.all('v1 ConfigMap').find(c => c.metadata!.name === DEFAULT_LEDGER_NAME);
      assert.ok(ledger, `${i.name}: the ledger ConfigMap`);
      assert.equal(ledger.metadata!.namespace, ns);
      assert.equal(ledger.data, undefined);
      // Each replica finds it in its own namespace, and names itself in what it writes.
      const env = new Map(
        (i.container.env ?? []).map(e => [e.name, e.valueFrom?.fieldRef?.fieldPath]),
      );
      assert.equal(env.get('POD_NAMESPACE'), 'metadata.namespace', i.name);
      assert.equal(env.get('POD_NAME'), 'metadata.name', i.name);
      assert.equal(i.env().IPGUARD_LEDGER, undefined, 'auto: the shared ledger in a pod');
    },
  );

  eachInstall('binds the role to the ServiceAccount the pods run as', i => {
    const d = i.deployment;
    const saName = d.spec!.template.spec!.serviceAccountName;
    const ns = d.metadata!.namespace;
    const sa = i.all('v1 ServiceAccount').find(s => s.metadata!.name === saName);
    assert.ok(sa, `${i.name}: ServiceAccount ${String(saName)}`);
    assert.ok(
      sa.metadata!.annotations?.['eks.amazonaws.com/role-arn']?.startsWith('arn:aws:iam::'),
      `${i.name}: IRSA role annotation`,
    );
    const role = i.one('rbac.authorization.k8s.io/v1 ClusterRole');
    const binding = i.one('rbac.authorization.k8s.io/v1 ClusterRoleBinding');
    assert.equal(binding.roleRef.kind, 'ClusterRole');
    assert.equal(binding.roleRef.name, role.metadata!.name);
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: saName, namespace: ns }]);
  });
});

describe('overlays/network-policy', () => {
  test('admits only the control plane CIDR to the webhook port, and serves /metrics on its own', () => {
    const i = installs.get('network-policy');
    assert.ok(i, 'the overlay renders');
    const policy = i.objects.find(o => o.kind === 'NetworkPolicy') as INetworkPolicy | undefined;
    assert.ok(policy?.spec);
    assert.equal(policy.metadata?.namespace, i.namespace.metadata?.name);
    assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
    assert.ok(
      selects(policy.spec.podSelector, i.deployment.spec!.template.metadata!.labels ?? {}),
      'selects the ipguard pods',
    );
    const env = i.env();
    const webhookPort = Number(env.IPGUARD_PORT);
    const metricsPort = Number(env.IPGUARD_METRICS_PORT);
    assert.equal(i.port('https'), webhookPort);
    assert.equal(i.port('metrics'), metricsPort);
    assert.equal(loadConfig(env).metricsPort, metricsPort);
    const rules = policy.spec.ingress ?? [];
    const to = (port: number): typeof rules =>
      rules.filter(r => (r.ports ?? []).some(p => p.port === port));
    // The webhook's port: an ipBlock only (no pod or namespace selector lets pods in).
    assert.equal(to(webhookPort).length, 1);
    for (const peer of to(webhookPort)[0]?.from ?? []) {
      assert.ok(peer.ipBlock, 'only addresses, no selectors, reach the webhook');
      assert.equal(peer.namespaceSelector, undefined);
      assert.equal(peer.podSelector, undefined);
    }
    assert.equal(to(metricsPort).length, 1);
    // Nothing else is open: each rule names its ports.
    assert.ok(rules.every(r => (r.ports ?? []).length > 0));
    // The probes still reach the webhook's port: they come from the node, which policies allow.
    const probe = i.container.readinessProbe?.httpGet?.port;
    assert.equal(i.port(probe ?? ''), webhookPort);
  });

  test('as shipped, holds a placeholder the apiserver refuses, never a CIDR that may be wrong', () => {
    const i = installs.get('network-policy');
    assert.ok(i);
    const cidrs = webhookCidrs(i);
    assert.ok(cidrs.length > 0);
    for (const c of cidrs)
      assert.ok(!isCidr(c), `${c} would be applied: a guess locks the control plane out`);
  });

  test('with the CIDRs docs/security.md shows in control-plane-cidrs.yaml, admits exactly those', t => {
    const doc = readFileSync(join(REPO, 'docs', 'security.md'), 'utf8');
    const block = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map(m => m[1] ?? '')
      .find(b => b.includes('/spec/ingress/0/from'));
    assert.ok(block, 'docs/security.md shows the patch');
    const shipped = readYamlDocuments(
      join(REPO, 'manifests', 'overlays', 'network-policy', 'control-plane-cidrs.yaml'),
    )[0] as { op: string; path: string }[];
    const documented = parseAllDocuments(block)[0]?.toJS() as { op: string; path: string }[];
    // The same operations as the shipped file: only the values differ.
    assert.deepEqual(
      documented.map(o => `${o.op} ${o.path}`),
      shipped.map(o => `${o.op} ${o.path}`),
    );
    const overlay = join(tmp, 'set-cidrs', 'manifests');
    cpSync(workManifests, overlay, { recursive: true });
    cpSync(join(tmp, 'certs'), join(tmp, 'set-cidrs', 'certs'), { recursive: true });
    writeFileSync(join(overlay, 'overlays', 'network-policy', 'control-plane-cidrs.yaml'), block);
    const dir = join(overlay, 'overlays', 'network-policy');
    const install = new Install('network-policy (CIDRs set)', build(dir));
    const expected = ['10.0.0.0/19', '10.0.32.0/19'];
    assert.deepEqual(webhookCidrs(install), expected);
    for (const c of expected) assert.ok(isCidr(c));
    const probe = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) {
      t.diagnostic('kubectl is not installed: rendered by test/helpers/kustomize.ts only');
      return;
    }
    const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    const theirs = parseAllDocuments(out)
      .map(d => d.toJS() as K8sObject)
      .find(o => o.kind === 'NetworkPolicy');
    assert.deepEqual(
      theirs,
      install.objects.find(o => o.kind === 'NetworkPolicy'),
    );
  });
});

/** The sources the NetworkPolicy admits to the webhook's port. */
function webhookCidrs(i: Install): string[] {
  const policy = i.objects.find(o => o.kind === 'NetworkPolicy') as INetworkPolicy | undefined;
  const port = Number(i.env().IPGUARD_PORT);
  const rule = (policy?.spec?.ingress ?? []).find(r => (r.ports ?? []).some(p => p.port === port));
  return (rule?.from ?? []).map(f => f.ipBlock?.cidr ?? '');
}

/** What the apiserver accepts as an ipBlock CIDR (networking validation: an IPv4 or IPv6 CIDR). */
function isCidr(text: string): boolean {
  const [address, bits, ...rest] = text.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || rest.length > 0 || !/^\d{1,3}$/.test(bits ?? '')) return false;
  return Number(bits) <= (version === 4 ? 32 : 128);
}
