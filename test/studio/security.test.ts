// The studio's security model (RELIABILITY.md 10, 14-18), attacked over raw HTTP and WebSocket: foreign
// Host (DNS rebinding), cross-site requests with missing/null/foreign Origin, path traversal in every
// spelling plus a planted symlink, oversized and stalled uploads, and markup in model-derived strings.
// After each rejection the server must still answer /api/info.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStudio } from '../../src/studio/server/index.ts';
import type { StudioHandle } from '../../src/studio/server/index.ts';
import { ROUTES } from '../../src/studio/protocol.ts';
import type { ModelDetail, ModelSummary } from '../../src/studio/protocol.ts';
import { tinyCnn } from '../../src/core/runtime/tiny-models.ts';
import { encodeModel } from '../../src/core/onnx/codec.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const TOKEN = 'f00dfeed'.repeat(8);
const EVIL = '<script>alert(1)</script>';
let studio: StudioHandle;
let dir: string;
let own: string; // our Host header value

interface Raw { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** A raw HTTP request: the path goes out byte for byte (fetch would normalise `..` and `%2e%2e`). */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: studio.port, method, path, headers: { host: own, ...headers }, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

const authed = { 'x-convlens-token': TOKEN };
async function stillServing(): Promise<void> {
  const r = await raw('GET', ROUTES.info, authed);
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body).protocol).toBe(1);
}

function wsConnect(headers: Record<string, string>): Promise<{ opened: boolean; status?: number; first?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${studio.port}${ROUTES.ws}`, { headers: { host: own, ...headers } });
    ws.once('message', (d) => { resolve({ opened: true, first: String(d) }); ws.close(); });
    ws.once('unexpected-response', (_req, res) => { resolve({ opened: false, status: res.statusCode }); res.resume(); ws.terminate(); });
    ws.once('error', () => resolve({ opened: false }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'convlens-studio-sec-'));
  const ui = join(dir, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>studio</title><script src="/assets/app.js"></script>');
  writeFileSync(join(ui, 'assets', 'app.js'), 'console.log("studio")');
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
  symlinkSync(join(dir, 'secret.txt'), join(ui, 'assets', 'leak.txt'));
  symlinkSync(ROOT, join(ui, 'assets', 'repo'));
  // a model whose node and tensor names carry markup
  const m = tinyCnn(1);
  m.graph!.node![0]!.name = EVIL;
  m.graph!.node![1]!.name = `relu"><img src=x onerror=alert(2)>`;
  writeFileSync(join(dir, 'evil<b>.onnx'), encodeModel(m));
  studio = await startStudio({ models: [join(dir, 'evil<b>.onnx')], port: 0, token: TOKEN, uiDir: ui, maxUploadBytes: 64 * 1024, uploadIdleMs: 600, threads: 1 });
  own = `127.0.0.1:${studio.port}`;
});
afterAll(async () => {
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('studio security', () => {
  it('serves the UI with the security headers (positive control for the attacks below)', async () => {
    const index = await raw('GET', '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>studio</title>');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    const js = await raw('GET', '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toContain('text/javascript');
  });

  it('refuses a foreign Host (DNS rebinding) on static, API and WebSocket routes', async () => {
    for (const host of ['evil.example', `evil.example:${studio.port}`, `127.0.0.1:${studio.port + 1}`, `localhost.evil.example:${studio.port}`, '']) {
      for (const path of ['/', ROUTES.info, '/assets/app.js']) {
        const r = await raw('GET', path, { ...authed, host });
        expect(r.status, `${host} ${path}`).toBe(403);
        expect(JSON.parse(r.body).code).toBe('E_FORBIDDEN');
      }
      await stillServing();
    }
    for (const host of [`localhost:${studio.port}`, `[::1]:${studio.port}`]) expect((await raw('GET', ROUTES.info, { ...authed, host })).status).toBe(200);
    const ws = await wsConnect({ host: `evil.example:${studio.port}`, origin: `http://evil.example:${studio.port}`, ...authed });
    expect(ws).toEqual({ opened: false, status: 403 });
    await stillServing();
  });

  it('refuses cross-site and origin-less state-changing requests, with or without the token', async () => {
    const id = (JSON.parse((await raw('GET', ROUTES.models, authed)).body) as ModelSummary[])[0]!.id;
    const body = JSON.stringify({ kind: 'filters', params: { modelId: id } });
    const json = { 'content-type': 'application/json' };
    const cases: [string, Record<string, string>, number][] = [
      ['foreign origin, no token', { ...json, origin: 'http://evil.example' }, 403],
      ['foreign origin, token', { ...json, origin: 'http://evil.example', ...authed }, 403],
      ['foreign origin with our port, token', { ...json, origin: `http://evil.example:${studio.port}`, ...authed }, 403],
      ['null origin, token', { ...json, origin: 'null', ...authed }, 403],
      ['no origin, token', { ...json, ...authed }, 403],
      ['https origin, token', { ...json, origin: `https://${own}`, ...authed }, 403],
      ['own origin, no token', { ...json, origin: `http://${own}` }, 401],
    ];
    for (const [what, headers, status] of cases) {
      const r = await raw('POST', ROUTES.jobs, headers, body);
      expect(r.status, what).toBe(status);
      expect(JSON.parse(r.body).code, what).toBe(status === 403 ? 'E_FORBIDDEN' : 'E_UNAUTHORIZED');
      await stillServing();
    }
    // the router decodes paths: an encoded spelling of an API route still needs the token
    for (const path of ['/%61pi/info', '/%61pi/models', '/api/%6dodels']) {
      const r = await raw('GET', path);
      expect(r.status, path).toBe(401);
      expect(r.body).not.toContain('protocol');
    }
    const ok = await raw('POST', ROUTES.jobs, { ...json, origin: `http://${own}`, ...authed }, body);
    expect(ok.status).toBe(200);
    // a form post (no preflight cross-site) is refused even with the right origin: JSON only
    const form = await raw('POST', ROUTES.jobs, { 'content-type': 'text/plain', origin: `http://${own}`, ...authed }, body);
    expect(form.status).toBe(415);
    expect(JSON.parse(form.body).code).toBe('E_UNSUPPORTED_MEDIA_TYPE');
  });

  it('rejects WebSocket upgrades with a foreign, null or missing Origin, or without the token', async () => {
    const cookie = `convlens_studio_${studio.port}=${TOKEN}`;
    expect(await wsConnect({ origin: 'http://evil.example', cookie })).toEqual({ opened: false, status: 403 });
    expect(await wsConnect({ origin: 'null', cookie })).toEqual({ opened: false, status: 403 });
    expect(await wsConnect({ cookie })).toEqual({ opened: false, status: 403 });
    expect(await wsConnect({ origin: `http://${own}` })).toEqual({ opened: false, status: 401 });
    await stillServing();
    const ok = await wsConnect({ origin: `http://${own}`, cookie });
    expect(ok.opened).toBe(true);
    expect(JSON.parse(ok.first!)).toEqual({ type: 'hello', protocol: 1 });
  });

  it('serves no file outside the UI folder, however the path is spelled', async () => {
    const attacks = [
      '/%2e%2e/package.json', '/..%2fpackage.json', '/%2e%2e%2fpackage.json', '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/..\\..\\package.json', '/assets/..%5c..%5cpackage.json', '/%5c..%5cpackage.json', '//etc/passwd', '/%2fetc%2fpasswd', '/assets/%252e%252e/package.json',
      `/${encodeURIComponent(join(ROOT, 'package.json'))}`, '/C:%5cWindows%5cwin.ini', '/assets/leak.txt', '/assets/repo/package.json', '/assets/%00.js', '/..', '/./index.html',
    ];
    for (const path of attacks) {
      let r: Raw;
      try {
        r = await raw('GET', path);
      } catch (e) {
        throw new Error(`${path}: ${(e as Error).message}`);
      }
      expect([400, 403, 404], `${path} → ${r.status}`).toContain(r.status);
      if (r.status === 400) expect(path, 'only the HTTP parser may refuse a raw backslash with 400').toMatch(/\\/);
      expect(r.body).not.toContain('"name": "convlens"');
      expect(r.body).not.toContain('TOP SECRET');
      expect(r.body).not.toContain('root:');
      await stillServing();
    }
  });

  it('refuses uploads over the limit (413) and of other types (415)', async () => {
    const origin = `http://${own}`;
    const big = Buffer.alloc(100 * 1024, 7);
    const declared = await raw('POST', ROUTES.uploadInput, { ...authed, origin, 'content-type': 'image/png' }, big);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).code).toBe('E_UPLOAD_TOO_LARGE');
    await stillServing();
    // chunked, no Content-Length: cut off while streaming
    const chunked = await new Promise<Raw>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: studio.port, method: 'POST', path: ROUTES.uploadInput, headers: { host: own, ...authed, origin, 'content-type': 'image/png', 'transfer-encoding': 'chunked' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(Buffer.alloc(16 * 1024, 1));
      req.end();
    });
    expect(chunked.status).toBe(413);
    await stillServing();
    const text = await raw('POST', ROUTES.uploadInput, { ...authed, origin, 'content-type': 'text/html' }, '<html>');
    expect(text.status).toBe(415);
    const svg = await raw('POST', ROUTES.uploadInput, { ...authed, origin, 'content-type': 'image/svg+xml' }, '<svg/>');
    expect(svg.status).toBe(415);
    await stillServing();
  });

  it('drops a stalled upload with 408 and keeps serving', async () => {
    const t0 = performance.now();
    const r = await new Promise<{ status?: number; closed: boolean }>((resolve) => {
      const req = request({ host: '127.0.0.1', port: studio.port, method: 'POST', path: ROUTES.uploadInput, headers: { host: own, ...authed, origin: `http://${own}`, 'content-type': 'image/png', 'content-length': '5000' } }, (res) => {
        res.resume();
        res.on('end', () => { resolve({ status: res.statusCode!, closed: false }); req.destroy(); });
      });
      req.on('error', () => resolve({ closed: true }));
      req.write(Buffer.alloc(100, 1)); // …and then nothing
    });
    const ms = performance.now() - t0;
    expect(r.status ?? 408).toBe(408);
    expect(ms).toBeGreaterThan(500);
    expect(ms).toBeLessThan(5000);
    await stillServing();
  });

  it('returns model-derived strings JSON-escaped, never as markup', async () => {
    const list = await raw('GET', ROUTES.models, authed);
    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toContain('application/json');
    expect(list.body).not.toMatch(/[<>]/);
    const models = JSON.parse(list.body) as ModelSummary[];
    expect(models[0]!.name).toBe('evil<b>.onnx');
    const id = models[0]!.id;
    expect(id).toMatch(/^[A-Za-z0-9._-]+$/);
    const detail = await raw('GET', ROUTES.model(id), authed);
    expect(detail.status).toBe(200);
    expect(detail.headers['content-type']).toContain('application/json');
    expect(detail.body).not.toContain('<script>');
    expect(detail.body).not.toMatch(/[<>]/);
    const d = JSON.parse(detail.body) as ModelDetail;
    expect(d.layers.some((l) => l.name.includes('<script>'))).toBe(true);
    // errors that echo a client string are escaped too
    const nf = await raw('GET', ROUTES.model('<img src=x>'), authed);
    expect(nf.status).toBe(404);
    expect(nf.body).not.toMatch(/[<>]/);
    expect(JSON.parse(nf.body).message).toContain('<img src=x>');
    await stillServing();
  });
});
