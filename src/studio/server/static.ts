/**
 * Serves the built UI (`dist/studio-ui`: index.html and /assets/*) — and nothing outside it
 * (RELIABILITY.md 17). The raw request path is decoded once and refused when any segment is `..`/`.`,
 * holds a backslash, NUL or colon, or when the decoded path is absolute or cannot be decoded; the file's
 * real path (symlinks resolved) must then lie inside the UI folder's real path, compared by whole
 * segments. Paths without an extension fall back to index.html (client-side routes). When the UI has
 * not been built, `/` answers a small page saying so instead of failing.
 */
import { realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes } from '../../core/errors.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>convlens studio</title></head>
<body><h1>convlens studio</h1><p>studio UI not built: run <code>npm run build</code>, then restart <code>convlens studio</code>.</p>
<p>The API is up at <code>/api/info</code>.</p></body></html>`;

/** Why a path was refused (403) or not found (404). */
export type Resolved = { file: string } | { status: 403 | 404 | 400; message: string };

/** Resolves a raw URL path (query removed) to a file inside `rootReal`, or says why not. */
export function resolveStaticPath(rootReal: string, rawPath: string): Resolved {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400, message: 'malformed percent-encoding in the path' };
  }
  if (!decoded.startsWith('/')) return { status: 403, message: 'path must start with /' };
  if (/[\\\0:]/.test(decoded) || /%/.test(decoded)) return { status: 403, message: 'path holds a forbidden character' };
  const segments = decoded.slice(1).split('/');
  if (segments.some((s, i) => s === '..' || s === '.' || (s === '' && i < segments.length - 1))) return { status: 403, message: 'path escapes the UI folder' };
  const rel = segments.filter(Boolean);
  const candidate = rel.length === 0 ? join(rootReal, 'index.html') : join(rootReal, ...rel);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return { status: 404, message: 'no such file' };
  }
  if (real !== rootReal && !real.startsWith(rootReal + sep)) return { status: 403, message: 'path escapes the UI folder' };
  try {
    if (!statSync(real).isFile()) return { status: 404, message: 'not a file' };
  } catch {
    return { status: 404, message: 'no such file' };
  }
  return { file: real };
}

export interface StaticOptions {
  /** The UI folder (must exist to serve anything but the "not built" page). */
  uiDir: string;
}

/** The GET handler for every non-API path. */
export function makeStaticHandler(opts: StaticOptions): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  let rootReal: string | undefined;
  try { rootReal = realpathSync(opts.uiDir); } catch { rootReal = undefined; }
  return async (req, reply) => {
    const rawPath = req.raw.url!.split('?')[0]!;
    let hasIndex = false;
    if (rootReal) { try { hasIndex = statSync(join(rootReal, 'index.html')).isFile(); } catch { hasIndex = false; } }
    if (!rootReal || !hasIndex) {
      if (rawPath === '/' || rawPath === '/index.html') { void reply.type('text/html; charset=utf-8').send(NOT_BUILT); return; }
      void reply.code(404).send({ code: ErrorCodes.NOT_FOUND, message: 'studio UI not built', hint: 'run npm run build' });
      return;
    }
    let r = resolveStaticPath(rootReal, rawPath);
    if ('status' in r && r.status === 404 && extname(rawPath) === '' && !rawPath.startsWith('/assets/')) r = { file: join(rootReal, 'index.html') };
    if ('status' in r) {
      void reply.code(r.status).send({ code: r.status === 404 ? ErrorCodes.NOT_FOUND : r.status === 400 ? ErrorCodes.BAD_USAGE : ErrorCodes.FORBIDDEN, message: r.message });
      return;
    }
    const type = TYPES[extname(r.file).toLowerCase()] ?? 'application/octet-stream';
    reply.header('cache-control', r.file.endsWith(`${sep}index.html`) ? 'no-cache' : 'public, max-age=3600');
    void reply.type(type).send(await readFile(r.file));
  };
}
