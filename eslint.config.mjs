// ESLint (flat config): TypeScript rules that catch real bugs, and the import boundaries of
// ../shared/design/ARCHITECTURE.md ("Modules and who may import whom") as
// no-restricted-imports zones, one per layer. Formatting belongs to Prettier, not here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import specifiers (relative, as this code base writes them) that reach a layer's folder. */
const layer = (name) => [`../${name}`, `../${name}/**`, `../../${name}`, `../../${name}/**`, `../../../${name}`, `../../../${name}/**`];

/** One zone: files under `dir` may not import the listed layers (type-only imports count too). */
function zone(dir, forbidden, why) {
  return {
    files: [`src/${dir}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbidden.map((name) => ({ group: layer(name), message: `${dir}/ must not import ${name}/: ${why}` })),
            { group: ['@prisma/*', '**/generated/**'], message: `${dir}/ must not import Prisma: only db/ talks to the database` },
          ].filter((p) => !(dir === 'db' && p.group[0] === '@prisma/*')),
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'generated/**', 'node_modules/**', 'coverage/**', 'scratch/**', '.cache/**', 'models/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { project: false } },
    rules: {
      // `any` is sometimes the honest type at an untyped boundary (tfjs internals, worker messages).
      '@typescript-eslint/no-explicit-any': 'off',
      // tsc's noUnusedLocals/noUnusedParameters report these (with the same `_` convention).
      '@typescript-eslint/no-unused-vars': 'off',
      // Declaration merging and `namespace` for type-graphql / express augmentation.
      '@typescript-eslint/no-namespace': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Only src/config reads process.env: take the value as a parameter.' },
      ],
    },
  },
  // Scripts, tests, the CLI and the config module may read the environment.
  { files: ['src/config/**', 'src/cli/**', 'test/**', 'src/bench/**', 'src/runtime/**'], rules: { 'no-restricted-syntax': 'off' } },
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-non-null-assertion': 'off' } },
  // The layers (ARCHITECTURE.md). Leaves first.
  zone('config', ['errors', 'schema', 'resolvers', 'services', 'embedding', 'index', 'training', 'db', 'server', 'cli', 'bench'], 'config is a leaf'),
  zone('errors', ['config', 'schema', 'resolvers', 'services', 'embedding', 'index', 'training', 'db', 'server', 'cli', 'bench'], 'errors is a leaf'),
  zone('metric', ['schema', 'resolvers', 'services', 'embedding', 'index', 'training', 'db', 'server', 'cli', 'bench'], 'metric is a leaf'),
  zone('schema', ['resolvers', 'services', 'embedding', 'index', 'training', 'db', 'server', 'cli', 'bench'], 'schema holds GraphQL shapes only'),
  zone('resolvers', ['db', 'embedding', 'index', 'training', 'server', 'cli', 'bench'], 'resolvers call services only'),
  zone('services', ['resolvers', 'schema', 'server', 'cli', 'bench'], 'nothing below the API layer knows GraphQL or HTTP'),
  zone('embedding', ['index', 'db', 'services', 'resolvers', 'schema', 'server', 'training', 'cli', 'bench'], 'embedding never imports index, db, services or training'),
  zone('index', ['embedding', 'db', 'services', 'resolvers', 'schema', 'server', 'training', 'cli', 'bench'], 'the index works on Float32Arrays and labels only'),
  zone('training', ['index', 'db', 'services', 'resolvers', 'schema', 'server', 'cli', 'bench'], 'training reads data through its own data-source interface'),
  zone('db', ['embedding', 'services', 'resolvers', 'schema', 'server', 'training', 'cli', 'bench'], 'db knows rows, not models or the API'),
  zone('server', ['db', 'embedding', 'index', 'training', 'cli', 'bench'], 'the HTTP layer talks to services and resolvers'),
);
