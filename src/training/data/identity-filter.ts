import { readFileSync } from 'fs';
import { badInput } from '../../errors';
/**
 * Which identities of a dataset to use, e.g. ORL's s1–s30 for training and
 * s31–s40 for evaluation. A filter entry is one of:
 *
 * - a name: matches an identity whose relative path or last segment equals it (`s7`, `Greek/character03`)
 * - a numeric range `s1..s30`: same prefix, integer suffix within the bounds (inclusive)
 * - a regular expression in slashes `/^s([1-9]|[12][0-9]|30)$/`, tested against the relative path
 * - `@FILE`: the names listed in FILE, one per line (blank lines and `#` comments skipped): splits of
 *   thousands of people (LFW) that no command line holds
 *
 * Identities must match at least one include entry (when any is given) and no exclude entry.
 */
export interface IdentityFilter {
  include?: string[];
  exclude?: string[];
}

type Matcher = (relPath: string) => boolean;

export function compileEntry(entry: string): Matcher {
  const e = entry.trim();
  if (e.length > 2 && e.startsWith('/') && e.endsWith('/')) {
    const re = new RegExp(e.slice(1, -1));
    return (p) => re.test(p);
  }
  const range = /^(.*?)(\d+)\.\.(?:\1)?(\d+)$/.exec(e);
  if (range) {
    const [, prefix, lo, hi] = range;
    const re = new RegExp(`^${escape(prefix)}(\\d+)$`);
    return (p) => {
      const last = p.split('/').pop() ?? p;
      for (const cand of [p, last]) {
        const m = re.exec(cand);
        if (m && +m[1] >= +lo && +m[1] <= +hi) return true;
      }
      return false;
    };
  }
  return (p) => p === e || p.split('/').pop() === e;
}

/** Splits comma-separated CLI values into entries (a regex in slashes is kept whole). */
export function parseFilterList(values: readonly string[] | undefined): string[] | undefined {
  if (!values || values.length === 0) return undefined;
  const out: string[] = [];
  for (const v of values) {
    if (v.startsWith('/') && v.endsWith('/')) out.push(v);
    else if (v.startsWith('@')) out.push(...readNameFile(v.slice(1)));
    else
      out.push(
        ...v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
  }
  return out;
}

export function identityMatcher(filter: IdentityFilter | undefined): Matcher {
  const inc = (filter?.include ?? []).map(compileEntry);
  const exc = (filter?.exclude ?? []).map(compileEntry);
  return (p) => (inc.length === 0 || inc.some((m) => m(p))) && !exc.some((m) => m(p));
}

function readNameFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw badInput(`cannot read identity list ${file}: ${(e as Error).message}`);
  }
  const names = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (names.length === 0) throw badInput(`identity list ${file} is empty`);
  return names;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
