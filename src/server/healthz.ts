import type { Request, Response } from 'express';
import type { Services } from '../services';

/**
 * GET /healthz: readiness facts. Answers from memory only (no database, no
 * decode, no filesystem), so no request in flight and no stuck disk can hold it up.
 *
 * `status` is 'degraded' while the last write to the database or to the saved
 * index failed (full disk, read-only storage; `storage` lists each area, its
 * problem and since when) and 'ok' again after the next successful write. The
 * HTTP status stays 200: searches and reads keep working, so a load balancer
 * should keep routing them here; alerting reads `status`.
 */
export function healthzHandler(services: Services, health?: () => Record<string, unknown>) {
  return (_req: Request, res: Response): void => {
    const m = services.model.active();
    const storage = services.storage?.snapshot();
    res.json({
      ...(health?.() ?? {}),
      status: storage?.status ?? 'ok',
      ...(storage?.status === 'degraded' ? { reason: 'storage', storage: storage.storage } : {}),
      modelVersion: m.version,
      indexedVectors: m.indexedVectors,
      // SIAMESE_COMPANION_MODEL: which companion serves with this version (replicas must agree), absent without one.
      ...(m.companion ? { companionVersion: m.companion.version, companionFromReferences: m.companion.fromReferences } : {}),
    });
  };
}
