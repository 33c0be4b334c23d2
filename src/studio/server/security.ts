/**
 * The studio's request guard (RELIABILITY.md 14-16), one `onRequest` hook run before routing for every
 * request — static files, API and WebSocket upgrades alike:
 * 1. `Host` must name this server (localhost / 127.0.0.1 / [::1] or the `--host` given, with our port):
 *    a DNS-rebinding page reaches us under its own host name and is refused.
 * 2. Non-GET requests and WebSocket upgrades must carry an `Origin` equal to our own origin
 *    (`null`, missing or foreign → 403): no cross-site POST, no cross-site WebSocket.
 * 3. `/api/*` needs the launch token: the HttpOnly SameSite=Strict cookie set by `GET /?token=…`, or the
 *    `x-convlens-token` header for scripts; compared in constant time.
 * It also sets the security headers (CSP, nosniff, no referrer) on every answer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes } from '../../core/errors.ts';
import type { StudioError } from '../protocol.ts';

/** The Content-Security-Policy of every answer (the UI loads only its own scripts, styles and data). */
export const CSP = "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

export interface GuardOptions {
  token: string;
  /** The port actually bound (known after listen). */
  port: () => number;
  /** The `--host` the server was bound to. */
  host: string;
  /** Name of the session cookie (per port, so two studios on one machine do not clobber each other). */
  cookieName: () => string;
}

/** Host names a request may use: the loopback names, plus the bound host (and, for a wildcard bind, this machine's addresses). */
export function allowedHostnames(host: string): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === '0.0.0.0' || h === '::') {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase());
  } else {
    names.add(h);
  }
  return names;
}

/** Splits a Host header into host name and port (`[::1]:80` → `::1`, 80); undefined when malformed. */
export function parseHostHeader(value: string | undefined): { hostname: string; port: number | undefined } | undefined {
  if (!value || value.length > 300) return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]\s/@]+))(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return undefined;
  return { hostname: (m[1] ?? m[2]!).toLowerCase(), port: m[3] !== undefined ? Number(m[3]) : undefined };
}

/** Constant-time string comparison (hashes first, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** Headers set on every answer. */
export function setSecurityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
}

function deny(reply: FastifyReply, status: number, err: StudioError): void {
  void reply.code(status).type('application/json; charset=utf-8').send(err);
}

/** Whether a request carries the launch token (cookie or header). */
export function hasToken(req: FastifyRequest, opts: GuardOptions): boolean {
  const header = req.headers['x-convlens-token'];
  const given = (typeof header === 'string' ? header : undefined) ?? cookieValue(req.headers.cookie, opts.cookieName());
  return given !== undefined && safeEqual(given, opts.token);
}

/** The onRequest hook. */
export function makeGuard(opts: GuardOptions): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const names = allowedHostnames(opts.host);
  return async (req, reply) => {
    setSecurityHeaders(reply);
    const port = opts.port();
    const host = parseHostHeader(req.headers.host);
    const hostPort = host?.port ?? 80;
    if (!host || !names.has(host.hostname) || hostPort !== port) {
      return deny(reply, 403, {
        code: ErrorCodes.FORBIDDEN,
        message: `this host is not allowed: Host "${String(req.headers.host ?? '').slice(0, 100)}" is not this studio (127.0.0.1:${port})`,
        hint: `open the studio at http://127.0.0.1:${port}/ (a page reaching it under another name is refused: DNS rebinding)`,
      });
    }
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    const safeMethod = req.method === 'GET' || req.method === 'HEAD';
    if (upgrade || !safeMethod) {
      const origin = req.headers.origin;
      const own = `http://${req.headers.host!.trim().toLowerCase()}`;
      if (typeof origin !== 'string' || origin.toLowerCase() !== own) {
        return deny(reply, 403, {
          code: ErrorCodes.FORBIDDEN,
          message: `cross-origin request refused: Origin "${String(origin ?? '(none)').slice(0, 100)}" is not ${own}`,
          hint: upgrade ? 'WebSocket connections are accepted only from the studio page itself' : 'state-changing requests are accepted only from the studio page itself',
        });
      }
    }
    // The route the router matched decides (it decodes: `/%61pi/info` reaches /api/info), and so does
    // the raw or decoded path, whichever says "API".
    const path = req.url.split('?')[0]!;
    let decoded = path;
    try { decoded = decodeURIComponent(path); } catch { /* the router refuses it */ }
    const isApi = (p: string): boolean => p === '/api' || p.startsWith('/api/');
    if (isApi(req.routeOptions?.url ?? '') || isApi(path) || isApi(decoded.toLowerCase())) {
      if (!hasToken(req, opts)) {
        return deny(reply, 401, {
          code: ErrorCodes.UNAUTHORIZED,
          message: 'missing or wrong studio token',
          hint: 'open the URL that `convlens studio` printed (it carries ?token=…), or send the x-convlens-token header',
        });
      }
      reply.header('cache-control', 'no-store');
    }
  };
}
