import {
  DescribeInstanceTypesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  EC2Client,
  type EC2ClientConfig,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import type { Ec2Api, InstanceTypeInfo, SdkNetworkInterface, SdkSubnet } from './api.js';
import type { Ec2CallCounter } from './calls.js';
import { classifyAwsError } from './errors.js';
import { CALL_TIMEOUT_MS, INSTANCE_TYPES_PAGE_SIZE, PAGE_SIZE } from './ttls.js';

/**
 * The EC2 client for live state: the SDK's default credential chain (env, profile, IRSA / Pod Identity,
 * IMDS), region from AWS_REGION or the profile, endpoint from AWS_ENDPOINT_URL_EC2 — all read by the
 * SDK itself. Requests that hang are cut off instead of holding a refresh forever.
 */
export function createEc2Client(overrides: EC2ClientConfig = {}): EC2Client {
  return new EC2Client({
    requestHandler: {
      connectionTimeout: 5_000,
      requestTimeout: CALL_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    ...overrides,
  });
}

function attemptsOf(x: unknown): number {
  const a = (x as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  return typeof a === 'number' ? a : 1;
}

/**
 * A signal for one call, aborted by the caller's or after `timeoutMs`; `done()` releases it. Not
 * AbortSignal.any: on Node 20 every any() leaves an entry on each source signal that is never removed,
 * and the caller's signal lives as long as the refresher, which makes calls for months.
 */
function callSignal(
  parent: AbortSignal,
  timeoutMs: number,
): { readonly signal: AbortSignal; done(): void } {
  const ac = new AbortController();
  const onAbort = (): void => {
    ac.abort(parent.reason);
  };
  const timer = setTimeout(() => {
    ac.abort(new DOMException(`no answer within ${timeoutMs / 1000} s`, 'TimeoutError'));
  }, timeoutMs);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ac.signal,
    done() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * The only code that sends EC2 commands. Every page is counted; each call is bounded by a timeout and
 * by the caller's signal, so closing the live state cancels requests in flight.
 */
export function createEc2Api(
  client: EC2Client,
  calls: Ec2CallCounter,
  callTimeoutMs = CALL_TIMEOUT_MS,
): Ec2Api {
  async function send<T>(
    operation: string,
    signal: AbortSignal,
    run: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const call = callSignal(signal, callTimeoutMs);
    try {
      const out = await run(call.signal);
      calls.record(operation, 'ok', attemptsOf(out));
      return out;
    } catch (err) {
      calls.record(operation, classifyAwsError(err), attemptsOf(err));
      throw err;
    } finally {
      call.done();
    }
  }

  return {
    async describeSubnets(query, signal) {
      const out: SdkSubnet[] = [];
      const ids = query.subnetIds ?? [];
      let token: string | undefined;
      do {
        const page = await send('DescribeSubnets', signal, abortSignal =>
          client.send(
            new DescribeSubnetsCommand({
              ...(query.filters && { Filters: [...query.filters] }),
              ...(ids.length > 0 && { SubnetIds: [...ids] }),
              // Some Describe calls refuse MaxResults beside explicit ids (DescribeNetworkInterfaces
              // documents it); never combine them.
              ...(ids.length === 0 && { MaxResults: PAGE_SIZE }),
              ...(token !== undefined && { NextToken: token }),
            }),
            { abortSignal },
          ),
        );
        out.push(...(page.Subnets ?? []));
        token = page.NextToken === '' ? undefined : page.NextToken;
      } while (token !== undefined);
      return out;
    },

    async describeInstanceTypes(types, signal) {
      const out: InstanceTypeInfo[] = [];
      let token: string | undefined;
      do {
        const page = await send('DescribeInstanceTypes', signal, abortSignal =>
          client.send(
            new DescribeInstanceTypesCommand({
              InstanceTypes: types as _InstanceType[],
              ...(token !== undefined && { NextToken: token }),
            }),
            { abortSignal },
          ),
        );
        out.push(...(page.InstanceTypes ?? []));
        token = page.NextToken === '' ? undefined : page.NextToken;
      } while (token !== undefined);
      return out;
    },

    async describeRegionInstanceTypes(signal) {
      const out: InstanceTypeInfo[] = [];
      let token: string | undefined;
      do {
        const page = await send('DescribeInstanceTypes', signal, abortSignal =>
          client.send(
            new DescribeInstanceTypesCommand({
              MaxResults: INSTANCE_TYPES_PAGE_SIZE,
              ...(token !== undefined && { NextToken: token }),
            }),
            { abortSignal },
          ),
        );
        out.push(...(page.InstanceTypes ?? []));
        token = page.NextToken === '' ? undefined : page.NextToken;
      } while (token !== undefined);
      return out;
    },

    async describeNetworkInterfaces(filters, signal) {
      const out: SdkNetworkInterface[] = [];
      let token: string | undefined;
      do {
        const page = await send('DescribeNetworkInterfaces', signal, abortSignal =>
          client.send(
            new DescribeNetworkInterfacesCommand({
              Filters: [...filters],
              MaxResults: PAGE_SIZE,
              ...(token !== undefined && { NextToken: token }),
            }),
            { abortSignal },
          ),
        );
        out.push(...(page.NetworkInterfaces ?? []));
        token = page.NextToken === '' ? undefined : page.NextToken;
      } while (token !== undefined);
      return out;
    },
  };
}
