import { InputError } from '../errors.js';
import {
  isAwsNode,
  projectAwsNodeSettings,
  type AwsNodeSettings,
} from '../cluster/objects/aws-node.js';
import { Reader } from '../cluster/reader.js';
import type { AdmissionRequest } from './review.js';

/** An update of kube-system/aws-node: its env is the VPC CNI's settings on every node. */
export interface SettingsTarget {
  readonly type: 'settings';
  readonly desired: AwsNodeSettings;
  readonly old?: AwsNodeSettings;
}

/**
 * UPDATE of DaemonSet kube-system/aws-node, the object itself (not its status): the one request whose
 * env ipamd on every node reads. Its creation and deletion take no pool addresses (aws-node runs on the
 * host network), so they are left to whatever judges DaemonSets.
 */
export function isAwsNodeRequest(req: AdmissionRequest): boolean {
  return (
    req.resource.group === 'apps' &&
    req.resource.resource === 'daemonsets' &&
    req.subResource === undefined &&
    req.operation === 'UPDATE' &&
    isAwsNode(req.namespace, req.name)
  );
}

/** The settings in the new and old aws-node; `ignore` when the env the CNI reads did not change. */
export function awsNodeTarget(
  req: AdmissionRequest,
  source: string,
): SettingsTarget | { readonly type: 'ignore'; readonly reason: string } {
  if (req.object === undefined)
    throw new InputError(`${source}: request.object: missing for ${req.operation}`);
  const desired = projectAwsNodeSettings(Reader.of(req.object, source, 'request.object'));
  const old =
    req.oldObject === undefined
      ? undefined
      : projectAwsNodeSettings(Reader.of(req.oldObject, source, 'request.oldObject'));
  if (
    old &&
    JSON.stringify(old.env) === JSON.stringify(desired.env) &&
    old.hidden.join('\n') === desired.hidden.join('\n')
  )
    return { type: 'ignore', reason: 'no VPC CNI setting changed' };
  return { type: 'settings', desired, ...(old && { old }) };
}
