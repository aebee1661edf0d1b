import type { CniEnv } from '../cni/settings.js';
import type { ClusterModel } from '../cluster/model.js';
import type { AwsNodeSettings } from '../cluster/objects/aws-node.js';
import { InputError } from '../errors.js';
import type { PolicyConfig } from '../policy/config.js';
import {
  AWS_NODE,
  decideSettings,
  sameSettings,
  settingsDiff,
  type SettingsDecision,
} from '../policy/settings-decision.js';
import type { AddressBook } from '../simulate/address-book.js';
import { resolveSettings } from '../simulate/resolve-settings.js';
import type { CheckResult } from './check-result.js';

/** A settings result: the SPEC's fields, plus the pods the new pools would strand. */
export interface SettingsCheckResult extends CheckResult {
  readonly unservedPods: number;
}

function noChange(diff: string): SettingsCheckResult {
  return {
    kind: 'DaemonSet',
    namespace: AWS_NODE.namespace,
    name: AWS_NODE.name,
    change: 'none',
    verdict: 'allow',
    currentPods: 0,
    peakPods: 0,
    deltaPods: 0,
    newNodes: 0,
    ipsRequired: 0,
    ipsAvailable: 0,
    shortfall: 0,
    unservedPods: 0,
    subnets: [],
    messages: [`no VPC CNI setting changed (${diff}): nothing to judge`],
    remedies: [],
  };
}

export function settingsCheckResult(d: SettingsDecision): SettingsCheckResult {
  const s = d.sim;
  return {
    kind: 'DaemonSet',
    namespace: AWS_NODE.namespace,
    name: AWS_NODE.name,
    change: 'settings',
    verdict: d.verdict,
    currentPods: s.peak.currentPods,
    peakPods: s.peak.peakPods,
    deltaPods: s.deltaPods,
    newNodes: 0,
    ipsRequired: s.ipsRequired,
    ipsAvailable: s.ipsAvailable,
    shortfall: d.judgement.shortfall,
    unservedPods: d.impact.unservedPods,
    subnets: s.subnets.map(x => ({
      id: x.id,
      zone: x.zone,
      available: x.available,
      required: x.required,
    })),
    messages: d.messages,
    remedies: d.remedies.map(r => r.text),
  };
}

/** `check` on an aws-node object: its settings against the cluster's (or the review's old object). */
export function checkSettings(
  source: string,
  item: { readonly desired: AwsNodeSettings; readonly old?: AwsNodeSettings },
  model: ClusterModel,
  overrides: CniEnv,
  config: PolicyConfig,
  book: AddressBook,
  reserved: ReadonlyMap<string, number>,
  nowMs: number,
): { result: SettingsCheckResult; decision?: SettingsDecision } {
  try {
    const s = resolveSettings(model.cniEnv, item.desired, item.old, overrides);
    if (sameSettings(s.from, s.to)) return { result: noChange(settingsDiff(s.fromEnv, s.toEnv)) };
    const decision = decideSettings({
      model,
      ...s,
      config,
      book,
      reserved: new Map(reserved),
      nowMs,
    });
    return { result: settingsCheckResult(decision), decision };
  } catch (err) {
    if (err instanceof InputError)
      throw new InputError(`${source}: ${err.message}`, { cause: err });
    throw err;
  }
}
