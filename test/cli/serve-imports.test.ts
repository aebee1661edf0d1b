import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers/repo.js';

/** The client libraries only live state needs: about 110 MiB resident once loaded. */
const LIVE_ONLY = ['@kubernetes/client-node', '@aws-sdk/client-ec2'];

/**
 * The modules a file loads when it is loaded: static imports and re-exports that are not type-only,
 * followed through the repository's own files. `import('…')` inside a function is not followed.
 */
function staticGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [entry];
  const statement = /^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gms;
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (graph.has(file)) continue;
    const deps: string[] = [];
    for (const m of readFileSync(file, 'utf8').matchAll(statement)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) {
        const dep = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        deps.push(dep);
        pending.push(dep);
      } else deps.push(spec);
    }
    graph.set(file, deps);
  }
  return graph;
}

test('serve --snapshot loads neither the Kubernetes nor the AWS client', () => {
  const root = repoRoot();
  for (const entry of ['src/cli/main.ts', 'src/cli/commands/serve.ts']) {
    const graph = staticGraph(join(root, entry));
    for (const [file, deps] of graph) {
      for (const lib of LIVE_ONLY)
        assert.ok(
          !deps.some(d => d === lib || d.startsWith(`${lib}/`)),
          `${relative(root, file)} loads ${lib} whenever ${entry} is loaded: import it where live state starts`,
        );
    }
  }
  // The check itself follows the graph, and sees those imports where they are.
  assert.ok(staticGraph(join(root, 'src/cli/commands/serve.ts')).size > 20);
  const live = staticGraph(join(root, 'src/state/live-source.ts'));
  const seen = [...live.values()].flat();
  for (const lib of LIVE_ONLY) assert.ok(seen.includes(lib), `live-source reaches ${lib}`);
});
