/**
 * The body parser of image uploads (RELIABILITY.md 18): image/png, image/jpeg and image/webp bodies are
 * read into memory — never to a file named by the client — up to `maxBytes` (a larger declared
 * Content-Length is refused before reading; a body growing past the limit is cut off: 413), and a body
 * that stalls for `idleMs` is dropped with 408. Other content types get 415 from fastify.
 */
import type { FastifyInstance } from 'fastify';
import { ConvlensError, ErrorCodes } from '../../core/errors.ts';

export const UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

export interface UploadParserOptions {
  maxBytes: number;
  /** Longest pause between two chunks of an upload before it is dropped (ms). */
  idleMs: number;
}

/** An error carrying its HTTP status (read by the server's error handler). */
export function httpError(status: number, code: ConstructorParameters<typeof ConvlensError>[0], message: string, hint?: string): ConvlensError & { statusCode: number } {
  const e = new ConvlensError(code, message, hint ? { hint } : {}) as ConvlensError & { statusCode: number };
  e.statusCode = status;
  return e;
}

export function registerUploadParser(app: FastifyInstance, opts: UploadParserOptions): void {
  const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const tooLarge = (): Error => httpError(413, ErrorCodes.UPLOAD_TOO_LARGE, `upload larger than the limit of ${mb(opts.maxBytes)}`, 'downscale the image, or start the studio with a larger upload limit');
  app.addContentTypeParser([...UPLOAD_TYPES], (req, payload, done) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      payload.resume();
      done(tooLarge(), undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = (err: Error | null, body?: Buffer): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      payload.removeListener('data', onData);
      if (err) payload.resume(); // drain (the answer closes the connection)
      done(err, body);
    };
    let timer = setTimeout(() => finish(httpError(408, ErrorCodes.TIMEOUT, `upload stalled: no data for ${opts.idleMs} ms`, 'send the whole image in one request')), opts.idleMs);
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > opts.maxBytes) { chunks.length = 0; finish(tooLarge()); return; }
      chunks.push(c);
      clearTimeout(timer);
      timer = setTimeout(() => finish(httpError(408, ErrorCodes.TIMEOUT, `upload stalled: no data for ${opts.idleMs} ms`, 'send the whole image in one request')), opts.idleMs);
    };
    payload.on('data', onData);
    payload.on('end', () => finish(null, Buffer.concat(chunks)));
    payload.on('error', (e) => finish(httpError(400, ErrorCodes.IO, `upload interrupted: ${e.message}`)));
  });
}
