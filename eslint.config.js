import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TEMP_DIR_MESSAGE =
  'Use tempDir(t, prefix) from test/helpers/temp.ts: it removes the directory when the test ends, passed or failed.';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The pure core must stay free of I/O, clocks and logging: it takes plain data and returns plain data.
    files: ['src/cni/**', 'src/cluster/**', 'src/simulate/**', 'src/policy/**', 'src/report/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Hashing is computation, not I/O: template digests need a hash no one can collide.
              group: [
                'node:*',
                '!node:crypto',
                'fs',
                'http',
                'https',
                'net',
                'os',
                'child_process',
              ],
              message: 'The core does no I/O.',
            },
            {
              group: [
                'pino',
                'fastify',
                '@kubernetes/*',
                '@aws-sdk/*',
                'node-cache',
                'prom-client',
              ],
              message: 'The core does not depend on adapters.',
            },
            {
              group: ['**/kube/**', '**/ec2/**', '**/http/**', '**/cli/**', '**/state/**'],
              message: 'Dependencies point inwards: adapters import the core, not the reverse.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'The core reads no environment.' },
        { name: 'console', message: 'The core does not log.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'The core is deterministic.' },
        { object: 'Date', property: 'now', message: 'The core takes time as a parameter.' },
        { object: 'performance', property: 'now', message: 'The core takes time as a parameter.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'The core takes time as a parameter.',
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // node:assert's strict helpers narrow types; guards after them read well in tests.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Tests edit captured AdmissionReviews in place; typing every fixture field would hide the intent.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' },
          ],
        },
      ],
    },
  },
  {
    // A temp dir a test makes and does not remove stays in a user's or CI machine's /tmp after every
    // run; tempDir() registers the removal in the same call, so it cannot be forgotten.
    files: ['test/**'],
    ignores: ['test/helpers/temp.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        ...['node:fs', 'fs', 'node:fs/promises', 'fs/promises'].map(name => ({
          name,
          importNames: ['mkdtemp', 'mkdtempSync'],
          message: TEMP_DIR_MESSAGE,
        })),
        { name: 'node:os', importNames: ['tmpdir'], message: TEMP_DIR_MESSAGE },
        { name: 'os', importNames: ['tmpdir'], message: TEMP_DIR_MESSAGE },
      ],
      'no-restricted-properties': [
        'error',
        { property: 'mkdtemp', message: TEMP_DIR_MESSAGE },
        { property: 'mkdtempSync', message: TEMP_DIR_MESSAGE },
        { property: 'tmpdir', message: TEMP_DIR_MESSAGE },
      ],
    },
  },
);
