import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The blue/green story shipped with the package (`examples/bluegreen`), found from this module whether it
 * runs from src (tsx), from dist, or from an installed package.
 */
export function bundledExampleDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'examples', 'bluegreen');
    if (existsSync(join(candidate, 'cluster.json'))) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}
