import type { RequestHandler } from 'express';

/**
 * Apollo's CSRF prevention refuses "simple" requests (multipart/form-data
 * among them) unless they carry `Apollo-Require-Preflight` or
 * `X-Apollo-Operation-Name`. It does so after the body is parsed; checking
 * here first means a forged cross-site upload is never streamed in at all.
 */
export function multipartPreflightGuard(): RequestHandler {
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    const h = req.headers;
    if (h['apollo-require-preflight'] || h['x-apollo-operation-name']) return next();
    res.status(400).json({
      errors: [
        {
          message:
            'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). ' +
            'Multipart uploads must send a non-empty `Apollo-Require-Preflight` header.',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
  };
}

/**
 * A resolver that fails before reading every uploaded file leaves busboy
 * waiting on an unread file stream, which stops it reading the request and
 * keeps the connection busy after the response was sent (and stalls a
 * graceful shutdown). Once the response is finished, detach the parser and
 * drain whatever the client is still sending.
 */
export function drainUnreadUploads(): RequestHandler {
  return (req, res, next) => {
    if (req.is('multipart/form-data')) {
      res.once('finish', () => {
        if (!req.complete) {
          req.unpipe();
          req.resume();
        }
      });
    }
    next();
  };
}
