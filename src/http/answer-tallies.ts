import type { Counter, Metric, Registry } from 'prom-client';

/**
 * The per-answer metrics (requests by verdict, kind and change; durations by verdict), kept in plain
 * numbers until /metrics is read. prom-client's `inc` and `observe` check and hash the label values
 * on every call, even through a `labels()` child: about 2 µs of a repeated review's 50, for numbers
 * that are read once every scrape interval.
 */

/** Answers counted for one label set, handed to the prom-client counter when it is collected. */
export class PendingCount {
  #pending = 0;
  readonly #child: { inc(value: number): void };

  constructor(child: { inc(value: number): void }) {
    this.#child = child;
  }

  inc(): void {
    this.#pending += 1;
  }

  /** Moves what was counted since the last scrape into the counter. */
  drain(): void {
    if (this.#pending === 0) return;
    this.#child.inc(this.#pending);
    this.#pending = 0;
  }
}

/**
 * Children of a prom-client counter whose counts wait in PendingCounts: create the counter with
 * `collect() { tallies.drain() }` so a scrape sees every answer counted before it.
 */
export class PendingCounts<L extends string> {
  readonly #byKey = new Map<string, PendingCount>();
  #counter: Counter<L> | undefined;

  /** The counter the counts go to (set once, right after it is created). */
  attach(counter: Counter<L>): void {
    this.#counter = counter;
  }

  /** One label set's count; the same object for the same labels, so a caller may keep it. */
  labels(values: Readonly<Record<L, string>>): PendingCount {
    const key = JSON.stringify(values);
    let count = this.#byKey.get(key);
    if (!count) {
      const counter = this.#counter;
      if (!counter) throw new Error('PendingCounts used before its counter was attached');
      count = new PendingCount(counter.labels(values as Partial<Record<L, string>>));
      this.#byKey.set(key, count);
    }
    return count;
  }

  drain(): void {
    for (const c of this.#byKey.values()) c.drain();
  }
}

/** One label set of a DurationHistogram. */
class Series {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket (not cumulative), the last slot past the largest bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  constructor(labels: Readonly<Record<string, string>>, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && seconds > (bounds[i] ?? Number.POSITIVE_INFINITY)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += seconds;
    this.count += 1;
  }
}

interface HistogramValue {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName: string;
}

/**
 * A Prometheus histogram registered in a prom-client registry and rendered by it exactly as
 * prom-client's Histogram is (`_bucket` with `le`, cumulative, then `+Inf`, `_sum`, `_count`), but
 * observed without hashing labels: a caller keeps the series `labels()` returns.
 */
export class DurationHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(o: {
    readonly name: string;
    readonly help: string;
    readonly buckets: readonly number[];
    readonly registers: readonly Registry[];
  }) {
    this.name = o.name;
    this.help = o.help;
    this.#bounds = [...o.buckets].sort((a, b) => a - b);
    // The registry asks a metric only for name, get() and reset(); prom-client's own type lists
    // its four classes.
    for (const r of o.registers) r.registerMetric(this as unknown as Metric);
  }

  labels(values: Readonly<Record<L, string>>): { observe(seconds: number): void } {
    const key = JSON.stringify(values);
    let s = this.#series.get(key);
    if (!s) {
      s = new Series({ ...values }, this.#bounds);
      this.#series.set(key, s);
    }
    return s;
  }

  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: HistogramValue[];
  }> {
    const values: HistogramValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.#series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += s.counts[i] ?? 0;
        values.push({ value: cumulative, labels: { le, ...s.labels }, metricName: bucket });
      });
      values.push({ value: s.count, labels: { le: '+Inf', ...s.labels }, metricName: bucket });
      values.push({ value: s.sum, labels: s.labels, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: s.labels, metricName: `${this.name}_count` });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  /** Zeroes every series in place: callers keep the series they were given. */
  reset(): void {
    for (const s of this.#series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
