import { DEFAULT_MODEL_NAME, loadConfig } from '../config';
import { startServer } from '../main';

export const summary = 'serve the GraphQL API (verify, searchSimilar, enrollment) at http://HOST:PORT/graphql';

const HELP = `usage: siamese serve

Serves the GraphQL API and GraphiQL at http://localhost:$PORT/graphql.
Configuration comes from the environment (see README):
  PORT (4000), HOST (0.0.0.0), SIAMESE_DATA_DIR (./data), DATABASE_URL (SQLite under the data dir),
  SIAMESE_MODEL (default: models/${DEFAULT_MODEL_NAME}; a bare name is looked up under models/, or a path),
  SIAMESE_ADMIN_TOKEN (admin mutations are refused without it), NODE_ENV.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const config = loadConfig();
  const server = await startServer(config);
  console.log(`siamese-search: serving model ${server.internals.active.current.version} at ${server.url}`);
  if (!config.adminToken) console.log('siamese-search: SIAMESE_ADMIN_TOKEN is not set: admin mutations are disabled');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`siamese-search: ${signal}, shutting down`);
      server.close().then(resolve, (e) => {
        console.error(e);
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
