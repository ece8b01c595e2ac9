/**
 * The client package's boundaries, checked without building it: its dependencies are the root's
 * versions (one tree, tested together), and client/ and nexus/service.ts never reach worker/,
 * activities/ (but the Secret) or workflow code (what npm pack ships is checked by
 * test/integration/client-package.test.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as { dependencies: Record<string, string>; version?: string };

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) => {
    const p = join(dir, f);
    return statSync(join(ROOT, p)).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every file of ours reachable from `entry` through relative imports (type-only ones too: tsc emits them). */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(join(ROOT, file), 'utf8');
    for (const m of src.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), m[1]!)).replace(/\.js$/, '.ts');
      visit(target);
    }
  };
  visit(entry);
  return seen;
}

describe('the client package', () => {
  it('depends on the versions the repository is tested with', () => {
    const pkg = json('packages/client/package.json');
    const root = json('package.json');
    for (const [name, version] of Object.entries(pkg.dependencies)) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
      const installed = json(`node_modules/${name}/package.json`).version;
      expect(version, name).toBe(root.dependencies[name] ?? installed);
      expect(installed, name).toBe(version);
    }
  });

  it('client/ and the Nexus service definition reach no worker, activity or workflow code', () => {
    const files = new Set([...reachable('client/index.ts'), ...reachable('nexus/service.ts')]);
    const outside = [...files].filter((f) => /^(worker|sandbox|scripts|bench|test)\//.test(f) || (f.startsWith('workflows/') && !['workflows/messages.ts', 'workflows/search-attributes.ts'].includes(f)) || (f.startsWith('activities/') && f !== 'activities/secret.ts'));
    expect(outside).toEqual([]);
    expect(files.has('client/refunds-client.ts')).toBe(true);
    expect(files.has('domain/refund.ts') && files.has('workflows/messages.ts')).toBe(true);
    // And no file of client/ imports worker/ at all (the CLI and the API included).
    const offenders = tsFiles('client').filter((f) => /from\s+'(\.\.\/)+worker\//.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
