import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.serverless/', '.esbuild/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `import { z }` keeps all of zod in every bundle (its locales alone are 258 KB); the
      // namespace import lets esbuild drop what a function does not use.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z']",
          message: "Use import * as z from 'zod'.",
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'it', property: 'only', message: 'A focused test hides the others.' },
        { object: 'it', property: 'skip', message: 'A skipped test is not a pass.' },
        { object: 'describe', property: 'only', message: 'A focused test hides the others.' },
        { object: 'describe', property: 'skip', message: 'A skipped test is not a pass.' },
        { object: 'test', property: 'only', message: 'A focused test hides the others.' },
        { object: 'test', property: 'skip', message: 'A skipped test is not a pass.' },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // What the Lambda bundles import: zod/mini through lib/core/validation.ts, which loads its
    // messages; classic zod would add 95 KB to every bundle that reaches it.
    files: ['functions/**/*.ts', 'lib/core/**/*.ts'],
    ignores: ['lib/core/validation.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['zod', 'zod/mini'].map((name) => ({
            name,
            message: "Use import * as z from 'lib/core/validation.js' (zod/mini with its English messages).",
          })),
        },
      ],
    },
  },
  prettier,
);
