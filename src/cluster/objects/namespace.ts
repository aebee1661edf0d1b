import type { Namespace } from '../model.js';
import type { Reader } from '../reader.js';
import { readMeta } from './meta.js';

export function projectNamespace(obj: Reader): Namespace {
  const meta = readMeta(obj, false);
  return { name: meta.name, labels: meta.labels, annotations: meta.annotations };
}
