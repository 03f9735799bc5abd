import type { Request, Response } from 'express';
import type { Services } from '../services';

/**
 * GET /healthz: readiness facts. Answers from memory only (no database, no
 * decode), so no request in flight can hold it up.
 */
export function healthzHandler(services: Services, health?: () => Record<string, unknown>) {
  return (_req: Request, res: Response): void => {
    const m = services.model.active();
    res.json({ status: 'ok', modelVersion: m.version, indexedVectors: m.indexedVectors, ...(health?.() ?? {}) });
  };
}
