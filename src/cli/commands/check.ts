import { InputError } from '../../errors.js';
import { readDocuments } from '../../files/documents.js';
import { parseCniSettings } from '../../cni/settings.js';
import { isRecord } from '../../cluster/fields.js';
import {
  workloadKey,
  type ClusterModel,
  type DaemonSet,
  type Workload,
} from '../../cluster/model.js';
import { manifestMatches } from '../../cluster/objects/template-match.js';
import { Reader } from '../../cluster/reader.js';
import { projectScale } from '../../cluster/objects/scale.js';
import { projectDeployment, projectRollout } from '../../cluster/objects/workload.js';
import { daemonSetWorkload, projectDaemonSet } from '../../cluster/objects/daemonset.js';
import { projectStatefulSet } from '../../cluster/objects/statefulset.js';
import { projectCronJob, projectJob } from '../../cluster/objects/job.js';
import { projectHpa, projectScaledObject } from '../../cluster/objects/autoscaler.js';
import { parseAdmissionReview, targetOf } from '../../admission/review.js';
import { AddressBook } from '../../simulate/address-book.js';
import { resolveChange, type Desired } from '../../simulate/resolve.js';
import { DEFAULT_POLICY, type Mode, type PolicyConfig } from '../../policy/config.js';
import { decide, type Decision } from '../../policy/decide.js';
import { parseRfc3339 } from '../../policy/exception.js';
import { OUTPUT_OPTION, cniFlags, intFlag, outputFormat, parseFlags, UsageError } from '../args.js';
import { EXIT_DENIED, EXIT_OK, printable, writeJson, type CliIo } from '../io.js';
import { STATE_OPTIONS, hasStateFlags, loadState, type StateFlags } from '../state-flags.js';
import { INSTANCE_TYPES_HELP } from '../instance.js';
import { liveClusterModel } from '../live.js';
import { loadConfig } from '../../config.js';
import type { Unresolved } from '../../simulate/unresolved.js';
import { checkResult, ignoredResult, type CheckResult } from '../check-result.js';
import {
  isAwsNode,
  projectAwsNodeSettings,
  type AwsNodeSettings,
} from '../../cluster/objects/aws-node.js';
import { checkSettings } from '../check-settings.js';

export const CHECK_USAGE = `ipguard check -f FILE [-f FILE ...] [--snapshot DIR | --cluster FILE ... --subnets FILE
    [--instance-types FILE] [--network-interfaces FILE]] [--cluster-name NAME] [--cni KEY=VALUE ...]
    [--mode enforce|warn] [--headroom-ips N] [--headroom-percent N] [--now RFC3339] [--output text|json]
  The verdict on a change, for CI: FILE holds the desired Deployments, Rollouts, StatefulSets,
  DaemonSets, Jobs, CronJobs (one run), HorizontalPodAutoscalers and KEDA ScaledObjects (their ceiling:
  a warning at most), autoscaling/v1 Scales, the kube-system/aws-node DaemonSet with its new env (YAML
  or JSON, several documents) or an AdmissionReview; the current state is the same object in the
  cluster files. With no state flags it reads the live cluster (KUBECONFIG) and EC2, as report does.
  Exit 0 allowed (or warned), 1 denied, 2 bad input, or a change that needs what the state does not
  describe (a node's InternalIP in no listed subnet, an instance type in neither the file nor the
  table): the one line on stderr names it. --cluster takes kubectl get -o json|yaml output or kubectl
  cluster-info dump output (what it prints, or its --output-directory); an object (kind, namespace,
  name) found in several --cluster files counts once: the later file wins.
${INSTANCE_TYPES_HELP}`;

interface Item {
  /** The file it came from, for errors. */
  readonly source: string;
  /** kube-system/aws-node with its new env: a change to the VPC CNI's settings. */
  readonly settings?: { readonly desired: AwsNodeSettings; readonly old?: AwsNodeSettings };
  readonly desired?: Desired;
  readonly current?: Workload;
  /** A DaemonSet as the model keeps it: once allowed, the later documents' new nodes run it too. */
  readonly daemonSet?: DaemonSet;
  readonly ignored?: {
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    readonly reason: string;
  };
}

/**
 * Objects judged in one run. Each is a full decision (milliseconds), so a List of 200,000 would run
 * for minutes; no apply carries a fraction of this.
 */
export const MAX_CHECKED_OBJECTS = 10_000;

function readItems(docs: readonly unknown[], source: string, items: Item[]): void {
  // Lists nest (a List of Lists), as deep as the file makes them: a stack on the heap, not
  // recursion, pushed in reverse so objects come off it in file order. No spread of a list into a
  // call: a List of 200,000 items is more arguments than a call takes.
  const pending: { value: unknown; at: string }[] = [];
  for (let i = docs.length - 1; i >= 0; i--)
    pending.push({ value: docs[i], at: docs.length > 1 ? `document ${i + 1}` : '' });
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, at } = next;
    if (!isRecord(value))
      throw new InputError(`${source}${at === '' ? '' : `: ${at}`}: expected a Kubernetes object`);
    if (Array.isArray(value.items)) {
      const list: unknown[] = value.items;
      const prefix = at === '' ? '' : `${at}.`;
      for (let i = list.length - 1; i >= 0; i--)
        pending.push({ value: list[i], at: `${prefix}items[${i}]` });
      continue;
    }
    if (items.length >= MAX_CHECKED_OBJECTS)
      throw new InputError(
        `${source}: more than ${MAX_CHECKED_OBJECTS} objects to check; split the files into several runs`,
      );
    const r = new Reader(value, source, at);
    const kind = r.string('kind');
    const group = (r.string('apiVersion') ?? '').split('/').slice(0, -1).join('/');
    if (kind === 'AdmissionReview') {
      const req = parseAdmissionReview(value, source);
      const target = targetOf(req, source);
      if (target.type === 'settings') {
        items.push({
          source,
          settings: { desired: target.desired, ...(target.old && { old: target.old }) },
        });
      } else if (target.type === 'ignore') {
        items.push({
          source,
          ignored: {
            kind: req.kind.kind,
            namespace: req.namespace ?? '',
            name: req.name ?? '',
            reason: target.reason,
          },
        });
      } else {
        items.push({
          source,
          desired: target.desired,
          ...(target.current && { current: target.current }),
        });
      }
    } else if (
      kind === 'DaemonSet' &&
      group === 'apps' &&
      isAwsNode(
        r.child('metadata')?.string('namespace') ?? 'default',
        r.child('metadata')?.string('name'),
      )
    ) {
      items.push({ source, settings: { desired: projectAwsNodeSettings(r) } });
    } else if (kind === 'Deployment') {
      items.push({ source, desired: { type: 'workload', workload: projectDeployment(r) } });
    } else if (kind === 'Rollout' && group === 'argoproj.io') {
      items.push({ source, desired: { type: 'workload', workload: projectRollout(r) } });
    } else if (kind === 'Scale' && group === 'autoscaling') {
      items.push({ source, desired: { type: 'scale', scale: projectScale(r) } });
    } else if (kind === 'StatefulSet' && group === 'apps') {
      items.push({ source, desired: { type: 'workload', workload: projectStatefulSet(r) } });
    } else if (kind === 'DaemonSet' && group === 'apps') {
      const ds = projectDaemonSet(r);
      items.push({
        source,
        desired: { type: 'workload', workload: daemonSetWorkload(ds) },
        daemonSet: ds,
      });
    } else if (kind === 'Job' && group === 'batch') {
      items.push({ source, desired: { type: 'workload', workload: projectJob(r) } });
    } else if (kind === 'CronJob' && group === 'batch') {
      items.push({ source, desired: { type: 'workload', workload: projectCronJob(r) } });
    } else if (kind === 'HorizontalPodAutoscaler' && group === 'autoscaling') {
      items.push({ source, desired: { type: 'autoscaler', autoscaler: projectHpa(r) } });
    } else if (kind === 'ScaledObject' && group === 'keda.sh') {
      items.push({ source, desired: { type: 'autoscaler', autoscaler: projectScaledObject(r) } });
    }
  }
}

/**
 * A manifest from a file against the cluster's copy: when every field the manifest sets matches, the
 * template is the one running (the cluster's copy only adds the apiserver's defaults). An
 * AdmissionReview needs none of this: its old and new objects are both defaulted.
 */
function withServerDefaults(model: ClusterModel, item: Item): Desired {
  const d = item.desired;
  if (!d || d.type !== 'workload' || item.current) return d as Desired;
  const w = d.workload;
  const ds =
    w.kind === 'DaemonSet'
      ? model.daemonSets.find(x => x.namespace === w.namespace && x.name === w.name)
      : undefined;
  const server = ds
    ? daemonSetWorkload(ds)
    : model.workloads.get(workloadKey(w.kind, w.namespace, w.name));
  if (
    !server ||
    w.template === undefined ||
    server.template === undefined ||
    w.templateKey === server.templateKey
  )
    return d;
  if (!manifestMatches(w.template, server.template)) return d;
  return { type: 'workload', workload: { ...w, templateKey: server.templateKey } };
}

/** The model once a DaemonSet is applied: every new node a later document adds runs its pod too. */
function withDaemonSet(model: ClusterModel, ds: DaemonSet): ClusterModel {
  const others = model.daemonSets.filter(d => d.namespace !== ds.namespace || d.name !== ds.name);
  return { ...model, daemonSets: [...others, ds] };
}

/** Which of the state files should have said it, so the one line names where to look. */
function statePointer(v: StateFlags, missing: readonly Unresolved[]): string {
  const subnets = missing.some(
    u => u.cause === 'node-subnet' || u.cause === 'group-subnet' || u.cause === 'subnet',
  );
  const types = missing.some(u => u.cause === 'node-type' || u.cause === 'group-type');
  const files: string[] = [];
  if (v.snapshot !== undefined) files.push(`--snapshot ${v.snapshot}`);
  else {
    if (subnets && v.subnets !== undefined) files.push(`--subnets ${v.subnets}`);
    if (types && v['instance-types'] !== undefined)
      files.push(`--instance-types ${v['instance-types']}`);
  }
  return files.length > 0 ? ` (not in ${files.join(', ')})` : '';
}

function modeFlag(value: string | undefined): Mode {
  if (value === undefined) return DEFAULT_POLICY.defaultMode;
  if (value === 'enforce' || value === 'warn' || value === 'off') return value;
  throw new UsageError(`--mode: expected enforce, warn or off, got ${JSON.stringify(value)}`);
}

function printText(
  io: CliIo,
  results: readonly CheckResult[],
  decisions: readonly (Decision | undefined)[],
): void {
  const out: string[] = [];
  results.forEach((r, i) => {
    const d = decisions[i];
    out.push(
      `${r.verdict.toUpperCase().padEnd(5)} ${r.kind} ${r.namespace}/${r.name} (${r.change})`,
    );
    for (const m of r.messages) out.push(`  ${m}`);
    if (r.remedies.length > 0) {
      out.push('  would fit with:');
      for (const m of r.remedies) out.push(`    - ${m}`);
    }
    if (d?.exceptionUsed === true) out.push(`  exception used: "${d.exception?.reason ?? ''}"`);
    out.push('');
  });
  // Names and reasons come from the files: never let them drive the terminal.
  io.out(printable(out.join('\n')));
}

export async function checkCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v } = parseFlags(argv, {
    ...STATE_OPTIONS,
    ...OUTPUT_OPTION,
    filename: { type: 'string', short: 'f', multiple: true },
    cni: { type: 'string', multiple: true },
    mode: { type: 'string' },
    'headroom-ips': { type: 'string' },
    'headroom-percent': { type: 'string' },
    now: { type: 'string' },
    'cluster-name': { type: 'string' },
  });
  const format = outputFormat(v.output);
  const files = v.filename ?? [];
  if (files.length === 0)
    throw new UsageError(
      '-f FILE is required: the desired workload (Deployment, Rollout, StatefulSet, DaemonSet, Job, CronJob), autoscaler (HorizontalPodAutoscaler, ScaledObject), Scale or AdmissionReview',
    );
  const overrides = cniFlags(v.cni);
  let nowMs = Date.now();
  if (v.now !== undefined) {
    const t = parseRfc3339(v.now);
    if (t === undefined)
      throw new UsageError(`--now: expected an RFC 3339 time, got ${JSON.stringify(v.now)}`);
    nowMs = t;
  }
  const config: PolicyConfig = {
    ...DEFAULT_POLICY,
    defaultMode: modeFlag(v.mode),
    warnBelowFreeIps: intFlag('headroom-ips', v['headroom-ips']) ?? DEFAULT_POLICY.warnBelowFreeIps,
    warnBelowFreePercent:
      intFlag('headroom-percent', v['headroom-percent']) ?? DEFAULT_POLICY.warnBelowFreePercent,
  };

  const items: Item[] = [];
  for (const f of files) readItems(await readDocuments(f), f, items);
  if (items.length === 0)
    throw new InputError(
      `${files.join(', ')}: no workload, autoscaler, Scale or AdmissionReview found`,
    );
  let model: ClusterModel = hasStateFlags(v)
    ? await loadState(v)
    : (
        await liveClusterModel(io, {
          clusterName: v['cluster-name'] ?? loadConfig(io.env).clusterName,
        })
      ).model;
  const { settings: cni, fallbacks } = parseCniSettings({ ...model.cniEnv, ...overrides });
  for (const f of fallbacks) io.err(`warning: ${f}\n`);

  const book = new AddressBook();
  const alsoDesired = items.flatMap(i =>
    i.desired?.type === 'workload' ? [i.desired.workload] : [],
  );
  const results: CheckResult[] = [];
  const decisions: (Decision | undefined)[] = [];
  // The documents of one run are judged as one apply: what an earlier one was allowed to take is held
  // for the ones after it, as the webhook's reservations would.
  const reserved = new Map<string, number>();
  for (const item of items) {
    if (item.settings) {
      const r = checkSettings(
        item.source,
        item.settings,
        model,
        overrides,
        config,
        book,
        reserved,
        nowMs,
      );
      results.push(r.result);
      decisions.push(r.decision);
      if (r.decision?.allowed === true)
        for (const s of r.decision.sim.subnets)
          reserved.set(s.id, (reserved.get(s.id) ?? 0) + s.required);
      continue;
    }
    if (item.ignored || !item.desired) {
      const ig = item.ignored ?? { kind: '', namespace: '', name: '', reason: 'nothing to check' };
      results.push(ignoredResult(ig));
      decisions.push(undefined);
      continue;
    }
    let resolved;
    try {
      resolved = resolveChange(model, withServerDefaults(model, item), {
        ...(item.current && { current: item.current }),
        nowMs,
        alsoDesired,
      });
    } catch (err) {
      if (err instanceof InputError)
        throw new InputError(`${item.source}: ${err.message}`, { cause: err });
      throw err;
    }
    const decision = decide({
      model,
      change: resolved.change,
      config,
      book,
      cni,
      reserved: new Map(reserved),
      ...(resolved.ceiling && { ceiling: resolved.ceiling }),
    });
    if (decision.incomplete !== undefined) {
      const s = resolved.subject;
      throw new InputError(
        `${item.source}: ${s.kind} ${s.namespace}/${s.name}: ${decision.incomplete}${statePointer(v, decision.sim.unresolved)}`,
      );
    }
    // An autoscaler's ceiling takes nothing yet, so it holds nothing for the documents after it.
    if (decision.allowed && !resolved.ceiling)
      for (const s of decision.sim.subnets)
        reserved.set(s.id, (reserved.get(s.id) ?? 0) + s.required);
    if (decision.allowed && item.daemonSet) model = withDaemonSet(model, item.daemonSet);
    results.push(checkResult(resolved, decision));
    decisions.push(decision);
  }
  const allowed = results.every(r => r.verdict !== 'deny');
  if (format === 'json') writeJson(io, { allowed, results });
  else printText(io, results, decisions);
  return allowed ? EXIT_OK : EXIT_DENIED;
}
