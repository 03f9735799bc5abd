import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The checker is a plain Node script (npm run check runs it without a TypeScript step).

const table = require('../../scripts/check-config-table.js') as {
  variablesInCode(source: string): Set<string>;
  variablesInReadme(readme: string): Set<string>;
  compare(root?: string): { code: string[]; missingFromReadme: string[]; unknownInReadme: string[] };
};

describe('README configuration table (issue 14)', () => {
  it('documents every variable src/config reads, and nothing else', () => {
    const r = table.compare();
    expect(r.code.length).toBeGreaterThan(20);
    expect(r.missingFromReadme).toEqual([]);
    expect(r.unknownInReadme).toEqual([]);
  });

  it('finds variables in the reader calls and env accesses of a config source', () => {
    const src = "const a = r.int('PORT', 4000, 0, 1); const b = r.str('HOST'); const c = env.NODE_ENV; const d = env['X_Y'];";
    expect([...table.variablesInCode(src)].sort()).toEqual(['HOST', 'NODE_ENV', 'PORT', 'X_Y']);
  });

  it('reads only the first column of the table, several names per row allowed', () => {
    const readme = [
      '# T',
      '## Configuration (environment)',
      '| Variable | Default | Meaning |',
      '|---|---|---|',
      '| `A_B` / `C` | 1 | uses `NOT_THIS` |',
      '',
      '## Next',
      '| `LATER` | x | y |',
    ].join('\n');
    expect([...table.variablesInReadme(readme)].sort()).toEqual(['A_B', 'C']);
  });

  it('reports a variable missing from the README of a checkout', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'config-table-'));
    fs.mkdirSync(path.join(root, 'src', 'config'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src', 'config', 'config.ts'), "r.str('ONE'); r.int('TWO', 1, 0, 2);");
    fs.writeFileSync(
      path.join(root, 'README.md'),
      '## Configuration (environment)\n| V | D | M |\n|---|---|---|\n| `ONE` | - | - |\n| `OLD` | - | - |\n',
    );
    expect(table.compare(root)).toEqual({ code: ['ONE', 'TWO'], missingFromReadme: ['TWO'], unknownInReadme: ['OLD'] });
  });
});
