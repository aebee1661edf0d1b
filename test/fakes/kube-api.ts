import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { RESOURCES, collectionPath, type KubeResource } from '../../src/kube/resources.js';

/**
 * A Kubernetes API server on 127.0.0.1 that speaks the wire protocol the real clients use: JSON lists
 * with `limit`/`continue` pages and a shared resourceVersion, chunked watch streams of
 * newline-delimited `{"type","object"}` events with bookmarks, 410 Gone for expired continue tokens and
 * compacted resourceVersions (as HTTP 410 or as an in-stream ERROR event), and 404 for CRDs that are not
 * installed. Faults are switched on by tests: dropped watches, failing requests, slow lists.
 *
 * ConfigMaps in a namespace are real objects too (ipguard's reservation ledger): get, list and watch with a
 * `metadata.name` field selector, create (409 AlreadyExists), and update with resourceVersion
 * compare-and-swap (409 Conflict on a stale write), each write an event on the watches. `contend()`
 * puts another writer in front of every update, `forbid()` refuses verbs as RBAC would.
 *
 * Large clusters are generated, not stored: `generate(resource, count, make)` makes items on demand for
 * each page, so a 150,000-pod list costs the fake a page of objects at a time.
 */

export type KubeObject = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly auth?: string;
}

interface Fault {
  readonly verb: 'list' | 'watch';
  readonly status: number;
  times: number;
}

interface Generated {
  readonly count: number;
  readonly make: (i: number) => KubeObject;
}

interface Watcher {
  readonly res: http.ServerResponse;
  readonly timer: NodeJS.Timeout | undefined;
}

interface ConfigMapWatcher {
  readonly res: http.ServerResponse;
  readonly namespace: string;
  readonly name: string | undefined;
  readonly timer: NodeJS.Timeout | undefined;
}

const CONFIG_MAPS = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps(?:\/([^/]+))?$/;

interface Collection {
  readonly resource: KubeResource;
  installed: boolean;
  generated: Generated | undefined;
  /** Explicit objects, and generated ones since changed. */
  readonly objects: Map<string, KubeObject>;
  /** Generated objects since deleted. */
  readonly deleted: Set<string>;
  readonly events: { rv: number; type: string; object: KubeObject }[];
  readonly watchers: Set<Watcher>;
  readonly faults: Fault[];
}

export interface FakeKubeOptions {
  /** How a watch from a compacted resourceVersion is refused: an ERROR event (what a real API server usually does) or HTTP 410. */
  readonly goneAs?: 'event' | 'http';
  /** Events kept per resource for watches to replay; older ones are compacted away. */
  readonly eventLogSize?: number;
}

function keyOf(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns === undefined || ns === '' ? obj.metadata.name : `${ns}/${obj.metadata.name}`;
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
}

const REASONS: Readonly<Record<number, string>> = {
  403: 'Forbidden',
  409: 'Conflict',
  404: 'NotFound',
  410: 'Expired',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

export class FakeKubeApi {
  readonly url: string;
  /** The last requests (bounded), for assertions. */
  readonly requests: RequestRecord[] = [];
  /** Requests per verb, unbounded counters. */
  readonly counts = { list: 0, watch: 0 };

  readonly #server: http.Server;
  readonly #collections = new Map<string, Collection>();
  readonly #options: Required<FakeKubeOptions>;
  #rv = 1000;
  #compactedRv = 0;
  #continueEpoch = 0;
  #listDelayMs = 0;
  #hang = false;
  #hangWatches = false;
  #ignoreWatchTimeout = false;
  readonly #configMaps = new Map<string, KubeObject>();
  readonly #configMapEvents: { rv: number; type: string; object: KubeObject }[] = [];
  readonly #configMapWatchers = new Set<ConfigMapWatcher>();
  readonly #forbidden = new Set<string>();
  #contend = false;
  #writeFaults: { status: number; times: number }[] = [];
  #writeDelayMs = 0;
  /** ConfigMap writes: updates and creates that succeeded, and those refused with 409. */
  readonly writes = { put: 0, post: 0, conflicts: 0 };

  private constructor(server: http.Server, url: string, options: FakeKubeOptions) {
    this.#server = server;
    this.url = url;
    this.#options = { goneAs: 'event', eventLogSize: 10_000, ...options };
    for (const r of RESOURCES) {
      this.#collections.set(collectionPath(r), {
        resource: r,
        installed: !r.optional,
        generated: undefined,
        objects: new Map(),
        deleted: new Set(),
        events: [],
        watchers: new Set(),
        faults: [],
      });
    }
  }

  static async start(options: FakeKubeOptions = {}): Promise<FakeKubeApi> {
    const holder: { fake?: FakeKubeApi } = {};
    const server = http.createServer((req, res) => {
      holder.fake?.handle(req, res);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.fake = new FakeKubeApi(server, `http://127.0.0.1:${port}`, options);
    return holder.fake;
  }

  /** A KubeConfig for the real client, pointing here (plain HTTP needs skipTLSVerify; a user entry is required). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'tester', token: 'fake-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
      currentContext: 'fake',
    });
    return kc;
  }

  /** kubeconfig YAML text for this server, for KUBECONFIG files. */
  kubeConfigYaml(): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
      'users:',
      '- name: tester\n  user:\n    token: fake-token',
      'contexts:',
      '- name: fake\n  context:\n    cluster: fake\n    user: tester',
      'current-context: fake',
      '',
    ].join('\n');
  }

  async close(): Promise<void> {
    for (const w of this.#configMapWatchers) {
      if (w.timer) clearTimeout(w.timer);
      w.res.destroy();
    }
    this.#configMapWatchers.clear();
    for (const c of this.#collections.values()) {
      for (const w of c.watchers) {
        if (w.timer) clearTimeout(w.timer);
        w.res.destroy();
      }
      c.watchers.clear();
    }
    this.#server.closeAllConnections();
    await new Promise<void>(resolve => {
      this.#server.close(() => {
        resolve();
      });
    });
  }

  // ---- state -------------------------------------------------------------------------------

  get resourceVersion(): string {
    return String(this.#rv);
  }

  #collectionFor(obj: KubeObject): Collection {
    const kind = obj.kind;
    const apiVersion = obj.apiVersion;
    for (const c of this.#collections.values()) {
      if (c.resource.kind === kind && c.resource.apiVersion === apiVersion) return c;
    }
    throw new Error(`fake kube: no resource for ${String(apiVersion)} ${String(kind)}`);
  }

  #collection(resource: KubeResource | string): Collection {
    const path = typeof resource === 'string' ? resource : collectionPath(resource);
    const c = this.#collections.get(path);
    if (!c) throw new Error(`fake kube: unknown collection ${path}`);
    return c;
  }

  #stamp(obj: KubeObject): KubeObject {
    this.#rv += 1;
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.#rv) } };
  }

  /** Objects as `kubectl get -o json` prints them (kind and apiVersion on each), without events. */
  load(objects: readonly KubeObject[]): void {
    for (const obj of objects) {
      const c = this.#collectionFor(obj);
      c.installed = true;
      c.objects.set(keyOf(obj), this.#stamp(obj));
    }
  }

  /** `count` objects made on demand by `make(i)` (kind and apiVersion included), without events. */
  generate(resource: KubeResource, count: number, make: (i: number) => KubeObject): void {
    const c = this.#collection(resource);
    c.installed = true;
    c.generated = { count, make };
  }

  #emit(c: Collection, type: string, object: KubeObject): void {
    c.events.push({ rv: this.#rv, type, object });
    if (c.events.length > this.#options.eventLogSize) {
      const dropped = c.events.shift();
      if (dropped) this.#compactedRv = Math.max(this.#compactedRv, dropped.rv);
    }
    const line = `${JSON.stringify({ type, object })}\n`;
    for (const w of c.watchers) w.res.write(line);
  }

  add(obj: KubeObject): void {
    const c = this.#collectionFor(obj);
    const stamped = this.#stamp(obj);
    c.objects.set(keyOf(obj), stamped);
    c.deleted.delete(keyOf(obj));
    this.#emit(c, 'ADDED', stamped);
  }

  update(obj: KubeObject): void {
    const c = this.#collectionFor(obj);
    const stamped = this.#stamp(obj);
    c.objects.set(keyOf(obj), stamped);
    this.#emit(c, 'MODIFIED', stamped);
  }

  remove(obj: KubeObject): void {
    const c = this.#collectionFor(obj);
    const key = keyOf(obj);
    c.objects.delete(key);
    if (c.generated) c.deleted.add(key);
    this.#emit(c, 'DELETED', this.#stamp(obj));
  }

  /** Write text as it is on every watch of a resource: half an event, several at once. */
  sendText(resource: KubeResource, text: string): void {
    for (const w of this.#collection(resource).watchers) w.res.write(text);
  }

  /** Send a raw line on every watch of a resource (malformed objects, odd events). */
  sendRaw(resource: KubeResource, event: unknown): void {
    const line = `${JSON.stringify(event)}\n`;
    for (const w of this.#collection(resource).watchers) w.res.write(line);
  }

  /** A BOOKMARK at the current resourceVersion on every watch of a resource. */
  bookmark(resource: KubeResource): void {
    const c = this.#collection(resource);
    const object = {
      kind: c.resource.kind,
      apiVersion: c.resource.apiVersion,
      metadata: { resourceVersion: String(this.#rv) },
    };
    for (const w of c.watchers) w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
  }

  // ---- faults ------------------------------------------------------------------------------

  setInstalled(resource: KubeResource, installed: boolean): void {
    const c = this.#collection(resource);
    c.installed = installed;
    if (!installed) this.dropWatches(resource, 'end');
  }

  /** The next `times` list or watch requests for a resource answer `statusCode`. */
  failNext(resource: KubeResource, verb: 'list' | 'watch', statusCode: number, times = 1): void {
    this.#collection(resource).faults.push({ verb, status: statusCode, times });
  }

  /** End open watches: `end` closes the stream cleanly, `destroy` breaks the connection. */
  dropWatches(resource?: KubeResource, how: 'end' | 'destroy' = 'end'): number {
    let n = 0;
    const cs = resource ? [this.#collection(resource)] : [...this.#collections.values()];
    for (const c of cs) {
      for (const w of c.watchers) {
        if (w.timer) clearTimeout(w.timer);
        if (how === 'end') w.res.end();
        else w.res.destroy();
        n += 1;
      }
      c.watchers.clear();
    }
    return n;
  }

  /** Forget every event so far: a watch from any earlier resourceVersion gets 410 Gone. */
  compact(): void {
    this.#compactedRv = this.#rv;
    for (const c of this.#collections.values()) c.events.length = 0;
  }

  /** Continue tokens handed out so far stop working (HTTP 410, as after etcd compaction). */
  expireContinueTokens(): void {
    this.#continueEpoch += 1;
  }

  /** Delay every list answer (a slow API server). */
  set listDelayMs(ms: number) {
    this.#listDelayMs = ms;
  }

  /** Keep watches open past timeoutSeconds, silent: a connection that died without a FIN looks like this. */
  set ignoreWatchTimeout(on: boolean) {
    this.#ignoreWatchTimeout = on;
  }

  /** Accept requests and never answer (an API server that is reachable but stuck). */
  set hang(on: boolean) {
    this.#hang = on;
  }

  /**
   * Accept watch requests and never send the response headers (lists still answer): a stuck API server
   * or proxy, as a watch client sees it before anything arrives.
   */
  set hangWatches(on: boolean) {
    this.#hangWatches = on;
  }

  /** End the open ConfigMap watches (`destroy` breaks the connections). */
  dropConfigMapWatches(how: 'end' | 'destroy' = 'end'): number {
    let n = 0;
    for (const w of this.#configMapWatchers) {
      if (w.timer) clearTimeout(w.timer);
      if (how === 'end') w.res.end();
      else w.res.destroy();
      n += 1;
    }
    this.#configMapWatchers.clear();
    return n;
  }

  watchers(resource: KubeResource): number {
    return this.#collection(resource).watchers.size;
  }

  // ---- ConfigMaps: real objects with compare-and-swap ---------------------------------------

  /** The ConfigMap as stored, or undefined. */
  configMap(namespace: string, name: string): KubeObject | undefined {
    return this.#configMaps.get(`${namespace}/${name}`);
  }

  /** Store a ConfigMap as a client's create would (an event on the watches). */
  putConfigMap(obj: KubeObject): KubeObject {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const type = this.#configMaps.has(key) ? 'MODIFIED' : 'ADDED';
    const stamped = this.#stamp({ ...obj, apiVersion: 'v1', kind: 'ConfigMap' });
    this.#configMaps.set(key, stamped);
    this.#configMapEvent(type, stamped);
    return stamped;
  }

  deleteConfigMap(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const obj = this.#configMaps.get(key);
    if (!obj) return;
    this.#configMaps.delete(key);
    this.#configMapEvent('DELETED', this.#stamp(obj));
  }

  /**
   * Another writer updates a ConfigMap just before each update request is applied, so every client
   * write carries a stale resourceVersion and gets 409, as under contention that never lets up.
   */
  contend(on: boolean): void {
    this.#contend = on;
  }

  /** Refuse these verbs on ConfigMaps (get, list, watch, create, update) with 403, as RBAC does. */
  forbid(...verbs: string[]): void {
    for (const v of verbs) this.#forbidden.add(v);
  }

  allow(...verbs: string[]): void {
    for (const v of verbs) this.#forbidden.delete(v);
  }

  /** The next `times` ConfigMap writes answer `statusCode`. */
  failWrites(statusCode: number, times = 1): void {
    this.#writeFaults.push({ status: statusCode, times });
  }

  /** Delay every ConfigMap write (a busy etcd). */
  set writeDelayMs(ms: number) {
    this.#writeDelayMs = ms;
  }

  configMapWatchers(): number {
    return this.#configMapWatchers.size;
  }

  #configMapEvent(type: string, object: KubeObject): void {
    this.#configMapEvents.push({ rv: this.#rv, type, object });
    if (this.#configMapEvents.length > this.#options.eventLogSize) {
      const dropped = this.#configMapEvents.shift();
      if (dropped) this.#compactedRv = Math.max(this.#compactedRv, dropped.rv);
    }
    const line = `${JSON.stringify({ type, object })}\n`;
    for (const w of this.#configMapWatchers) {
      if (w.namespace !== object.metadata.namespace) continue;
      if (w.name !== undefined && w.name !== object.metadata.name) continue;
      w.res.write(line);
    }
  }

  #configMapRequest(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    namespace: string,
    name: string | undefined,
    query: Readonly<Record<string, string>>,
    json: (code: number, body: unknown) => void,
  ): void {
    const method = req.method ?? 'GET';
    const watch = query.watch === 'true' || query.watch === '1';
    // As the API server's request info: a list or watch names its object by an exact field selector.
    const selected = /^metadata\.name=(.+)$/.exec(query.fieldSelector ?? '')?.[1];
    const verb =
      method === 'POST'
        ? 'create'
        : method === 'PUT'
          ? 'update'
          : method === 'DELETE'
            ? 'delete'
            : name !== undefined
              ? 'get'
              : watch
                ? 'watch'
                : 'list';
    if (this.#forbidden.has(verb)) {
      const what = name ?? selected;
      json(
        403,
        status(
          403,
          'Forbidden',
          `configmaps${what === undefined ? '' : ` "${what}"`} is forbidden: User "system:serviceaccount:ipguard:ipguard" cannot ${verb} resource "configmaps" in API group "" in the namespace "${namespace}"`,
        ),
      );
      return;
    }
    const key = (n: string): string => `${namespace}/${n}`;
    const notFound = (n: string): void => {
      json(404, status(404, 'NotFound', `configmaps "${n}" not found`));
    };
    if (verb === 'get') {
      const obj = this.#configMaps.get(key(name!));
      if (obj) json(200, obj);
      else notFound(name!);
      return;
    }
    if (verb === 'list') {
      const items = [...this.#configMaps.values()].filter(
        o =>
          o.metadata.namespace === namespace &&
          (selected === undefined || o.metadata.name === selected),
      );
      json(200, {
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.#rv) },
        items: items.map(o => {
          const item: Record<string, unknown> = { ...o };
          delete item.kind;
          delete item.apiVersion;
          return item;
        }),
      });
      return;
    }
    if (verb === 'watch') {
      this.counts.watch += 1;
      this.#configMapWatch(res, namespace, selected, query);
      return;
    }
    if (verb === 'delete') {
      if (!this.#configMaps.has(key(name!))) notFound(name!);
      else {
        const obj = this.#configMaps.get(key(name!))!;
        this.deleteConfigMap(namespace, name!);
        json(200, obj);
      }
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const apply = (): void => {
        let body: KubeObject;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as KubeObject;
        } catch {
          json(400, status(400, 'BadRequest', 'the body is not JSON'));
          return;
        }
        const fault = this.#writeFaults[0];
        if (fault) {
          fault.times -= 1;
          if (fault.times <= 0) this.#writeFaults.shift();
          json(
            fault.status,
            status(
              fault.status,
              REASONS[fault.status] ?? 'InternalError',
              `injected ${fault.status}`,
            ),
          );
          return;
        }
        this.#configMapWrite(verb, namespace, name, body, json);
      };
      if (this.#writeDelayMs > 0) setTimeout(apply, this.#writeDelayMs);
      else apply();
    });
  }

  #configMapWrite(
    verb: string,
    namespace: string,
    name: string | undefined,
    body: KubeObject,
    json: (code: number, body: unknown) => void,
  ): void {
    const objName = body.metadata?.name;
    if (typeof objName !== 'string' || objName === '') {
      json(422, status(422, 'Invalid', 'metadata.name: Required value'));
      return;
    }
    if (
      (body.metadata.namespace ?? namespace) !== namespace ||
      (name !== undefined && name !== objName)
    ) {
      json(
        400,
        status(
          400,
          'BadRequest',
          'the namespace or name of the provided object does not match the request',
        ),
      );
      return;
    }
    const size = Object.values((body.data ?? {}) as Record<string, string>).reduce(
      (n, v) => n + v.length,
      0,
    );
    if (size > 1024 * 1024) {
      json(
        422,
        status(
          422,
          'Invalid',
          `ConfigMap "${objName}" is invalid: []: Too long: must have at most 1048576 bytes`,
        ),
      );
      return;
    }
    const k = `${namespace}/${objName}`;
    const current = this.#configMaps.get(k);
    if (verb === 'create') {
      if (current) {
        this.writes.conflicts += 1;
        json(409, status(409, 'AlreadyExists', `configmaps "${objName}" already exists`));
        return;
      }
      const meta = { ...body.metadata };
      delete meta.resourceVersion;
      this.writes.post += 1;
      json(201, this.putConfigMap({ ...body, metadata: { ...meta, name: objName, namespace } }));
      return;
    }
    if (!current) {
      json(404, status(404, 'NotFound', `configmaps "${objName}" not found`));
      return;
    }
    if (this.#contend) {
      // Another writer got in first.
      this.putConfigMap({
        ...current,
        metadata: {
          ...current.metadata,
          annotations: {
            ...(current.metadata.annotations as Record<string, string> | undefined),
            'other-writer': String(this.#rv),
          },
        },
      });
    }
    const latest = this.#configMaps.get(k)!;
    const sent = body.metadata.resourceVersion;
    // ConfigMaps allow an update without a resourceVersion (unconditional); with one, it must be current.
    if (sent !== undefined && sent !== latest.metadata.resourceVersion) {
      this.writes.conflicts += 1;
      json(
        409,
        status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on configmaps "${objName}": the object has been modified; please apply your changes to the latest version and try again`,
        ),
      );
      return;
    }
    this.writes.put += 1;
    json(200, this.putConfigMap({ ...body, metadata: { ...body.metadata, namespace } }));
  }

  #configMapWatch(
    res: http.ServerResponse,
    namespace: string,
    name: string | undefined,
    query: Readonly<Record<string, string>>,
  ): void {
    const from = Number(query.resourceVersion ?? '0');
    if (from !== 0 && from < this.#compactedRv) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${this.#compactedRv})`) })}\n`,
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    for (const e of this.#configMapEvents) {
      if (e.rv <= from || e.object.metadata.namespace !== namespace) continue;
      if (name !== undefined && e.object.metadata.name !== name) continue;
      res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    }
    const timeoutSeconds = this.#ignoreWatchTimeout ? 0 : Number(query.timeoutSeconds ?? '0');
    const timer =
      timeoutSeconds > 0
        ? setTimeout(() => {
            this.#configMapWatchers.delete(watcher);
            res.end();
          }, timeoutSeconds * 1000).unref()
        : undefined;
    const watcher: ConfigMapWatcher = { res, namespace, name, timer };
    this.#configMapWatchers.add(watcher);
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      this.#configMapWatchers.delete(watcher);
    });
  }

  // ---- protocol ----------------------------------------------------------------------------

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      ...(req.headers.authorization !== undefined && { auth: req.headers.authorization }),
    });
    if (this.requests.length > 2000) this.requests.splice(0, 1000);
    if (this.#hang) return;
    const json = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const cm = CONFIG_MAPS.exec(url.pathname);
    if (cm) {
      this.#configMapRequest(
        req,
        res,
        decodeURIComponent(cm[1]!),
        cm[2] && decodeURIComponent(cm[2]),
        query,
        json,
      );
      return;
    }
    const c = this.#collections.get(url.pathname);
    if (!c || !c.installed) {
      json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const watch = query.watch === 'true' || query.watch === '1';
    const fault = c.faults.find(f => f.verb === (watch ? 'watch' : 'list'));
    if (fault) {
      fault.times -= 1;
      if (fault.times <= 0) c.faults.splice(c.faults.indexOf(fault), 1);
      json(
        fault.status,
        status(fault.status, REASONS[fault.status] ?? 'InternalError', `injected ${fault.status}`),
      );
      return;
    }
    if (watch) {
      this.counts.watch += 1;
      if (this.#hangWatches) return;
      this.#watch(c, query, res);
      return;
    }
    this.counts.list += 1;
    const answer = (): void => {
      this.#list(c, query, json);
    };
    if (this.#listDelayMs > 0) setTimeout(answer, this.#listDelayMs);
    else answer();
  }

  #items(c: Collection): { at: (i: number) => KubeObject | undefined; total: number } {
    const explicit = [...c.objects.values()];
    const gen = c.generated;
    const genCount = gen?.count ?? 0;
    return {
      total: genCount + explicit.length,
      at: i => {
        if (gen && i < genCount) {
          const obj = gen.make(i);
          const key = keyOf(obj);
          return c.objects.has(key) || c.deleted.has(key) ? undefined : obj;
        }
        return explicit[i - genCount];
      },
    };
  }

  #list(
    c: Collection,
    query: Readonly<Record<string, string>>,
    json: (code: number, body: unknown) => void,
  ): void {
    const limit = query.limit !== undefined ? Number(query.limit) : Number.POSITIVE_INFINITY;
    let start = 0;
    let listRv = String(this.#rv);
    if (query.continue !== undefined && query.continue !== '') {
      const [epoch, rv, offset] = query.continue.split(':');
      if (Number(epoch) !== this.#continueEpoch) {
        json(
          410,
          status(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
          ),
        );
        return;
      }
      listRv = rv ?? listRv;
      start = Number(offset);
    }
    const { at, total } = this.#items(c);
    const items: Record<string, unknown>[] = [];
    let i = start;
    for (; i < total && items.length < limit; i++) {
      const obj = at(i);
      if (!obj) continue;
      // A real API server leaves kind and apiVersion off list items.
      const item: Record<string, unknown> = { ...obj };
      delete item.kind;
      delete item.apiVersion;
      items.push(item);
    }
    const more = i < total;
    json(200, {
      kind: `${c.resource.kind}List`,
      apiVersion: c.resource.apiVersion,
      metadata: {
        resourceVersion: listRv,
        ...(more && {
          continue: `${this.#continueEpoch}:${listRv}:${i}`,
          remainingItemCount: total - i,
        }),
      },
      items,
    });
  }

  #watch(c: Collection, query: Readonly<Record<string, string>>, res: http.ServerResponse): void {
    const from = Number(query.resourceVersion ?? '0');
    if (from !== 0 && from < this.#compactedRv) {
      const gone = status(
        410,
        'Expired',
        `too old resource version: ${from} (${this.#compactedRv})`,
      );
      if (this.#options.goneAs === 'http') {
        res.writeHead(410, { 'content-type': 'application/json' });
        res.end(JSON.stringify(gone));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (from !== 0) {
      for (const e of c.events) {
        if (e.rv > from) res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
      }
    }
    const timeoutSeconds = this.#ignoreWatchTimeout ? 0 : Number(query.timeoutSeconds ?? '0');
    const timer =
      timeoutSeconds > 0
        ? setTimeout(() => {
            c.watchers.delete(watcher);
            res.end();
          }, timeoutSeconds * 1000).unref()
        : undefined;
    const watcher: Watcher = { res, timer };
    c.watchers.add(watcher);
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      c.watchers.delete(watcher);
    });
  }
}
