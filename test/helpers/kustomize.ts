import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The subset of kustomize that manifests/ uses — resources, components and JSON 6902 patches with a
 * target — so the overlays can be rendered and checked without a kustomize binary. Anything else in
 * a kustomization is an error here: a new feature in manifests/ must be taught to this helper (and
 * is cross-checked against `kubectl kustomize` where kubectl exists).
 */

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

interface PatchEntry {
  path?: string;
  patch?: string;
  target?: Target;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  components?: string[];
  patches?: PatchEntry[];
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'components', 'patches']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every YAML document of a file, empty ones dropped; a YAML error throws with the file name. */
export function readYamlDocuments(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map(String).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

export function kustomizationFile(dir: string): string {
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  throw new Error(`${dir}: no kustomization.yaml`);
}

export function readKustomization(dir: string): Kustomization {
  const file = kustomizationFile(dir);
  const [doc] = readYamlDocuments(file);
  if (!isRecord(doc)) throw new Error(`${file}: not a mapping`);
  for (const key of Object.keys(doc)) {
    if (!KNOWN_FIELDS.has(key)) throw new Error(`${file}: ${key}: not supported by this helper`);
  }
  return doc;
}

function asObject(value: unknown, where: string): K8sObject {
  if (
    !isRecord(value) ||
    typeof value.apiVersion !== 'string' ||
    typeof value.kind !== 'string' ||
    !isRecord(value.metadata) ||
    typeof value.metadata.name !== 'string'
  ) {
    throw new Error(`${where}: not a Kubernetes object with apiVersion, kind and metadata.name`);
  }
  return value as K8sObject;
}

export function groupVersion(obj: K8sObject): { group: string; version: string } {
  const parts = obj.apiVersion.split('/');
  return parts.length === 2
    ? { group: parts[0]!, version: parts[1]! }
    : { group: '', version: parts[0]! };
}

function matches(obj: K8sObject, t: Target): boolean {
  const { group, version } = groupVersion(obj);
  return (
    (t.group === undefined || t.group === group) &&
    (t.version === undefined || t.version === version) &&
    (t.kind === undefined || t.kind === obj.kind) &&
    (t.name === undefined || t.name === obj.metadata.name) &&
    (t.namespace === undefined || t.namespace === obj.metadata.namespace)
  );
}

/** RFC 6901 pointer into its tokens. */
function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer ${pointer}: must start with /`);
  return pointer
    .slice(1)
    .split('/')
    .map(t => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

interface Op {
  op: string;
  path: string;
  value?: unknown;
}

/** RFC 6902 add, replace, remove and test, the operations the overlays use. */
export function applyJsonPatch(doc: unknown, ops: readonly Op[], where: string): unknown {
  const root: unknown = structuredClone(doc);
  for (const [i, o] of ops.entries()) {
    const at = `${where}: operation ${i + 1} (${o.op} ${o.path})`;
    const path = tokens(o.path);
    const last = path.pop();
    if (last === undefined) throw new Error(`${at}: the whole document cannot be patched here`);
    let parent: unknown = root;
    for (const t of path) {
      const next: unknown = Array.isArray(parent)
        ? parent[Number(t)]
        : isRecord(parent)
          ? parent[t]
          : undefined;
      if (next === undefined) throw new Error(`${at}: ${t} does not exist`);
      parent = next;
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length)
        throw new Error(`${at}: bad array index ${last}`);
      const exists = index < parent.length;
      switch (o.op) {
        case 'add':
          parent.splice(index, 0, structuredClone(o.value));
          break;
        case 'replace':
          if (!exists) throw new Error(`${at}: nothing to replace`);
          parent[index] = structuredClone(o.value);
          break;
        case 'remove':
          if (!exists) throw new Error(`${at}: nothing to remove`);
          parent.splice(index, 1);
          break;
        case 'test':
          if (JSON.stringify(parent[index]) !== JSON.stringify(o.value))
            throw new Error(`${at}: test failed`);
          break;
        default:
          throw new Error(`${at}: operation not supported by this helper`);
      }
    } else if (isRecord(parent)) {
      const exists = Object.hasOwn(parent, last);
      switch (o.op) {
        case 'add':
          parent[last] = structuredClone(o.value);
          break;
        case 'replace':
          if (!exists) throw new Error(`${at}: nothing to replace`);
          parent[last] = structuredClone(o.value);
          break;
        case 'remove':
          if (!exists) throw new Error(`${at}: nothing to remove`);
          Reflect.deleteProperty(parent, last);
          break;
        case 'test':
          if (JSON.stringify(parent[last]) !== JSON.stringify(o.value))
            throw new Error(`${at}: test failed`);
          break;
        default:
          throw new Error(`${at}: operation not supported by this helper`);
      }
    } else {
      throw new Error(`${at}: parent is not a container`);
    }
  }
  return root;
}

function applyPatches(objects: K8sObject[], dir: string, patches: readonly PatchEntry[]): void {
  for (const [i, p] of patches.entries()) {
    const where = `${dir}: patches[${i}]`;
    if (!p.target) throw new Error(`${where}: only targeted JSON 6902 patches are supported`);
    const text =
      p.path !== undefined ? readFileSync(resolve(dir, p.path), 'utf8') : (p.patch ?? '');
    const docs = parseAllDocuments(text).map(d => d.toJS() as unknown);
    const ops = docs[0];
    if (docs.length !== 1 || !Array.isArray(ops))
      throw new Error(`${where}: expected a JSON 6902 list of operations`);
    let hits = 0;
    for (const [j, obj] of objects.entries()) {
      if (!matches(obj, p.target)) continue;
      hits++;
      objects[j] = asObject(applyJsonPatch(obj, ops as Op[], where), where);
    }
    if (hits === 0) throw new Error(`${where}: target ${JSON.stringify(p.target)} matches nothing`);
  }
}

function addComponent(objects: K8sObject[], dir: string): void {
  const k = readKustomization(dir);
  if (k.kind !== 'Component') throw new Error(`${dir}: components must be of kind Component`);
  objects.push(...collectResources(dir, k.resources ?? []));
  for (const c of k.components ?? []) addComponent(objects, resolve(dir, c));
  applyPatches(objects, dir, k.patches ?? []);
}

function collectResources(dir: string, entries: readonly string[]): K8sObject[] {
  const out: K8sObject[] = [];
  for (const entry of entries) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${dir}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      out.push(...build(path));
    } else {
      readYamlDocuments(path).forEach((doc, i) => out.push(asObject(doc, `${path}[${i}]`)));
    }
  }
  return out;
}

/** The objects `kubectl kustomize DIR` would print (in file order, not kustomize's sort order). */
export function build(dir: string): K8sObject[] {
  const k = readKustomization(dir);
  if (k.kind === 'Component') throw new Error(`${dir}: a Component cannot be built on its own`);
  const objects = collectResources(dir, k.resources ?? []);
  for (const c of k.components ?? []) addComponent(objects, resolve(dir, c));
  applyPatches(objects, dir, k.patches ?? []);
  const seen = new Set<string>();
  for (const o of objects) {
    const id = objectId(o);
    if (seen.has(id)) throw new Error(`${dir}: ${id} appears twice`);
    seen.add(id);
  }
  return objects;
}

export function objectId(o: K8sObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
