import type {
  Filter,
  InstanceTypeInfo,
  NetworkInterface as SdkNetworkInterface,
  Subnet as SdkSubnet,
} from '@aws-sdk/client-ec2';

export type { Filter, InstanceTypeInfo, SdkNetworkInterface, SdkSubnet };

/**
 * The read-only EC2 calls ipguard makes, every page fetched. The answers are the SDK's objects,
 * whose PascalCase fields are what `aws ec2 … --output json` prints, so the same parsers read both.
 * A narrow interface (as Karpenter wraps EC2) keeps the SDK in one file and lets tests count calls.
 */
export interface Ec2Api {
  describeSubnets(
    query: { readonly filters?: readonly Filter[]; readonly subnetIds?: readonly string[] },
    signal: AbortSignal,
  ): Promise<SdkSubnet[]>;
  describeInstanceTypes(types: readonly string[], signal: AbortSignal): Promise<InstanceTypeInfo[]>;
  /** Every instance type the region offers, a page at a time: what Karpenter picks NodePool types from. */
  describeRegionInstanceTypes(signal: AbortSignal): Promise<InstanceTypeInfo[]>;
  describeNetworkInterfaces(
    filters: readonly Filter[],
    signal: AbortSignal,
  ): Promise<SdkNetworkInterface[]>;
}
