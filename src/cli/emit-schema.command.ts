import * as fs from 'fs';
import * as path from 'path';
import { buildGraphQLSchema, schemaToSdl } from '../server/schema';

export const summary = 'write the GraphQL schema (SDL) to schema.graphql, or --check that it is current';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      'usage: siamese emit-schema [--out FILE] [--check]\n  --out    where to write (default ./schema.graphql)\n  --check  exit 1 when FILE differs from the code',
    );
    return 0;
  }
  const outAt = argv.indexOf('--out');
  const out = path.resolve(outAt >= 0 && argv[outAt + 1] ? argv[outAt + 1] : 'schema.graphql');
  const sdl = schemaToSdl(await buildGraphQLSchema());
  if (argv.includes('--check')) {
    const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    if (current !== sdl) {
      console.error(`${out} is out of date: run \`npx siamese emit-schema\``);
      return 1;
    }
    console.log(`${out} is up to date`);
    return 0;
  }
  fs.writeFileSync(out, sdl);
  console.log(`wrote ${out}`);
  return 0;
}
