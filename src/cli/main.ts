/**
 * `siamese` command dispatcher. Each command lives in `<name>.command.ts` and
 * exports `run(argv: string[]): Promise<number>` plus a one-line `summary`.
 * Commands are loaded lazily so `siamese serve` never pays for the trainer's
 * imports and vice versa.
 */
const COMMANDS: Record<string, string> = {
  serve: './serve.command',
  train: './train.command',
  eval: './eval.command',
  ensemble: './ensemble.command',
  bench: './bench.command',
  import: './import.command',
  'emit-schema': './emit-schema.command',
};

interface CommandModule {
  run(argv: string[]): Promise<number>;
  summary: string;
}

function load(name: string): CommandModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(COMMANDS[name]) as CommandModule;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = ['usage: siamese <command> [options]   (siamese <command> --help for its options)', ''];
    for (const cmd of Object.keys(COMMANDS)) {
      let summary = '';
      try {
        summary = load(cmd).summary;
      } catch {
        summary = '(not available in this build)';
      }
      lines.push(`  ${cmd.padEnd(12)} ${summary}`);
    }
    console.log(lines.join('\n'));
    return name ? 0 : 2;
  }
  if (!(name in COMMANDS)) {
    console.error(`siamese: unknown command '${name}'. Try 'siamese --help'.`);
    return 2;
  }
  if (name === 'serve') {
    // Issue 13: a failed start is one line with its cause (no stack, no Prisma code frame).
    try {
      return await load(name).run(rest);
    } catch (e) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { describeStartupError } = require('../services/startup-errors') as typeof import('../services/startup-errors');
      console.error(`siamese-search: cannot start: ${describeStartupError(e)}`);
      return 1;
    }
  }
  return load(name).run(rest);
}
