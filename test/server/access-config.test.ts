import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, loadConfig } from '../../src/config';

describe('access settings (SIAMESE_ANONYMOUS_ACCESS, SIAMESE_SEARCH_NAMES)', () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-access-config-'));
  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it('defaults to search without names: the privacy-respecting setting', () => {
    expect(loadConfig({}, cwd).access).toEqual({ anonymous: 'search', searchSeesNames: false });
  });

  it('reads none / search / read (any case) and the names switch', () => {
    expect(loadConfig({ SIAMESE_ANONYMOUS_ACCESS: 'none' }, cwd).access.anonymous).toBe('none');
    expect(loadConfig({ SIAMESE_ANONYMOUS_ACCESS: 'READ', SIAMESE_SEARCH_NAMES: 'true' }, cwd).access).toEqual({
      anonymous: 'read',
      searchSeesNames: true,
    });
  });

  it('refuses anything else, naming the variable (never silently more open)', () => {
    for (const v of ['admin', 'enroll', 'all', 'yes']) {
      expect(() => loadConfig({ SIAMESE_ANONYMOUS_ACCESS: v }, cwd)).toThrow(ConfigError);
      expect(() => loadConfig({ SIAMESE_ANONYMOUS_ACCESS: v }, cwd)).toThrow(/SIAMESE_ANONYMOUS_ACCESS must be none, search or read/);
    }
    expect(() => loadConfig({ SIAMESE_SEARCH_NAMES: 'maybe' }, cwd)).toThrow(/SIAMESE_SEARCH_NAMES/);
  });
});
