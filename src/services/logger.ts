/**
 * A tiny structured logger (one JSON line per event on stderr). Never pass
 * image bytes or tokens in `meta`: logs are read by more people than the data.
 */
export interface Logger {
  info(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export function createLogger(
  level: 'silent' | 'error' | 'info',
  sink: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Logger {
  const emit = (lvl: string, message: string, meta?: Record<string, unknown>) =>
    sink(JSON.stringify({ time: new Date().toISOString(), level: lvl, message, ...(meta ?? {}) }));
  return {
    info: (m, meta) => {
      if (level === 'info') emit('info', m, meta);
    },
    error: (m, meta) => {
      if (level !== 'silent') emit('error', m, meta);
    },
  };
}

export const silentLogger: Logger = { info: () => undefined, error: () => undefined };
