import { PassThrough } from 'node:stream';
import { ProgressBar, formatDuration, formatLine } from '../../src/cli/progress';
import { parseSize, shellJoin, num } from '../../src/cli/cli-args';

describe('progress bar', () => {
  it('formats a bar with fields and ETA', () => {
    const line = formatLine({ done: 5, total: 10, fields: { loss: '0.250', 'pairs/s': '80.0' }, etaSec: 125 }, 10);
    expect(line).toBe('[█████·····]  50% 5/10 · loss 0.250 · 80.0 pairs/s · ETA 2m05s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(9)).toBe('9s');
  });

  it('prints plain lines (no carriage returns) when not a TTY', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c) => (text += c));
    const bar = new ProgressBar(out as unknown as NodeJS.WriteStream, 10, 0);
    bar.update({ done: 1, total: 2 });
    bar.update({ done: 2, total: 2 });
    bar.done();
    expect(text).not.toContain('\r');
    expect(text.trim().split('\n')).toEqual(['50% 1/2', '100% 2/2']);
  });
});

describe('cli args', () => {
  it('parses sizes, numbers and quotes commands', () => {
    expect(parseSize('92x112', { width: 1, height: 1 })).toEqual({ width: 92, height: 112 });
    expect(parseSize('64', { width: 1, height: 1 })).toEqual({ width: 64, height: 64 });
    expect(() => parseSize('abc', { width: 1, height: 1 })).toThrow(/input-size/);
    expect(num('lr', '1e-3', 0)).toBe(0.001);
    expect(() => num('epochs', '1.5', 0, { int: true })).toThrow(/integer/);
    expect(shellJoin(['train', '--include', 's1..s30', '/^s(1|2)$/'])).toBe("train --include s1..s30 '/^s(1|2)$/'");
  });
});
