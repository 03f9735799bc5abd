import type { RequestHandler } from 'express';
import { ErrorCode } from '../errors';

/** What the door needs to know about the image-decoding queue (DecodeAdmission.stats / retryAfterMs). */
export interface DecodeLoad {
  /** A heavy image job arriving now would be refused with SERVER_BUSY. */
  saturated: boolean;
  /** The retry hint such a refusal would carry (ms). */
  retryAfterMs: number;
  /** Heavy jobs the decode budget and its queue hold together: the most large bodies read at once. */
  heavyJobSlots: number;
}

export interface ShedWhenBusyOptions {
  /** Bodies larger than this (bytes), or of unknown length, are refused while `load()` is saturated; 0 turns shedding off. */
  maxBytes: number;
  /** The decode queue's state, read once per large request (in memory, no I/O). */
  load: () => DecodeLoad;
  /**
   * Most bytes of an unread body drained off the socket after the refusal, so the connection
   * can be reused (keep-alive) and the client reads the answer rather than a reset. A body
   * declared larger is answered with `Connection: close`; an undeclared one that grows past it
   * has its socket destroyed.
   */
  drainLimitBytes: number;
}

/**
 * Load shedding at the door (issue 13, item 4): a POST /graphql carrying a large body (base64
 * images in JSON, or a multipart upload) costs the event loop ~150 ms per 4.6 MB before the
 * decode queue ever sees it (measured: JSON.parse ~45 ms, the base64 alphabet check ~100 ms),
 * and with 32 clients most of them were then refused by the full queue: that parsing is what
 * held /healthz up for seconds. The door refuses such a request before reading its body when
 *
 * - the decode queue is saturated (a heavy job arriving now would be refused), or
 * - as many large bodies as the queue holds heavy jobs (`heavyJobSlots`, 5 with the defaults)
 *   are already being read, parsed, queued or decoded: one more could only be refused later,
 *   after its parse.
 *
 * The answer is HTTP 503 with a Retry-After header and SERVER_BUSY (with `retryAfterMs`) in
 * the GraphQL error shape. Small requests (queries, thumbnails, ordinary photos under the
 * threshold) and GETs always pass: the queue itself still decides for them.
 */
export function shedLargeBodiesWhenBusy(opts: ShedWhenBusyOptions): RequestHandler {
  let largeInFlight = 0;
  return (req, res, next) => {
    if (opts.maxBytes <= 0 || req.method !== 'POST') return next();
    const declared = declaredLength(req.headers['content-length']);
    if (declared !== undefined && declared <= opts.maxBytes) return next();
    const load = opts.load();
    if (!load.saturated && largeInFlight < load.heavyJobSlots) {
      largeInFlight++;
      // 'close' comes once per response, answered or aborted.
      res.once('close', () => largeInFlight--);
      return next();
    }

    const retryAfterMs = Math.max(1, Math.round(load.retryAfterMs));
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    const drain = declared !== undefined && declared <= opts.drainLimitBytes;
    if (drain || declared === undefined) {
      // Node reads the rest of an unread body off the socket once the answer is sent; count it,
      // so an undeclared (chunked) body cannot keep the connection busy without end.
      let drained = 0;
      req.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > opts.drainLimitBytes) req.socket.destroy();
      });
    } else {
      res.setHeader('Connection', 'close');
    }
    res
      .status(503)
      .set('Retry-After', String(retryAfterSeconds))
      .json({
        errors: [
          {
            message: `the server is busy decoding images: a request body over ${opts.maxBytes} bytes is refused until the queue has room; retry in ${retryAfterMs} ms`,
            extensions: { code: ErrorCode.SERVER_BUSY, retryAfterMs },
          },
        ],
      });
    // Start draining at once: nothing else will read this body.
    req.resume();
  };
}

function declaredLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header);
}
