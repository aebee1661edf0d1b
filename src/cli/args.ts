import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../errors.js';
import {
  CNI_SETTING_NAMES,
  isCniSettingName,
  type CniEnv,
  type CniSettingName,
} from '../cni/settings.js';

export class UsageError extends InputError {}

export type OutputFormat = 'text' | 'json';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with errors that name the flag and exit 2. */
export function parseFlags<T extends Options>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? 'bad arguments';
    throw new UsageError(message, { cause: err });
  }
}

export const OUTPUT_OPTION = { output: { type: 'string', short: 'o', default: 'text' } } as const;

export function outputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new UsageError(`--output: expected text or json, got ${JSON.stringify(value)}`);
}

export function intFlag(
  flag: string,
  value: string | undefined,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const range =
    max === Number.MAX_SAFE_INTEGER
      ? min > 0
        ? ` of at least ${min}`
        : ''
      : ` from ${min} to ${max}`;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${flag}: expected a whole number${range}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

export function requireFlag<T>(flag: string, value: T | undefined, hint = ''): T {
  if (value === undefined)
    throw new UsageError(`--${flag} is required${hint === '' ? '' : ` (${hint})`}`);
  return value;
}

/** `--cni KEY=VALUE` pairs: the names are the aws-node env names; values are parsed as the CNI would. */
export function cniFlags(values: readonly string[] | undefined): CniEnv {
  const env: Partial<Record<CniSettingName, string>> = {};
  for (const pair of values ?? []) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0) throw new UsageError(`--cni: expected KEY=VALUE, got ${JSON.stringify(pair)}`);
    if (!isCniSettingName(key)) {
      throw new UsageError(
        `--cni: unknown setting ${JSON.stringify(key)} (known: ${CNI_SETTING_NAMES.join(', ')})`,
      );
    }
    env[key] = pair.slice(eq + 1);
  }
  return env;
}
