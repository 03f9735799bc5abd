/**
 * Prisma CLI configuration (tooling only: the app never loads this file).
 *
 * `engine: 'js'` makes the CLI use the JavaScript schema engine over a driver adapter,
 * so generate / migrate deploy / db push / migrate diff work offline (the classic
 * engines are native binaries downloaded at install, which this project forbids).
 *
 * Provider selection: `SIAMESE_PRISMA_PROVIDER` (sqlite | postgresql) if set, else
 * derived from DATABASE_URL (postgres(ql):// → postgresql, anything else → sqlite).
 * The schema and migrations folder follow the provider: prisma/<provider>/.
 */
import path from 'node:path';
import { defineConfig } from 'prisma/config';

const databaseUrl = process.env.DATABASE_URL ?? 'file:./data/siamese.db';
const provider =
  process.env.SIAMESE_PRISMA_PROVIDER ??
  (/^postgres(ql)?:\/\//i.test(databaseUrl) ? 'postgresql' : 'sqlite');

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', provider, 'schema.prisma'),
  migrations: { path: path.join('prisma', provider, 'migrations') },
  async adapter() {
    if (provider === 'postgresql') {
      const { PrismaPg } = await import('@prisma/adapter-pg');
      const url = new URL(databaseUrl);
      const schema = url.searchParams.get('schema') ?? undefined;
      url.searchParams.delete('schema');
      return new PrismaPg({ connectionString: url.toString() }, schema ? { schema } : undefined);
    }
    const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
    return new PrismaBetterSQLite3({ url: databaseUrl });
  },
});
