// ESLint (flat config): TypeScript, Lit templates and web-component rules over src, tests, e2e,
// bench and scripts. Formatting is Prettier's job (npm run lint runs both).
import js from '@eslint/js';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-node/', 'node_modules/', 'test-results/', 'playwright-report/', 'docs/', 'public/', 'runs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  wc.configs['flat/recommended'],
  lit.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Lit elements are defined with @customElement; the decorator registers them.
      'wc/guard-super-call': 'off',
    },
  },
  {
    // Tests reach into page objects (window.__mnist, element internals) without types.
    files: ['e2e/**', 'test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
