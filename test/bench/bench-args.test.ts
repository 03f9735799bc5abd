import * as path from 'node:path';
import { parseBenchArgs, type BenchOptions } from '../../src/bench/bench-args';

const parse = (...argv: string[]) => parseBenchArgs(argv, '/work/proj') as BenchOptions;

test('defaults: every part, table output, the peer beside the project with 2 threads', () => {
  const o = parse();
  expect(o.parts).toEqual(['seed', 'default', 'face', 'http', 'index']);
  expect(o).toMatchObject({ json: false, full: false, help: false });
  expect(o.peer).toEqual({
    enabled: true,
    python: '/usr/bin/python3',
    script: path.resolve('/work/shared/peers/torch_seed_speed.py'),
    threads: 2,
  });
  expect(o.instances).toBeGreaterThanOrEqual(1);
});

test('--only is repeatable and takes comma lists; parts keep the documented order', () => {
  expect(parse('--only', 'index', '--only', 'seed').parts).toEqual(['seed', 'index']);
  expect(parse('--only=http,default').parts).toEqual(['default', 'http']);
  expect(parse('--only', 'seed,seed').parts).toEqual(['seed']);
  expect(parse('--only', 'http', '--only', 'face').parts).toEqual(['face', 'http']);
});

test('flags and values', () => {
  const o = parse('--json', '--full', '--instances', '3', '--peer-threads=4', '--python', '/opt/py', '--peer', 'p.py', '--no-peer');
  expect(o).toMatchObject({ json: true, full: true, instances: 3 });
  expect(o.peer).toEqual({ enabled: false, python: '/opt/py', script: path.resolve('/work/proj/p.py'), threads: 4 });
});

test('errors name the problem', () => {
  expect(parseBenchArgs(['--only', 'gpu'], '/')).toEqual({ error: expect.stringContaining("unknown part 'gpu'") });
  expect(parseBenchArgs(['--only'], '/')).toEqual({ error: '--only needs a part name' });
  expect(parseBenchArgs(['--instances', '0'], '/')).toEqual({ error: expect.stringContaining('positive integer') });
  expect(parseBenchArgs(['--fast'], '/')).toEqual({ error: "unknown option '--fast'" });
});
