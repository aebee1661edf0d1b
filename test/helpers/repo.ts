import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whether this runs from test/ (tsx) or compiled into dist/ (the benchmark). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'examples', 'bluegreen')))
      return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the repository root from test/helpers');
}
