import { DEFAULT_MODEL_NAME, loadConfig } from '../config';
import { startServer } from '../main';

export const summary = 'serve the GraphQL API (verify, searchSimilar, enrollment) at http://HOST:PORT/graphql';

const HELP = `usage: siamese serve

Serves the GraphQL API and GraphiQL at http://localhost:$PORT/graphql.
Configuration comes from the environment (see README):
  PORT (4000), HOST (0.0.0.0), SIAMESE_DATA_DIR (./data), DATABASE_URL (SQLite under the data dir),
  SIAMESE_MODEL (default: models/${DEFAULT_MODEL_NAME}; a bare name is looked up under models/, or a path),
  SIAMESE_ADMIN_TOKEN (admin mutations are refused without it), NODE_ENV,
  SIAMESE_SHUTDOWN_GRACE_MS (10000: on SIGTERM/SIGINT, how long the orderly shutdown may take).`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const config = loadConfig();
  const server = await startServer(config);
  const served = server.internals.active.current;
  console.log(`siamese-search: serving model ${served.card.name} (version ${served.version}, ${served.dir}) at ${server.url}`);
  if (!config.adminToken) console.log('siamese-search: SIAMESE_ADMIN_TOKEN is not set: admin mutations are disabled');
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second signal while shutting down: the operator wants out now.
        console.error(`siamese-search: second ${signal} during shutdown: exiting now, in-flight work abandoned`);
        process.exit(1);
      }
      stopping = true;
      const grace = config.shutdownGraceMs;
      console.log(`siamese-search: ${signal}, shutting down (grace ${grace} ms; send it again to exit at once)`);
      // Armed but unref'd: it fires only if the shutdown outlives the grace, or if it finished
      // and something still holds the event loop open (then the exit is forced, with the code earned).
      let finished: number | undefined;
      setTimeout(() => {
        if (finished === undefined) {
          console.error(
            `siamese-search: shutdown grace of ${grace} ms expired: in-flight work abandoned, exiting (SIAMESE_SHUTDOWN_GRACE_MS)`,
          );
          process.exit(1);
        }
        process.exit(finished);
      }, grace).unref();
      server.close().then(
        () => {
          finished = 0;
          console.log('siamese-search: shutdown complete');
          resolve(0);
        },
        (e) => {
          finished = 1;
          console.error('siamese-search: shutdown failed:', e instanceof Error ? e.message : e);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
