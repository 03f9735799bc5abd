import * as fs from 'fs';
import * as path from 'path';
import express, { type RequestHandler } from 'express';

/**
 * The web console (issue 15): the static bundle esbuild writes to console/dist at build time
 * (`npm run build:console`, run by scripts/prepare.js), served from this server so it works
 * offline and needs no CORS. Everything it shows comes through /graphql and /thumbnails under
 * the caller's own credentials: serving the files themselves needs no role.
 *
 * Headers:
 * - a strict Content-Security-Policy: scripts, styles, images and connections from this origin
 *   only (plus data:/blob: images for the photos the user picks), no inline script, no framing;
 *   the admin token lives in sessionStorage, so no third-party code may ever run beside it;
 * - `no-cache` + ETag: file names carry no hash, so every load revalidates (a 304 is cheap)
 *   and a new build is picked up at once.
 */
export const CONSOLE_PATH = '/console';
export const CONSOLE_DIST = path.resolve(__dirname, '..', '..', 'console', 'dist');

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function consoleRoute(dir: string = CONSOLE_DIST): RequestHandler {
  const files = express.static(dir, {
    index: 'index.html',
    etag: true,
    lastModified: false,
    setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
  });
  return (req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!fs.existsSync(path.join(dir, 'index.html'))) {
      res
        .status(503)
        .type('text/plain')
        .send('The console is not built: run `npm run build:console` (npm install runs it through scripts/prepare.js).\n');
      return;
    }
    files(req, res, next);
  };
}

/** GET / → the console. */
export const redirectToConsole: RequestHandler = (_req, res) => res.redirect(302, `${CONSOLE_PATH}/`);
