/** The lint rule that keeps workflow code deterministic really fires (npm test runs eslint too). */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function messages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('workflows/ lint rule', () => {
  it.each(["import { readFileSync } from 'node:fs';", "import { request } from 'undici';", "import { randomUUID } from 'crypto';", "import { createActivities } from '../activities/index.js';"])(
    'refuses %s in workflows/',
    async (line) => {
      const found = await messages(`${line}\nexport const used = [${line.match(/\{ (\w+) \}/)![1]}];\n`, 'workflows/example.ts');
      expect(found.some((m) => m.startsWith('@typescript-eslint/no-restricted-imports'))).toBe(true);
    },
  );

  it('allows type-only imports from activities/ and the Temporal workflow API', async () => {
    const code = "import type { Activities } from '../activities/index.js';\nimport { sleep } from '@temporalio/workflow';\nexport type A = Activities;\nexport const s = sleep;\n";
    expect(await messages(code, 'workflows/example.ts')).toEqual([]);
  });

  it('does not restrict activities/ itself', async () => {
    expect(await messages("import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", 'activities/example.ts')).toEqual([]);
  });
});
