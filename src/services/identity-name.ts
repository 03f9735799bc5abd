import { badInput } from '../errors';

/**
 * Identity names are unique up to how people perceive them: 'Zoë' typed with a
 * precomposed ë (NFC) and with e + combining diaeresis (NFD), 'ＡＢＣ' in
 * full-width and 'abc', 'Ada  Lovelace' and 'ada lovelace' are the same
 * person to a reader, so they share one key (Identity.nameKey, unique in the
 * database).
 *
 * The key is, in order:
 *   1. NFKC: canonical + compatibility composition (full-width, ligatures such
 *      as 'ﬁ', superscripts, the NFD/NFC split all collapse);
 *   2. a full case fold, approximated locale-independently by
 *      toUpperCase().toLowerCase(): unlike toLowerCase() alone it maps
 *      'ß' → 'ss' as Unicode's full case folding (CaseFolding.txt, status
 *      C+F) does, so 'Straße' and 'STRASSE' are one name (a German reader
 *      treats them as the same spelling), and Greek σ/ς spellings of a word
 *      agree (lower-casing re-applies the final-sigma rule). No locale is
 *      used: Turkish 'İ' folds to 'i̇' (i + combining dot), as in CaseFolding.txt.
 *   3. NFKC again (case mapping can produce decomposed sequences, e.g. 'İ' → 'i̇');
 *   4. invisible format characters dropped (zero-width space, word joiner,
 *      BOM, soft hyphen: pasted from documents, never meant as part of a name;
 *      ZWJ/ZWNJ are kept, they change how Indic and Persian names render);
 *   5. every run of whitespace collapsed to one space, then trimmed.
 *
 * The stored display name is the given one, trimmed and NFC-composed (the
 * same letters the client sent; only the encoding of accents is unified).
 */
const INVISIBLE = /[\u00AD\u200B\u2060\uFEFF]/g;
const CONTROL = /\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;

export function identityNameKey(name: string): string {
  const folded = name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
  return folded.replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim();
}

/**
 * Checks a name given by a client (or a folder name from `siamese import`) and
 * returns the display name and its key. Refused (BAD_USER_INPUT, argument
 * 'name'): ill-formed UTF-16, control characters (newlines, NUL, tabs: not
 * part of anyone's name and a hazard in logs and CSV exports), and names
 * that are empty once whitespace and invisible characters are removed.
 */
export function checkIdentityName(raw: string): { name: string; nameKey: string } {
  if (LONE_SURROGATE.test(raw)) throw badInput('name is not well-formed Unicode (a lone UTF-16 surrogate)', { argument: 'name' });
  if (CONTROL.test(raw)) throw badInput('name must not contain control characters (newline, tab, NUL…)', { argument: 'name' });
  const nameKey = identityNameKey(raw);
  if (nameKey === '') throw badInput('name must not be blank (only whitespace or invisible characters)', { argument: 'name' });
  return { name: raw.normalize('NFC').trim(), nameKey };
}
