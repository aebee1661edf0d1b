/** One row of the table `npm run bench` writes and the README quotes. */
export interface Row {
  readonly measure: string;
  readonly value: string;
  readonly baseline: string;
  readonly target: string;
  /** undefined: a figure with no target. */
  readonly met: boolean | undefined;
}

/** A figure with `digits` decimals; n/a for what was not measured. */
export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}
