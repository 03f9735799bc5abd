import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';

/**
 * What happens on a machine without the native module: the registry falls back
 * to wasm with one log line, and the install step (scripts/build-native.js)
 * exits 0 with one warning when the compiler is hidden.
 */
const ROOT = path.resolve(__dirname, '..', '..');

describe('without the native module', () => {
  it("'auto' falls back to wasm and says so in exactly one line", async () => {
    const lines: string[] = [];
    const missing = path.join(os.tmpdir(), 'no-such-dir', 'siamese_native.node');
    const name = await initBackend('auto', { nativeAddonFile: missing, log: (l) => lines.push(l) });
    expect(name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/native kernels unavailable .*was not built.*: using the wasm backend/);
    // A later 'auto' does not repeat it.
    await initBackend('auto', { nativeAddonFile: missing, log: (l) => lines.push(l) });
    expect(lines).toHaveLength(1);
  });

  it("an explicit 'native' that cannot load throws instead of switching silently", async () => {
    const missing = path.join(os.tmpdir(), 'no-such-dir', 'siamese_native.node');
    await expect(initBackend('native', { nativeAddonFile: missing })).rejects.toThrow(/native: .*was not built/);
  });

  it('the install step exits 0 with one warning when the C++ compiler is hidden', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-native-'));
    try {
      fs.cpSync(path.join(ROOT, 'native', 'binding.gyp'), path.join(dir, 'binding.gyp'));
      fs.cpSync(path.join(ROOT, 'native', 'src'), path.join(dir, 'src'), { recursive: true });
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-native.js'), '--dir', dir, '--force'], {
        env: { ...process.env, CXX: '/nonexistent/c++', CC: '/nonexistent/cc', LINK: '/nonexistent/c++' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status).toBe(0);
      const warnings = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('[native]'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/WARNING: native kernels not built .*wasm backend/);
      expect(fs.existsSync(path.join(dir, 'build', 'Release', 'siamese_native.node'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
