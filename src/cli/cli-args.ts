/**
 * Small helpers shared by the train/eval commands around node:util parseArgs:
 * typed number parsing with DomainErrors, and choice validation.
 */
import { DomainError, ErrorCode } from '../errors';

export function num(
  name: string,
  value: string | undefined,
  fallback: number,
  opts: { int?: boolean; min?: number; max?: number } = {},
): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (
    !Number.isFinite(v) ||
    (opts.int && !Number.isInteger(v)) ||
    (opts.min !== undefined && v < opts.min) ||
    (opts.max !== undefined && v > opts.max)
  ) {
    const range = [opts.min !== undefined ? `≥ ${opts.min}` : '', opts.max !== undefined ? `≤ ${opts.max}` : '']
      .filter(Boolean)
      .join(' and ');
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      `--${name} must be ${opts.int ? 'an integer' : 'a number'}${range ? ' ' + range : ''} (got '${value}')`,
    );
  }
  return v;
}

export function choice<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `--${name} must be one of ${allowed.join(', ')} (got '${value}')`);
  }
  return value as T;
}

/** `64` → 64×64; `92x112` → width 92, height 112. */
export function parseSize(value: string | undefined, fallback: { width: number; height: number }): { width: number; height: number } {
  if (value === undefined) return fallback;
  const m = /^(\d+)(?:[x×](\d+))?$/.exec(value.trim());
  if (!m) throw new DomainError(ErrorCode.BAD_USER_INPUT, `--input-size must be N or WxH (got '${value}')`);
  const width = +m[1];
  const height = m[2] ? +m[2] : width;
  if (width < 8 || height < 8 || width > 1024 || height > 1024)
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `--input-size out of range 8..1024 (got '${value}')`);
  return { width, height };
}

/** Quotes an argv for a copy-pasteable command line in the model card. */
export function shellJoin(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
