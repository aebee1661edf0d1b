import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';

/**
 * An EC2 Query API endpoint on 127.0.0.1 for the real @aws-sdk/client-ec2: form-encoded POSTs in,
 * XML out, NextToken pages, EC2's error envelope, throttling (RequestLimitExceeded as HTTP 503, as EC2
 * sends it) and slow answers. Its data is what `aws ec2 describe-* --output json` prints (PascalCase),
 * so example files load as they are; it renders them with EC2's element names.
 */

type Json = Record<string, unknown>;

export interface Ec2Request {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
}

export interface Ec2Fault {
  readonly status: number;
  readonly code: string;
  readonly message?: string;
  /** Only for this action; every action when unset. */
  readonly action?: string;
  times: number;
}

/** Where EC2's XML name is not the member name with a lower-case first letter (from the SDK's schemas). */
const XML_NAMES: Readonly<Record<string, string>> = {
  Subnets: 'subnetSet',
  InstanceTypes: 'instanceTypeSet',
  NetworkInterfaces: 'networkInterfaceSet',
  Tags: 'tagSet',
  Groups: 'groupSet',
  PrivateIpAddresses: 'privateIpAddressesSet',
  Ipv4Prefixes: 'ipv4PrefixSet',
  Ipv6Prefixes: 'ipv6PrefixSet',
  Ipv6Addresses: 'ipv6AddressesSet',
  AssociatedSubnets: 'associatedSubnetSet',
  EbsCards: 'ebsCardSet',
  InterfaceTypes: 'interfaceTypeSet',
  Workloads: 'workloadSet',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function xmlName(key: string): string {
  return XML_NAMES[key] ?? key.charAt(0).toLowerCase() + key.slice(1);
}

function inner(value: unknown): string {
  if (Array.isArray(value)) return value.map(v => `<item>${inner(v)}</item>`).join('');
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value as Json)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${xmlName(k)}>${inner(v)}</${xmlName(k)}>`)
      .join('');
  }
  return esc(String(value));
}

function response(action: string, listKey: string, items: readonly Json[], next?: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`,
    '<requestId>fake-request</requestId>',
    `<${xmlName(listKey)}>${inner(items)}</${xmlName(listKey)}>`,
    next === undefined ? '' : `<nextToken>${next}</nextToken>`,
    `</${action}Response>`,
  ].join('');
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>fake-request</RequestID></Response>`;
}

/** `Filter.1.Name`, `Filter.1.Value.1` … → [{name, values}]; `SubnetId.1` … → ids. */
function filtersOf(params: Readonly<Record<string, string>>): { name: string; values: string[] }[] {
  const out: { name: string; values: string[] }[] = [];
  for (let i = 1; params[`Filter.${i}.Name`] !== undefined; i++) {
    const values: string[] = [];
    for (let j = 1; params[`Filter.${i}.Value.${j}`] !== undefined; j++)
      values.push(params[`Filter.${i}.Value.${j}`] ?? '');
    out.push({ name: params[`Filter.${i}.Name`] ?? '', values });
  }
  return out;
}

function listParam(params: Readonly<Record<string, string>>, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; params[`${name}.${i}`] !== undefined; i++) out.push(params[`${name}.${i}`] ?? '');
  return out;
}

function tagsOf(item: Json): Record<string, string> {
  const list = (item.Tags ?? item.TagSet) as { Key: string; Value?: string }[] | undefined;
  return Object.fromEntries((list ?? []).map(t => [t.Key, t.Value ?? '']));
}

/** The few filters ipguard uses, evaluated on the PascalCase objects. */
function filterValue(item: Json, name: string): string[] {
  if (name.startsWith('tag:')) {
    const v = tagsOf(item)[name.slice(4)];
    return v === undefined ? [] : [v];
  }
  switch (name) {
    case 'tag-key':
      return Object.keys(tagsOf(item));
    case 'vpc-id':
      return [String(item.VpcId)];
    case 'subnet-id':
      return [String(item.SubnetId)];
    case 'attachment.instance-id': {
      const id = (item.Attachment as Json | undefined)?.InstanceId;
      return typeof id === 'string' ? [id] : [];
    }
    default:
      throw new Error(`fake EC2: filter ${name} is not implemented`);
  }
}

function matches(item: Json, filters: readonly { name: string; values: string[] }[]): boolean {
  return filters.every(f => filterValue(item, f.name).some(v => f.values.includes(v)));
}

export class FakeEc2 {
  readonly url: string;
  subnets: Json[] = [];
  instanceTypes: Json[] = [];
  networkInterfaces: Json[] = [];
  /** Most items per page, whatever MaxResults asks (EC2 pages by its own limits too). */
  maxPageSize = 1000;
  /** Delay every answer (a slow EC2). */
  delayMs = 0;
  /** Every request, in order. */
  readonly requests: Ec2Request[] = [];
  readonly #faults: Ec2Fault[] = [];
  readonly #server: http.Server;
  #down: { status: number; code: string } | undefined;

  private constructor(server: http.Server, url: string) {
    this.#server = server;
    this.url = url;
  }

  static async start(): Promise<FakeEc2> {
    const holder: { fake?: FakeEc2 } = {};
    const server = http.createServer((req, res) => {
      holder.fake?.handle(req, res);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.fake = new FakeEc2(server, `http://127.0.0.1:${port}`);
    return holder.fake;
  }

  /**
   * An SDK client for this endpoint. `maxAttempts: 1` by default so the SDK's own retries (seconds of
   * real backoff for throttling) do not hide ipguard's backoff from the test.
   */
  client(maxAttempts = 1): EC2Client {
    return new EC2Client({
      region: 'us-east-1',
      endpoint: this.url,
      credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' },
      maxAttempts,
    });
  }

  /** Data as the aws CLI prints it: `{"Subnets": [...]}` etc. */
  load(doc: { Subnets?: unknown; InstanceTypes?: unknown; NetworkInterfaces?: unknown }): void {
    if (Array.isArray(doc.Subnets)) this.subnets = doc.Subnets as Json[];
    if (Array.isArray(doc.InstanceTypes)) this.instanceTypes = doc.InstanceTypes as Json[];
    if (Array.isArray(doc.NetworkInterfaces))
      this.networkInterfaces = doc.NetworkInterfaces as Json[];
  }

  /** The next `times` requests (of `action`, or any) fail with this EC2 error. */
  failNext(fault: Omit<Ec2Fault, 'times'> & { times?: number }): void {
    this.#faults.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Every request fails until `up()`: an outage. */
  down(status = 503, code = 'Unavailable'): void {
    this.#down = { status, code };
  }

  up(): void {
    this.#down = undefined;
  }

  actions(): string[] {
    return this.requests.map(r => r.action);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>(resolve => {
      this.#server.close(() => {
        resolve();
      });
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const action = params.Action ?? '';
      this.requests.push({ action, params });
      const send = (status: number, xml: string): void => {
        const write = (): void => {
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
          res.end(xml);
        };
        if (this.delayMs > 0) setTimeout(write, this.delayMs).unref();
        else write();
      };
      if (this.#down) {
        send(this.#down.status, errorXml(this.#down.code, 'injected outage'));
        return;
      }
      const fault = this.#faults.find(f => f.action === undefined || f.action === action);
      if (fault) {
        fault.times -= 1;
        if (fault.times <= 0) this.#faults.splice(this.#faults.indexOf(fault), 1);
        send(fault.status, errorXml(fault.code, fault.message ?? `injected ${fault.code}`));
        return;
      }
      try {
        send(200, this.#answer(action, params));
      } catch (err) {
        send(
          400,
          errorXml(
            (err as { code?: string }).code ?? 'InvalidParameterValue',
            (err as Error).message,
          ),
        );
      }
    });
  }

  #page(
    action: string,
    listKey: string,
    items: readonly Json[],
    params: Readonly<Record<string, string>>,
  ): string {
    const max = Math.min(this.maxPageSize, Number(params.MaxResults ?? this.maxPageSize));
    const start = Number(params.NextToken ?? '0');
    const next = start + max < items.length ? String(start + max) : undefined;
    return response(action, listKey, items.slice(start, start + max), next);
  }

  #answer(action: string, params: Readonly<Record<string, string>>): string {
    const filters = filtersOf(params);
    switch (action) {
      case 'DescribeSubnets': {
        const ids = listParam(params, 'SubnetId');
        const known = new Set(this.subnets.map(s => String(s.SubnetId)));
        const missing = ids.find(id => !known.has(id));
        if (missing !== undefined) {
          throw Object.assign(new Error(`The subnet ID '${missing}' does not exist`), {
            code: 'InvalidSubnetID.NotFound',
          });
        }
        const items = this.subnets.filter(
          s => (ids.length === 0 || ids.includes(String(s.SubnetId))) && matches(s, filters),
        );
        return this.#page(action, 'Subnets', items, params);
      }
      case 'DescribeInstanceTypes': {
        const types = listParam(params, 'InstanceType');
        const known = new Set(this.instanceTypes.map(t => String(t.InstanceType)));
        const unknown = types.find(t => !known.has(t));
        if (unknown !== undefined) {
          throw Object.assign(
            new Error(`The following supplied instance types do not exist: [${unknown}]`),
            { code: 'InvalidInstanceType' },
          );
        }
        const items = this.instanceTypes.filter(
          t =>
            (types.length === 0 || types.includes(String(t.InstanceType))) && matches(t, filters),
        );
        return this.#page(action, 'InstanceTypes', items, params);
      }
      case 'DescribeNetworkInterfaces':
        return this.#page(
          action,
          'NetworkInterfaces',
          this.networkInterfaces.filter(e => matches(e, filters)),
          params,
        );
      default:
        throw Object.assign(new Error(`The action ${action} is not valid for this web service.`), {
          code: 'InvalidAction',
        });
    }
  }
}
