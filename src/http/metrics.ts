import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DurationHistogram, PendingCounts } from './answer-tallies.js';
import type { StateSource } from '../state/source.js';
import type { ReservationLedger } from '../state/reservations.js';
import type { DecisionMemoStats } from './decision-memo.js';

/** Everything /metrics shows; a registry per app so tests and several servers never share counters. */
export interface Metrics {
  readonly registry: Registry;
  /** Counted per answer in plain numbers, moved into the counter when /metrics is read. */
  readonly requests: PendingCounts<'verdict' | 'kind' | 'change' | 'dry_run'>;
  readonly duration: DurationHistogram<'verdict'>;
  readonly exceptions: Counter<'namespace' | 'on'>;
  readonly autoscalerAllowed: Counter;
  readonly failOpen: Counter<'reason'>;
  readonly badRequests: Counter<'reason'>;
  readonly reservedIps: Gauge<'subnet'>;
  readonly ledgerWrites: Histogram<'result'>;
  readonly ledgerConflicts: Counter;
}

export interface MetricsSources {
  readonly state: StateSource;
  readonly reservations: ReservationLedger;
  readonly now: () => number;
  /** EC2 API calls made so far, when the state is live. */
  readonly ec2Calls?: () => number;
  /** Log lines dropped because stdout did not keep up, when the log is buffered. */
  readonly logLinesDropped?: () => number;
  /** The decision memos, summed. */
  readonly memo?: () => DecisionMemoStats;
}

export function createMetrics(src: MetricsSources): Metrics {
  const registry = new Registry();
  const requests = new PendingCounts<'verdict' | 'kind' | 'change' | 'dry_run'>();
  requests.attach(
    new Counter({
      name: 'ipguard_admission_requests_total',
      help: 'Admission reviews answered, by verdict (allow, warn, deny, ignored, error), kind, change and dry run.',
      labelNames: ['verdict', 'kind', 'change', 'dry_run'] as const,
      registers: [registry],
      collect() {
        requests.drain();
      },
    }),
  );
  const duration = new DurationHistogram<'verdict'>({
    name: 'ipguard_admission_duration_seconds',
    help: 'Time from request to answer, by verdict.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const exceptions = new Counter({
    name: 'ipguard_exceptions_used_total',
    help: 'Denials turned into allows by an ipguard.io/exception annotation.',
    labelNames: ['namespace', 'on'] as const,
    registers: [registry],
  });
  const autoscalerAllowed = new Counter({
    name: 'ipguard_autoscaler_allowed_total',
    help: 'Denials of autoscaler requests (HPA, KEDA) allowed with a warning by policy.',
    registers: [registry],
  });
  const failOpen = new Counter({
    name: 'ipguard_failure_mode_answers_total',
    help: 'Requests answered by the configured failure mode (no state, unresolvable change, incomplete inputs, reservation ledger unavailable, full or in conflict, internal error).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const badRequests = new Counter({
    name: 'ipguard_bad_requests_total',
    help: 'Requests refused as malformed (not a valid AdmissionReview).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const reservedIps = new Gauge({
    name: 'ipguard_reserved_ips',
    help: 'Addresses held per subnet by admitted changes EC2 does not show as used yet (every replica’s, when the ledger is shared).',
    labelNames: ['subnet'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const subnets = src.state.current()?.model.subnets;
      if (!subnets) return;
      // The same figure decisions subtract: what is held, less what EC2 already shows used.
      const held = src.reservations.held(id => subnets.get(id)?.availableIps);
      for (const [subnet, ips] of held) if (ips > 0) this.set({ subnet }, ips);
    },
  });
  new Gauge({
    name: 'ipguard_reservations',
    help: 'Admitted changes holding addresses (live entries in the reservation ledger).',
    registers: [registry],
    collect() {
      this.set(src.reservations.size);
    },
  });
  const ledgerWrites = new Histogram({
    name: 'ipguard_ledger_write_duration_seconds',
    help: 'Writes of the shared reservation ledger (one per batch of admitted changes), by result: ok, conflict (409, retried), error.',
    labelNames: ['result'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const ledgerConflicts = new Counter({
    name: 'ipguard_ledger_conflicts_total',
    help: 'Ledger writes refused because another replica wrote first (409), each followed by a fresh read and a new decision.',
    registers: [registry],
  });
  src.reservations.observe({
    write(result, seconds) {
      ledgerWrites.observe({ result }, seconds);
      if (result === 'conflict') ledgerConflicts.inc();
    },
  });
  new Gauge({
    name: 'ipguard_ledger_up',
    help: '1 while the reservation ledger can be read and written and this replica’s copy is current.',
    registers: [registry],
    collect() {
      this.set(src.reservations.health().ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ipguard_ledger_bytes',
    help: 'Size of the stored reservation record (the shared ledger only).',
    registers: [registry],
    collect() {
      const bytes = src.reservations.health().bytes;
      this.reset();
      if (bytes !== undefined) this.set(bytes);
    },
  });
  new Gauge({
    name: 'ipguard_state_ready',
    help: '1 once cluster and subnet state are loaded.',
    registers: [registry],
    collect() {
      this.set(src.state.current() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ipguard_state_age_seconds',
    help: 'Age of the state behind decisions: kube (last in sync) and subnets (last EC2 answer).',
    labelNames: ['source'] as const,
    registers: [registry],
    collect() {
      const v = src.state.current();
      this.reset();
      if (!v) return;
      const now = src.now();
      this.set({ source: 'kube' }, Math.max(0, (now - v.kubeSyncedAtMs) / 1000));
      this.set({ source: 'subnets' }, Math.max(0, (now - v.subnetsRefreshedAtMs) / 1000));
    },
  });
  new Gauge({
    name: 'ipguard_subnet_free_ips',
    help: 'Free addresses per subnet as EC2 reports them.',
    labelNames: ['subnet', 'zone'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of src.state.current()?.model.subnets.values() ?? [])
        this.set({ subnet: s.id, zone: s.zone }, s.availableIps);
    },
  });
  if (src.memo) {
    const memo = src.memo;
    new Gauge({
      name: 'ipguard_decision_memo_entries',
      help: 'Requests and decisions kept for repeats on the current state version.',
      registers: [registry],
      collect() {
        this.set(memo().entries);
      },
    });
    new Gauge({
      name: 'ipguard_decision_memo_bytes',
      help: 'What the kept decisions hold, estimated (bounded at 18 MiB in all).',
      registers: [registry],
      collect() {
        this.set(memo().bytes);
      },
    });
    new Counter({
      name: 'ipguard_decision_memo_lookups_total',
      help: 'Lookups of a request or decision already made on the current state version, by result.',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        const m = memo();
        this.reset();
        this.inc({ result: 'hit' }, m.hits);
        this.inc({ result: 'miss' }, m.misses);
      },
    });
  }
  if (src.logLinesDropped) {
    const dropped = src.logLinesDropped;
    new Counter({
      name: 'ipguard_log_lines_dropped_total',
      help: 'Log lines dropped because stdout did not take them as fast as they came (the buffer holds 16 MiB).',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(dropped());
      },
    });
  }
  if (src.ec2Calls) {
    const calls = src.ec2Calls;
    new Gauge({
      name: 'ipguard_ec2_api_calls',
      help: 'EC2 API calls made since start (all in the background, none on the request path).',
      registers: [registry],
      collect() {
        this.set(calls());
      },
    });
  }
  return {
    registry,
    requests,
    duration,
    exceptions,
    autoscalerAllowed,
    failOpen,
    badRequests,
    reservedIps,
    ledgerWrites,
    ledgerConflicts,
  };
}
