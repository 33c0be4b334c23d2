/**
 * `startStudio()`: the server behind `convlens studio` (issue 6). A fastify 5 app bound to 127.0.0.1
 * that serves the built UI and the JSON/WebSocket API of src/studio/protocol.ts, guarded by a
 * per-launch token, Host and Origin checks and a strict CSP (security.ts), with model work in a
 * restartable child process (worker-pool.ts, worker.ts) behind a job queue with a result cache
 * (jobs.ts). See docs/studio.md for the security model and the job API.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import { ConvlensError, ErrorCodes, isConvlensError } from '../../core/errors.ts';
import { toStudioError } from './studio-error.ts';
import { METHODS } from '../../core/methods/registry.ts';
import { CONVLENS_VERSION } from '../../core/methods/record.ts';
import { preprocessDetailed } from '../../core/image/preprocess.ts';
import type { ResizeMode } from '../../core/image/resize.ts';
import { encodePng } from '../../node/image-io.ts';
import { PACKAGE_ROOT } from '../../cli/commands/demo.ts';
import { PROTOCOL_VERSION } from '../protocol.ts';
import type { MethodInfo, ServerEvent, StudioError, StudioInfo } from '../protocol.ts';
import { ArrayStore, float32LeBytes } from './arrays.ts';
import { Catalog } from './catalog.ts';
import { JobManager } from './jobs.ts';
import { WorkerPool } from './worker-pool.ts';
import { makeGuard, safeEqual, setSecurityHeaders } from './security.ts';
import { makeStaticHandler } from './static.ts';
import { httpError, registerUploadParser } from './upload.ts';

/** Options of {@link startStudio}. */
export interface StartStudioOptions {
  /**
   * ONNX model files to explore. None: the bundled demo models (`models/shapes-cnn.onnx`,
   * `models/mnist-cnn.onnx`) with their samples and ground-truth masks.
   * @example ['resnet18.onnx']
   */
  models?: string[];
  /** Interface to bind. Default `127.0.0.1` (loopback only); `0.0.0.0` exposes the studio to the network. */
  host?: string;
  /**
   * Port. `0` = any free port. Default: 7860, or the next free one up to 7879, else any free port.
   * An explicit port that is taken is an error (E_PORT_IN_USE).
   */
  port?: number;
  /** Launch token (≥ 32 characters). Default: 32 random bytes as hex (256 bits). */
  token?: string;
  /** Folder of the built UI. Default `dist/studio-ui` under the package root; without an index.html, `/` says "studio UI not built". */
  uiDir?: string;
  /** ONNX Runtime intra-op threads of the model worker (default: all cores). */
  threads?: number;
  /** Largest upload accepted, bytes. Default 20 MB. */
  maxUploadBytes?: number;
  /** A stalled upload (no bytes for this long) is dropped with 408. Default 10 000 ms. */
  uploadIdleMs?: number;
  /** Longest a job may run before it is stopped (E_TIMEOUT). Default 600 000 ms. */
  jobTimeoutMs?: number;
  /** How long a cancelled running job gets before its worker is killed. Default 2000 ms. */
  cancelGraceMs?: number;
  /** Memory for job arrays (LRU), bytes. Default 512 MB. */
  maxArrayBytes?: number;
  /**
   * Memory of the worker's activation cache, bytes (default 1 GiB): every layer's activation of recent
   * inputs, so feature-map layer switches need no forward pass. Least recently used inputs go first.
   */
  activationCacheBytes?: number;
  /** Compile the default Grad-CAM program of a model in the background once its first job is done and the queue is idle (default true). */
  warmGradients?: boolean;
  /** Log requests to stdout (fastify's logger). Default false. */
  log?: boolean;
  /** Tests only: accept the hidden `__crash` (worker calls process.abort()) and `__hang` (worker never yields) job kinds. */
  allowTestHooks?: boolean;
}

/** A running studio. */
export interface StudioHandle {
  /** Base URL, e.g. `http://127.0.0.1:7860/`. */
  url: string;
  /** The URL to open: `url` + `?token=…` (exchanged for the session cookie). */
  launchUrl: string;
  token: string;
  port: number;
  /** Stops the server and its worker. */
  close(): Promise<void>;
}

const DEFAULT_PORT = 7860;

function methodInfos(): MethodInfo[] {
  return METHODS.map((m) => ({
    id: m.id, family: m.family, title: m.title,
    needsGradients: m.needsGradients,
    params: m.params.map((p) => ({
      name: p.name, type: p.type, default: p.default, doc: p.doc,
      ...(p.choices ? { choices: p.choices } : {}), ...(p.min !== undefined ? { min: p.min } : {}), ...(p.max !== undefined ? { max: p.max } : {}),
    })),
  }));
}

/** HTTP status of a convlens error code. */
export function statusFor(code: string): number {
  switch (code) {
    case ErrorCodes.NOT_FOUND: case ErrorCodes.FILE_NOT_FOUND: return 404;
    case ErrorCodes.FORBIDDEN: return 403;
    case ErrorCodes.UNAUTHORIZED: return 401;
    case ErrorCodes.UPLOAD_TOO_LARGE: return 413;
    case ErrorCodes.UNSUPPORTED_MEDIA_TYPE: return 415;
    case ErrorCodes.TIMEOUT: return 408;
    case ErrorCodes.RUNTIME_CRASH: case ErrorCodes.RUNTIME: case ErrorCodes.IO: return 500;
    default: return 400;
  }
}

/** Any thrown value as an HTTP status and a {@link StudioError} body. */
function errorReply(err: unknown): { status: number; body: StudioError } {
  if (isConvlensError(err)) {
    const status = (err as { statusCode?: number }).statusCode ?? statusFor(err.code);
    return { status, body: toStudioError(err) };
  }
  const e = err as { code?: string; statusCode?: number; message?: string };
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return { status: 413, body: { code: ErrorCodes.UPLOAD_TOO_LARGE, message: 'request body too large' } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return { status: 415, body: { code: ErrorCodes.UNSUPPORTED_MEDIA_TYPE, message: 'unsupported content-type', hint: 'send JSON to /api/jobs and image/png, image/jpeg or image/webp bytes to /api/inputs' } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': case 'FST_ERR_CTP_INVALID_JSON_BODY': return { status: 400, body: { code: ErrorCodes.BAD_USAGE, message: e.message ?? 'invalid JSON body' } };
    default: break;
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: { code: ErrorCodes.BAD_USAGE, message: e.message ?? 'bad request' } };
  }
  return { status: 500, body: { code: ErrorCodes.RUNTIME, message: `internal error: ${e?.message ?? String(err)}` } };
}

/** JSON with `<`, `>`, `&` and the JS line separators escaped, so no answer can be read as markup (RELIABILITY.md 10). */
export function safeJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A display name for an upload: the header/query value, control characters removed, at most 200 characters. */
function uploadName(req: FastifyRequest): string {
  const h = req.headers['x-convlens-filename'];
  const q = (req.query as Record<string, unknown>)?.name;
  let raw = typeof h === 'string' ? h : typeof q === 'string' ? q : '';
  try { raw = decodeURIComponent(raw); } catch { /* keep as sent */ }
  // eslint-disable-next-line no-control-regex
  const clean = raw.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return clean || 'upload';
}

/**
 * Starts the studio server.
 * @example
 * const studio = await startStudio({ port: 0 });
 * console.log(studio.launchUrl); // http://127.0.0.1:41234/?token=…
 * await studio.close();
 */
export async function startStudio(options: StartStudioOptions = {}): Promise<StudioHandle> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('hex');
  if (token.length < 32 || /[^\x21-\x7e]/.test(token) || /[;,]/.test(token)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, 'the studio token must be at least 32 printable characters without ; or ,', { hint: 'leave it out to get 32 random bytes' });
  }
  const maxUploadBytes = options.maxUploadBytes ?? 20 * 1024 * 1024;
  const uiDir = options.uiDir ?? join(PACKAGE_ROOT, 'dist', 'studio-ui');

  let jobs: JobManager | undefined;
  const pool = new WorkerPool({
    threads: options.threads,
    allowTestHooks: options.allowTestHooks,
    activationCacheBytes: options.activationCacheBytes,
    onMessage: (m) => jobs?.onWorkerMessage(m),
    onExit: (i) => jobs?.onWorkerExit(i),
  });
  let catalog: Catalog;
  try {
    catalog = new Catalog(pool, options.models);
  } catch (e) {
    await pool.close();
    throw e;
  }
  const arrays = new ArrayStore(options.maxArrayBytes);
  jobs = new JobManager(pool, catalog, arrays, { jobTimeoutMs: options.jobTimeoutMs, cancelGraceMs: options.cancelGraceMs, allowTestHooks: options.allowTestHooks, warmGradients: options.warmGradients });
  const jm = jobs;

  let port = 0;
  const cookieName = (): string => `convlens_studio_${port}`;
  const app = Fastify({ logger: !!options.log, bodyLimit: 1024 * 1024, requestTimeout: 120_000, routerOptions: { maxParamLength: 1000 }, return503OnClosing: true, forceCloseConnections: true });
  app.setReplySerializer((payload) => safeJson(payload));
  const guard = { token, port: () => port, host, cookieName };
  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = errorReply(err);
    setSecurityHeaders(reply);
    if (status === 413 || status === 408) {
      // the rest of the body is not read: answer, then drop the connection (a stalled client may never finish)
      reply.header('connection', 'close');
      reply.raw.once('finish', () => { setTimeout(() => _req.raw.socket?.destroy(), 1000).unref(); });
    }
    void reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).type('application/json; charset=utf-8').send({ code: ErrorCodes.NOT_FOUND, message: `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}` });
  });
  app.removeContentTypeParser('text/plain'); // JSON only: no cross-site "simple" form posts reach a route
  registerUploadParser(app, { maxBytes: maxUploadBytes, idleMs: options.uploadIdleMs ?? 10_000 });
  // the websocket plugin first: its onRequest hook marks upgrade requests, so a refused upgrade's socket is destroyed
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  app.addHook('onRequest', makeGuard(guard));

  // ---- WebSocket: job events to every authenticated client (the guard has checked Host, Origin and token)
  const sockets = new Set<{ send(s: string): void; close(): void; readyState: number }>();
  jm.subscribe((e: ServerEvent) => {
    const text = safeJson(e);
    for (const s of sockets) if (s.readyState === 1) s.send(text);
  });
  app.get('/api/ws', { websocket: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', () => { /* the protocol is server → client only */ });
    socket.send(safeJson({ type: 'hello', protocol: PROTOCOL_VERSION } satisfies ServerEvent));
  });

  // ---- API
  const info: StudioInfo = { protocol: PROTOCOL_VERSION, version: CONVLENS_VERSION, methods: methodInfos(), maxUploadBytes };
  app.get('/api/info', async () => info);
  app.get('/api/models', async () => Promise.all(catalog.models.map((m) => catalog.summary(m))));
  app.get<{ Params: { id: string } }>('/api/models/:id', async (req) => {
    const { sha256: _s, ...detail } = await catalog.detail(req.params.id);
    return detail;
  });
  app.post('/api/inputs', async (req) => {
    if (!Buffer.isBuffer(req.body)) {
      throw httpError(415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE, `uploads must be image/png, image/jpeg or image/webp, got ${String(req.headers['content-type'] ?? 'none').slice(0, 60)}`, 'send the image file bytes as the request body');
    }
    return catalog.addUpload(new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength), uploadName(req));
  });
  app.get<{ Params: { id: string } }>('/api/inputs/:id', async (req) => (await catalog.input(req.params.id)).info);
  app.get<{ Params: { id: string }; Querystring: { model?: string; resize?: string } }>('/api/inputs/:id/image.png', async (req, reply) => {
    const modelId = req.query.model;
    if (typeof modelId !== 'string') throw new ConvlensError(ErrorCodes.BAD_USAGE, 'image.png needs ?model=<model id>');
    const detail = await catalog.detail(modelId);
    const { raster } = await catalog.input(req.params.id);
    const modes: Record<string, ResizeMode> = { stretch: 'stretch', 'center-crop': 'center-crop', pad: 'letterbox' };
    const resize = req.query.resize !== undefined ? modes[req.query.resize] : (detail.input.resize as ResizeMode);
    if (!resize) throw new ConvlensError(ErrorCodes.BAD_USAGE, `resize "${String(req.query.resize).slice(0, 40)}" is not one of stretch, center-crop, pad`);
    const fitted = preprocessDetailed(raster, {
      size: detail.input.size, layout: detail.input.layout === 'NHWC' ? 'NHWC' : 'NCHW', channels: detail.input.channels === 1 ? 1 : 3, resize,
      normalize: { mean: detail.input.mean, std: detail.input.std },
    }).input;
    const png = await encodePng(fitted);
    void reply.type('image/png').header('cache-control', 'no-store').send(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  });
  app.post('/api/jobs', async (req) => jm.submit(req.body));
  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (req) => jm.get(req.params.id));
  app.post<{ Params: { id: string } }>('/api/jobs/:id/cancel', async (req) => jm.cancel(req.params.id));
  app.get<{ Params: { id: string } }>('/api/arrays/:id', async (req, reply) => {
    const a = arrays.get(req.params.id);
    if (!a) throw new ConvlensError(ErrorCodes.NOT_FOUND, `no array "${req.params.id.slice(0, 80)}"`, { hint: 'arrays are kept in memory (least recently used dropped first): run the job again' });
    void reply.type('application/octet-stream').send(float32LeBytes(a));
  });

  // ---- the token exchange and the UI
  const serveStatic = makeStaticHandler({ uiDir });
  app.get<{ Querystring: { token?: string } }>('/', async (req: FastifyRequest<{ Querystring: { token?: string } }>, reply: FastifyReply) => {
    const given = req.query.token;
    if (given !== undefined) {
      if (!safeEqual(String(given), token)) {
        void reply.code(403).type('application/json; charset=utf-8').send({ code: ErrorCodes.UNAUTHORIZED, message: 'wrong studio token', hint: 'open the URL `convlens studio` printed for this launch' });
        return;
      }
      reply.header('set-cookie', `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      void reply.code(302).header('location', '/').send();
      return;
    }
    await serveStatic(req, reply);
  });
  app.get('/*', async (req, reply) => {
    if (req.url.startsWith('/api/') || req.url === '/api') throw new ConvlensError(ErrorCodes.NOT_FOUND, `no route GET ${req.url.split('?')[0]!.slice(0, 200)}`);
    await serveStatic(req, reply);
  });

  // ---- listen
  const tryListen = async (p: number): Promise<number> => {
    await app.listen({ port: p, host });
    const addr = app.server.address();
    return typeof addr === 'object' && addr ? addr.port : p;
  };
  try {
    if (options.port !== undefined) {
      if (options.port !== 0 && !(await portFree(options.port, host))) {
        throw new ConvlensError(ErrorCodes.PORT_IN_USE, `port ${options.port} on ${host} is in use`, { hint: 'pick another with --port, or --port 0 for any free port' });
      }
      port = await tryListen(options.port);
    } else {
      let chosen = 0;
      for (let p = DEFAULT_PORT; p < DEFAULT_PORT + 20; p++) if (await portFree(p, host)) { chosen = p; break; }
      port = await tryListen(chosen);
    }
  } catch (e) {
    await app.close().catch(() => undefined);
    await pool.close();
    throw e;
  }
  const hostPart = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
  const url = `http://${hostPart}:${port}/`;
  let closed = false;
  return {
    url,
    launchUrl: `${url}?token=${token}`,
    token,
    port,
    async close() {
      if (closed) return;
      closed = true;
      for (const s of sockets) { try { s.close(); } catch { /* already gone */ } }
      await app.close();
      await pool.close();
    },
  };
}
