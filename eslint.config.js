// Lint: type-aware TypeScript rules, plus the rule that keeps workflow code deterministic:
// nothing under workflows/ may import a Node built-in or an I/O library.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const forbiddenInWorkflows = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  'undici',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.temporal/**', '.data/**', 'coverage/**', '**/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts', 'examples/*/workflows.ts', 'test/integration/fixtures/nexus-callers.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: forbiddenInWorkflows.map((name) => ({
            name,
            message: 'workflows/ and domain/ must stay deterministic: no Node built-ins or I/O libraries.',
          })),
          patterns: [
            { group: ['**/activities/**'], allowTypeImports: true, message: 'workflows/ may import only types from activities/ (import type).' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'require'],
    },
  },
);
