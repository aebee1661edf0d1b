/**
 * Bad input from a user: a flag, a file or a field in it. The CLI prints the message on one line and
 * exits 2; the webhook answers 400. The message names where the problem is.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** A field path inside a document, as people write it: `spec.template.spec.containers[0].resources`. */
export function fieldPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

/** `file: field: problem`, the one line a person needs to find and fix bad input. */
export function inputError(source: string, field: string, problem: string): InputError {
  const where = field === '' ? source : `${source}: ${field}`;
  return new InputError(`${where}: ${problem}`);
}
