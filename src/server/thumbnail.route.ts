import type { RequestHandler, Response } from 'express';
import type { Config } from '../config';
import { ErrorCode, isDomainError } from '../errors';
import type { Logger, Services } from '../services';
import { thumbnailSize } from '../services/thumbnail.service';
import { createRequestContext } from './request-context';

/**
 * GET /thumbnails/:imageId?size=96 — a JPEG preview of an enrolled image (issue 15, for the
 * console). Role read, checked by the same code as GraphQL (request-context.ts): an enrolled
 * photo is personal data, exactly like Identity.images. Never public, so never cached by shared
 * caches (`private`), and revalidated on every use (`no-cache` + ETag → 304): a deleted image
 * answers 404 at once instead of living on in a browser cache.
 */
export function thumbnailRoute(deps: { config: Readonly<Config>; services: Services; logger: Logger }): RequestHandler {
  const { config, services, logger } = deps;
  return async (req, res) => {
    try {
      const ctx = await createRequestContext(services, config, {
        authorization: req.headers.authorization,
        clientId: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      });
      ctx.require('read');
      const size = thumbnailSize(req.query.size);
      const imageId = String(req.params.imageId);
      res.set({ 'Cache-Control': 'private, no-cache', Vary: 'Authorization', 'X-Content-Type-Options': 'nosniff' });
      const etag = await services.thumbnails.etag(imageId, size);
      if (req.headers['if-none-match'] === etag) {
        res.set('ETag', etag).status(304).end();
        return;
      }
      const { thumbnail } = await services.thumbnails.render(imageId, size);
      res.set({ ETag: etag, 'Content-Type': thumbnail.mimeType, 'Content-Length': String(thumbnail.bytes.byteLength) });
      res.status(200).end(Buffer.from(thumbnail.bytes.buffer, thumbnail.bytes.byteOffset, thumbnail.bytes.byteLength));
    } catch (e) {
      sendError(res, e, logger);
    }
  };
}

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.ADMIN_DISABLED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.SERVER_BUSY]: 503,
  [ErrorCode.STORAGE_UNAVAILABLE]: 503,
};

/** The GraphQL error shape (one parser for clients), with the HTTP status that code means. */
function sendError(res: Response, e: unknown, logger: Logger): void {
  res.removeHeader('ETag');
  if (isDomainError(e)) {
    res.status(STATUS[e.code] ?? 500).json({ errors: [{ message: e.message, extensions: { ...e.details, code: e.code } }] });
    return;
  }
  logger.error('thumbnail failed', { error: e instanceof Error ? e.message : String(e) });
  res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
}
