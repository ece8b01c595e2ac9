/**
 * zod stays out of the workflow bundle: the worker evaluates the bundle's modules once per cached
 * workflow, and zod with the schemas built from it cost about 1 MiB of heap per cached refund
 * (domain/refund-request.ts says why). This walks the value imports (not `import type`) from
 * workflows/index.ts, as webpack does, and finds every package the bundle would contain.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** Module specifiers a file imports for their values (`import type` and `export type` are erased). */
function valueImports(source: string): string[] {
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) {
    if (m[2]) continue; // import type / export type
    if (m[1] === 'export' && !m[3]) continue;
    // `import { type A, type B } from` imports no value either
    const clause = (m[3] ?? '').replace(/\s+from\s+$/, '').trim();
    const braces = /^\{([^}]*)\}$/.exec(clause);
    if (braces && braces[1]!.split(',').every((n) => n.trim() === '' || /^type\s/.test(n.trim()))) continue;
    out.push(m[4]!);
  }
  return out;
}

function walk(entry: string): { files: string[]; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of valueImports(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!existsSync(target)) throw new Error(`${relative(ROOT, file)} imports ${spec}: no such file`);
      queue.push(target);
    }
  }
  return { files: [...seen].map((f) => relative(ROOT, f)).sort(), packages };
}

describe('the workflow bundle', () => {
  const { files, packages } = walk(join(ROOT, 'workflows', 'index.ts'));

  it('reaches the workflow modules and the domain modules they use', () => {
    expect(files).toEqual(expect.arrayContaining(['workflows/refund.ts', 'workflows/handlers.ts', 'workflows/v1/refund.ts', 'domain/refund-request.ts', 'domain/operator-rules.ts']));
  });

  it('takes no value from a module that uses zod', () => {
    expect(files).not.toContain('domain/refund.ts');
    expect(files).not.toContain('domain/operator.ts');
    expect(files).not.toContain('domain/config.ts');
  });

  it('contains no package but the Temporal workflow SDK', () => {
    expect([...packages].sort()).toEqual(['@temporalio/common', '@temporalio/workflow']);
  });

  it('tells a type-only import from a value import', () => {
    expect(valueImports(`import type { A } from './a.js';\nimport { type B } from './b.js';\nimport { c, type D } from './c.js';\nexport { e } from './e.js';\nexport type { F } from './f.js';\nimport * as g from './g.js';`)).toEqual(['./c.js', './e.js', './g.js']);
  });
});
