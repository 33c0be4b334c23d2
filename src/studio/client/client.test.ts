// StudioClient against a tiny fake studio server (node:http + ws): jobs resolve from WS events with
// progress, fall back to polling without a socket, share identical in-flight runs, cancel on abort,
// surface failed jobs' code/hint, and fetch arrays once (checked against their dims).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { StudioClient, StudioClientError } from './index.ts';
import type { JobInfo, ServerEvent } from '../protocol.ts';

interface Fake {
  server: Server;
  base: string;
  jobs: Map<string, JobInfo>;
  posts: { kind: string; params: unknown }[];
  cancels: string[];
  arrayFetches: number;
  sockets: Set<WebSocket>;
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += c;
  return s;
}

/** Jobs: `params.steps` progress events 20 ms apart then done; `params.fail` fails; `params.hang` never ends. */
async function startFake(): Promise<Fake> {
  const f: Fake = { server: undefined as unknown as Server, base: '', jobs: new Map(), posts: [], cancels: [], arrayFetches: 0, sockets: new Set() };
  const broadcast = (e: ServerEvent) => { for (const s of f.sockets) s.send(JSON.stringify(e)); };
  let n = 0;
  f.server = createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (req.headers['x-test'] !== 'yes') return send(res, 401, { code: 'E_UNAUTHORIZED', message: 'no token' });
    if (req.method === 'POST' && url.pathname === '/api/jobs') {
      const body = JSON.parse(await readBody(req)) as { kind: string; params: { steps?: number; fail?: boolean; hang?: boolean } };
      f.posts.push(body);
      const job: JobInfo = { id: `j${++n}`, kind: body.kind as JobInfo['kind'], status: 'queued' };
      f.jobs.set(job.id, job);
      send(res, 200, job);
      const steps = body.params.steps ?? 2;
      let k = 0;
      const tick = () => {
        if (job.status === 'cancelled') return;
        if (body.params.hang) { job.status = 'running'; return; }
        if (k < steps) { k++; job.status = 'running'; job.progress = k / steps; broadcast({ type: 'progress', jobId: job.id, progress: k / steps, message: `step ${k}/${steps}` }); setTimeout(tick, 20); return; }
        if (body.params.fail) { job.status = 'failed'; job.error = { code: 'E_NOT_SPATIAL', message: 'layer "fc" has no spatial dims', hint: 'pick a conv layer' }; }
        else { job.status = 'done'; job.result = { predictions: [{ index: 1, score: 2, prob: 0.9 }], scoreTensor: 'logits' } as never; job.ms = 5; }
        broadcast({ type: 'job', job });
      };
      setTimeout(tick, 10);
      return;
    }
    const m = /^\/api\/jobs\/([^/]+)(\/cancel)?$/.exec(url.pathname);
    if (m) {
      const job = f.jobs.get(m[1]!);
      if (!job) return send(res, 404, { code: 'E_NOT_FOUND', message: 'no such job' });
      if (m[2]) { f.cancels.push(job.id); job.status = 'cancelled'; broadcast({ type: 'job', job }); }
      return send(res, 200, job);
    }
    if (url.pathname.startsWith('/api/arrays/')) {
      f.arrayFetches++;
      const a = new Float32Array([1, 2, 3, 4, 5, 6]);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(Buffer.from(a.buffer));
    }
    send(res, 404, { code: 'E_NOT_FOUND', message: `no route ${url.pathname}` });
  });
  const wss = new WebSocketServer({ noServer: true });
  f.server.on('upgrade', (req, sock, head) => wss.handleUpgrade(req, sock, head, (ws) => {
    f.sockets.add(ws);
    ws.on('close', () => f.sockets.delete(ws));
    ws.send(JSON.stringify({ type: 'hello', protocol: 1 }));
  }));
  await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', r));
  f.base = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
  return f;
}

const WS = WebSocket as unknown as typeof globalThis.WebSocket;

describe('StudioClient', () => {
  let f: Fake;
  beforeAll(async () => { f = await startFake(); });
  afterAll(async () => { for (const s of f.sockets) s.terminate(); await new Promise((r) => f.server.close(r)); });
  const client = (ws = true) => new StudioClient({ baseUrl: f.base, headers: { 'x-test': 'yes' }, WebSocket: ws ? WS : null, pollMs: 50 });

  it('runs a job to its result, reporting WS progress in order', async () => {
    const c = client();
    const seen: number[] = [];
    const r = await c.runJob('predict', { modelId: 'm', inputId: 'i', steps: 3 } as never, { onProgress: (p) => { if (p.progress !== undefined) seen.push(p.progress); } });
    expect(r.predictions[0]!.prob).toBe(0.9);
    expect(seen.filter((p) => p > 0)).toEqual([1 / 3, 2 / 3, 1]);
    c.close();
  });

  it('falls back to polling when there is no WebSocket', async () => {
    const c = client(false);
    const r = await c.runJob('predict', { modelId: 'm', inputId: 'poll', steps: 2 } as never);
    expect(r.scoreTensor).toBe('logits');
  });

  it('rejects a failed job with its code, message and hint', async () => {
    const c = client();
    const err = await c.runJob('explain', { modelId: 'm', inputId: 'i', methods: ['gradcam'], fail: true } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioClientError);
    expect(err).toMatchObject({ code: 'E_NOT_SPATIAL', hint: 'pick a conv layer' });
    expect((err as Error).message).toMatch(/no spatial dims/);
    c.close();
  });

  it('turns an HTTP error body into a StudioClientError with the status', async () => {
    const c = new StudioClient({ baseUrl: f.base, WebSocket: null });
    const err = await c.info().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_UNAUTHORIZED', status: 401 });
  });

  it('cancels the server job when the signal aborts', async () => {
    const c = client();
    const ctl = new AbortController();
    const p = c.runJob('visualize', { modelId: 'm', hang: true } as never, { signal: ctl.signal });
    await new Promise((r) => setTimeout(r, 80));
    ctl.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((r) => setTimeout(r, 50));
    expect(f.cancels.length).toBe(1);
    c.close();
  });

  it('shares one server job between identical in-flight requests; cancels only when all abort', async () => {
    const c = client();
    const before = f.posts.length;
    const a = new AbortController();
    const p1 = c.runJob('features', { modelId: 'm', inputId: 'i', layer: 'x', steps: 3 } as never, { signal: a.signal });
    const p2 = c.runJob('features', { modelId: 'm', inputId: 'i', layer: 'x', steps: 3 } as never);
    a.abort();
    await expect(p1).rejects.toMatchObject({ name: 'AbortError' });
    await expect(p2).resolves.toBeTruthy();
    expect(f.posts.length - before).toBe(1);
    c.close();
  });

  it('fetches an array once, caches it, and checks its size against dims', async () => {
    const c = client(false);
    const ref = { id: 'a1', dims: [2, 3], dtype: 'float32' as const, min: 1, max: 6, nonFinite: 0 };
    const before = f.arrayFetches;
    const [x, y] = await Promise.all([c.getArray(ref), c.getArray(ref)]);
    expect(Array.from(x)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(y).toBe(x);
    expect(f.arrayFetches - before).toBe(1);
    await expect(c.getArray({ ...ref, id: 'a2', dims: [4, 4] })).rejects.toMatchObject({ code: 'E_TENSOR_DATA' });
  });
});
