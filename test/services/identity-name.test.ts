import { ErrorCode } from '../../src/errors';
import { checkIdentityName, identityNameKey } from '../../src/services/identity-name';

/**
 * The name key, by hand: each expected value below is written out code point by code point
 * from the Unicode tables (NFKC, full case folding), not computed by the function under test.
 */
describe('identity name key (NFKC + full case fold + spacing)', () => {
  it('NFC and NFD spellings of Zoë share one key: z o ë(U+00EB)', () => {
    const nfc = 'Zo\u00eb';
    const nfd = 'Zoe\u0308';
    expect(nfc).not.toBe(nfd);
    expect(identityNameKey(nfc)).toBe('zo\u00eb');
    expect(identityNameKey(nfd)).toBe('zo\u00eb');
  });

  it('full-width ＡＢＣ (U+FF21..FF23) is abc; the ﬁ ligature is fi; superscript ² is 2', () => {
    expect(identityNameKey('\uff21\uff22\uff23')).toBe('abc');
    expect(identityNameKey('\ufb01le')).toBe('file');
    expect(identityNameKey('x\u00b2')).toBe('x2');
  });

  it('decision: Straße and STRASSE are the same name (full folding maps ß to ss)', () => {
    expect(identityNameKey('Stra\u00dfe')).toBe('strasse');
    expect(identityNameKey('STRASSE')).toBe('strasse');
    // toLowerCase alone would keep them apart:
    expect('Stra\u00dfe'.toLowerCase()).not.toBe('STRASSE'.toLowerCase());
  });

  it('Greek words agree whatever sigma form was typed', () => {
    expect(identityNameKey('\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3')).toBe('\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2');
    expect(identityNameKey('\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c3')).toBe('\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2');
  });

  it('whitespace runs (NBSP, ideographic space, tabs) collapse to one space and are trimmed; invisible characters drop', () => {
    expect(identityNameKey('  Ada\u00a0\u3000 Lovelace ')).toBe('ada lovelace');
    expect(identityNameKey('A\u200bd\u00ada\ufeff')).toBe('ada');
    // ZWNJ is kept: it changes how Persian names render.
    expect(identityNameKey('\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645')).toContain('\u200c');
  });

  it('keeps distinct names distinct', () => {
    expect(identityNameKey('Ada')).not.toBe(identityNameKey('Adam'));
    expect(identityNameKey('Zoe')).not.toBe(identityNameKey('Zo\u00eb'));
    expect(identityNameKey('Ada Lovelace')).not.toBe(identityNameKey('AdaLovelace'));
  });
});

describe('checkIdentityName', () => {
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as { code?: string; details?: Record<string, unknown> }).code;
    }
    return 'accepted';
  };

  it('returns the NFC, trimmed display name and the key', () => {
    expect(checkIdentityName('  E\u0301va ')).toEqual({ name: '\u00c9va', nameKey: '\u00e9va' });
  });

  it.each([
    ['empty', ''],
    ['spaces', '   '],
    ['zero-width spaces', '\u200b\u200b'],
    ['NUL', 'a\u0000b'],
    ['newline', 'Ada\nLovelace'],
    ['tab', 'Ada\tLovelace'],
    ['DEL', 'Ada\u007f'],
    ['lone high surrogate', 'Ada\ud83d'],
    ['lone low surrogate', '\ude00Ada'],
  ])('refuses %s with BAD_USER_INPUT', (_, name) => {
    expect(codeOf(() => checkIdentityName(name))).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('accepts a surrogate pair (emoji) and non-Latin scripts', () => {
    expect(codeOf(() => checkIdentityName('Ada \ud83d\ude00'))).toBe('accepted');
    expect(checkIdentityName('\u674e\u5c0f\u9f99').nameKey).toBe('\u674e\u5c0f\u9f99');
  });
});
