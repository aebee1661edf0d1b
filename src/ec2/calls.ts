import type { AwsErrorKind } from './errors.js';

export interface Ec2CallStats {
  /** API calls made (each page is a call), successful or not. */
  readonly total: number;
  readonly byOperation: Readonly<Record<string, number>>;
  /** HTTP requests including the SDK's own retries ($metadata.attempts). */
  readonly attempts: number;
  readonly failed: number;
  readonly throttled: number;
}

/** Counts EC2 calls, so the benchmark can prove admission never calls EC2 and /metrics can show the rate. */
export class Ec2CallCounter {
  #total = 0;
  #attempts = 0;
  #failed = 0;
  #throttled = 0;
  readonly #byOperation = new Map<string, number>();

  record(operation: string, outcome: 'ok' | AwsErrorKind, attempts = 1): void {
    this.#total += 1;
    this.#attempts += attempts;
    this.#byOperation.set(operation, (this.#byOperation.get(operation) ?? 0) + 1);
    if (outcome !== 'ok') this.#failed += 1;
    if (outcome === 'throttled') this.#throttled += 1;
  }

  get total(): number {
    return this.#total;
  }

  stats(): Ec2CallStats {
    return {
      total: this.#total,
      byOperation: Object.fromEntries(this.#byOperation),
      attempts: this.#attempts,
      failed: this.#failed,
      throttled: this.#throttled,
    };
  }
}
