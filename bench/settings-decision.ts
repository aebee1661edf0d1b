import { parseCniSettings, type CniEnv } from '../src/cni/settings.js';
import type { ClusterModel } from '../src/cluster/model.js';
import { DEFAULT_POLICY } from '../src/policy/config.js';
import { decideSettings } from '../src/policy/settings-decision.js';
import { AddressBook } from '../src/simulate/address-book.js';
import { timeOnNewVersions } from './timing.js';

export interface SettingsTiming {
  readonly coldMedianMs: number;
  readonly coldP99Ms: number;
  readonly verdict: string;
  readonly nodes: number;
  readonly classes: number;
  readonly summary: string;
}

/**
 * `kubectl set env ds aws-node MINIMUM_IP_TARGET=<n>` judged on every node of the model. Cold: a new
 * state version (timing.ts) and a new address book each time, so neither the node classes nor any address is reused
 * (what the first settings change after a state change pays). Alternates between a change that fits and
 * one that is denied (which also searches for remedies).
 */
export function timeSettingsDecision(model: ClusterModel, runs = 100, warmup = 10): SettingsTiming {
  const fromEnv: CniEnv = { ...model.cniEnv };
  const changes: CniEnv[] = [
    { ...fromEnv, WARM_IP_TARGET: '2', MINIMUM_IP_TARGET: '30' },
    { ...fromEnv, MINIMUM_IP_TARGET: '200' },
  ];
  const from = parseCniSettings(fromEnv).settings;
  const { timing, last } = timeOnNewVersions(model, warmup, runs, (m, i) => {
    const toEnv = changes[i % changes.length]!;
    const d = decideSettings({
      model: m,
      from,
      fromEnv,
      to: parseCniSettings(toEnv).settings,
      toEnv,
      annotations: {},
      config: DEFAULT_POLICY,
      book: new AddressBook(),
      nowMs: Date.now(),
    });
    // The messages, as the CLI prints them and the webhook's denial quotes them.
    if (d.messages.length === 0) throw new Error('a decision without messages');
    return d;
  });
  return {
    coldMedianMs: timing.medianMs,
    coldP99Ms: timing.p99Ms,
    verdict: last?.verdict ?? '?',
    nodes: last?.impact.nodes ?? 0,
    classes: last?.impact.classes.length ?? 0,
    summary: last?.messages.slice(0, 3).join('; ') ?? '',
  };
}
