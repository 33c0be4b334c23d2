// The studio server end to end over HTTP + WebSocket on the demo models (issue 6): token exchange,
// model and input routes, every job kind checked by content (Grad-CAM peak inside the ground-truth
// mask, feature-map dims and stats against the fetched bytes, visualize previews), the result cache,
// cancellation (cooperative and by killing a hung worker) and crash containment.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStudio } from '../../src/studio/server/index.ts';
import type { StudioHandle } from '../../src/studio/server/index.ts';
import { ROUTES } from '../../src/studio/protocol.ts';
import type { ArrayRef, ExplainResult, FeaturesResult, FiltersResult, InputInfo, JobInfo, ModelDetail, ModelSummary, PredictResult, ServerEvent, StudioInfo, VisualizeResult } from '../../src/studio/protocol.ts';
import { loadImage } from '../../src/node/image-io.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const TOKEN = 'a'.repeat(8) + '0123456789abcdef0123456789abcdef';
let studio: StudioHandle;
let origin: string;
let emptyUi: string;
const timings: Record<string, number> = {};

const auth = (): Record<string, string> => ({ 'x-convlens-token': TOKEN });
async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const r = await fetch(new URL(path, studio.url), { ...init, headers: { ...auth(), ...(init.method && init.method !== 'GET' ? { origin } : {}), ...(init.headers as Record<string, string> | undefined) } });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
}
const postJob = (kind: string, params: Record<string, unknown>) => api<JobInfo>(ROUTES.jobs, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, params }) });
/** Polls job `id` until its status leaves `pending` (default: until it has ended). */
async function waitJob(id: string, timeoutMs = 30_000, pending: readonly JobInfo['status'][] = ['queued', 'running']): Promise<JobInfo> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<JobInfo>(ROUTES.job(id));
    if (!pending.includes(body.status)) return body;
    if (Date.now() > end) throw new Error(`job ${id} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}
async function runJob<T>(kind: string, params: Record<string, unknown>): Promise<{ job: JobInfo; result: T; ms: number }> {
  const t0 = performance.now();
  const { status, body } = await postJob(kind, params);
  expect(status).toBe(200);
  const job = body.status === 'done' ? body : await waitJob(body.id);
  const ms = performance.now() - t0;
  expect(job.error, JSON.stringify(job.error)).toBeUndefined();
  expect(job.status).toBe('done');
  return { job, result: job.result as T, ms };
}
async function fetchArray(ref: ArrayRef): Promise<Float32Array> {
  const r = await fetch(new URL(ROUTES.array(ref.id), studio.url), { headers: auth() });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('application/octet-stream');
  const buf = new Uint8Array(await r.arrayBuffer());
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

/** A WebSocket client collecting server events. */
function openWs(): Promise<{ ws: WebSocket; events: ServerEvent[] }> {
  const url = studio.url.replace(/^http/, 'ws') + ROUTES.ws.slice(1);
  const ws = new WebSocket(url, { headers: { origin, cookie: `convlens_studio_${studio.port}=${TOKEN}` } });
  const events: ServerEvent[] = [];
  ws.on('message', (d) => events.push(JSON.parse(String(d)) as ServerEvent));
  return new Promise((resolve, reject) => { ws.once('open', () => resolve({ ws, events })); ws.once('error', reject); });
}
async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  emptyUi = mkdtempSync(join(tmpdir(), 'convlens-studio-ui-'));
  studio = await startStudio({ port: 0, token: TOKEN, uiDir: emptyUi, allowTestHooks: true, threads: 1, cancelGraceMs: 1000 });
  origin = studio.url.replace(/\/$/, '');
});
afterAll(async () => {
  await studio?.close();
  rmSync(emptyUi, { recursive: true, force: true });
  if (Object.keys(timings).length) console.log(`studio job latencies (ms, HTTP submit → done, 1 ORT thread): ${JSON.stringify(timings)}`);
});

describe('studio server', () => {
  it('binds 127.0.0.1 and exchanges the launch token for an HttpOnly SameSite=Strict cookie', async () => {
    expect(studio.url).toBe(`http://127.0.0.1:${studio.port}/`);
    expect(studio.launchUrl).toBe(`${studio.url}?token=${TOKEN}`);
    const r = await fetch(studio.launchUrl, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/');
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^convlens_studio_${studio.port}=${TOKEN};`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    const jar = cookie.split(';')[0]!;
    const withCookie = await fetch(new URL(ROUTES.info, studio.url), { headers: { cookie: jar } });
    expect(withCookie.status).toBe(200);
    const none = await fetch(new URL(ROUTES.info, studio.url));
    expect(none.status).toBe(401);
    expect((await none.json()).code).toBe('E_UNAUTHORIZED');
    const wrong = await fetch(new URL(ROUTES.info, studio.url), { headers: { cookie: `convlens_studio_${studio.port}=${'b'.repeat(40)}` } });
    expect(wrong.status).toBe(401);
    const badLaunch = await fetch(`${studio.url}?token=nope`, { redirect: 'manual' });
    expect(badLaunch.status).toBe(403);
    expect(badLaunch.headers.get('set-cookie')).toBeNull();
  });

  it('serves a "not built" page with the strict CSP when the UI folder has no index.html', async () => {
    const r = await fetch(studio.url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(await r.text()).toContain('studio UI not built: run <code>npm run build</code>');
    expect(r.headers.get('content-security-policy')).toBe("default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('lists the demo models and methods; the shapes model has layers, labels and a default CAM layer', async () => {
    const info = (await api<StudioInfo>(ROUTES.info)).body;
    expect(info.protocol).toBe(1);
    expect(info.maxUploadBytes).toBe(20 * 1024 * 1024);
    const gradcam = info.methods.find((m) => m.id === 'gradcam')!;
    expect(gradcam.family).toBe('cam');
    expect(gradcam.needsGradients).toBe(true);
    expect(info.methods.find((m) => m.id === 'occlusion')!.needsGradients).toBe(false);
    const models = (await api<ModelSummary[]>(ROUTES.models)).body;
    expect(models.map((m) => m.id)).toEqual(['shapes', 'mnist']);
    const shapes = models[0]!;
    expect(shapes.samples.length).toBe(12);
    expect(shapes.samples.every((s) => s.maskInputId && s.label)).toBe(true);
    const { status, body: d } = await api<ModelDetail>(ROUTES.model('shapes'));
    expect(status).toBe(200);
    expect(d.input.size).toEqual([64, 64]);
    expect(d.labels).toEqual(['circle', 'square', 'triangle', 'star', 'cross', 'hexagon']);
    expect(d.layers.length).toBe(shapes.layers);
    const cam = d.layers.find((l) => l.tensor === d.defaultCamLayer);
    expect(cam, `default CAM layer ${d.defaultCamLayer} is in the layer table`).toBeDefined();
    expect(cam!.spatial).toBe(true);
    expect(d.layers.filter((l) => l.hasFilters).every((l) => l.op === 'Conv')).toBe(true);
    expect(d.layers.some((l) => l.hasFilters)).toBe(true);
    expect((await api(ROUTES.model('nope'))).status).toBe(404);
  });

  let upload: InputInfo;
  it('accepts an uploaded PNG, decodes it in memory, and returns it as the model sees it', async () => {
    const png = readFileSync(join(ROOT, 'samples/shapes/star-00.png'));
    const { status, body } = await api<InputInfo>(ROUTES.uploadInput, { method: 'POST', headers: { 'content-type': 'image/png', 'x-convlens-filename': encodeURIComponent('../../etc/my star.png') }, body: png });
    expect(status).toBe(200);
    expect(body.id).toMatch(/^upload:[0-9a-f-]{36}$/);
    expect(body.name).toBe('../../etc/my star.png'); // shown, never used as a path
    expect([body.width, body.height]).toEqual([64, 64]);
    upload = body;
    expect((await api<InputInfo>(ROUTES.input(body.id))).body).toEqual(body);
    const r = await fetch(new URL(ROUTES.inputImage('sample:mnist:digit-3.png', 'mnist'), studio.url), { headers: auth() });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    const img = await loadImage(new Uint8Array(await r.arrayBuffer()));
    const mnist = (await api<ModelDetail>(ROUTES.model('mnist'))).body;
    expect([img.height, img.width]).toEqual(mnist.input.size);
    expect((await api(ROUTES.input('sample:shapes:../package.json'))).status).toBe(404);
  });

  it('runs predict, features, filters, explain and visualize jobs, pushing events on the WebSocket', async () => {
    const { ws, events } = await openWs();
    try {
      await until(() => events.some((e) => e.type === 'hello'));
      // predict
      const p = await runJob<PredictResult>('predict', { modelId: 'shapes', inputId: upload.id, topk: 3 });
      timings.predict = Math.round(p.ms);
      expect(p.result.predictions.length).toBe(3);
      expect(p.result.predictions[0]!.label).toBe('star');
      expect(p.result.predictions[0]!.prob).toBeGreaterThan(0.5);
      await until(() => events.some((e) => e.type === 'job' && e.job.id === p.job.id && e.job.status === 'done'));

      // features: dims match the layer's shape, stats match the bytes served
      const detail = (await api<ModelDetail>(ROUTES.model('shapes'))).body;
      const conv = detail.layers.filter((l) => l.op === 'Conv')[1]!;
      const f = await runJob<FeaturesResult>('features', { modelId: 'shapes', inputId: upload.id, layer: conv.tensor });
      timings.features = Math.round(f.ms);
      expect(f.result.activation.dims).toEqual(conv.shape.slice(1));
      expect(f.result.layer.tensor).toBe(conv.tensor);
      const act = await fetchArray(f.result.activation);
      const [C, H, W] = f.result.activation.dims as [number, number, number];
      expect(act.length).toBe(C * H * W);
      for (const c of [0, C - 1]) {
        const plane = act.subarray(c * H * W, (c + 1) * H * W);
        expect(f.result.channels[c]!.max).toBeCloseTo(Math.max(...plane), 5);
        expect(f.result.channels[c]!.mean).toBeCloseTo(plane.reduce((a, v) => a + v, 0) / plane.length, 4);
      }
      // Other layers of the same input come from the worker's activation cache (one forward pass for all
      // layers): conv1 and relu1 are sliced from it and must agree (relu1 = max(0, conv1)), stats included.
      const conv1 = detail.layers.find((l) => l.op === 'Conv')!;
      const relu1 = detail.layers.find((l) => l.index > conv1.index && l.op === 'Relu')!;
      const fc = await runJob<FeaturesResult>('features', { modelId: 'shapes', inputId: upload.id, layer: conv1.tensor });
      const fr = await runJob<FeaturesResult>('features', { modelId: 'shapes', inputId: upload.id, layer: relu1.tensor });
      timings['features (cached layer)'] = Math.round(fr.ms);
      const [ac, ar] = [await fetchArray(fc.result.activation), await fetchArray(fr.result.activation)];
      expect(ar.length).toBe(ac.length);
      let worst = 0;
      for (let i = 0; i < ac.length; i++) worst = Math.max(worst, Math.abs(ar[i]! - Math.max(0, ac[i]!)));
      expect(worst).toBeLessThan(1e-5);
      const plane = fr.result.activation.dims[1]! * fr.result.activation.dims[2]!;
      const zeros = ar.subarray(0, plane).reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
      expect(fr.result.channels[0]!.zeroFraction).toBeCloseTo(zeros / plane, 6);
      expect(fr.result.activation.min).toBe(0);
      expect(fr.result.activation.max).toBeCloseTo(Math.max(...fr.result.channels.map((s) => s.max)), 6);
      // The cache is per preprocessing too: another normalisation gives another activation.
      const other = await runJob<FeaturesResult>('features', { modelId: 'shapes', inputId: upload.id, layer: conv1.tensor, preprocess: { mean: [0.1, 0.1, 0.1] } });
      expect(other.result.channels[0]!.mean).not.toBeCloseTo(fc.result.channels[0]!.mean, 3);

      // filters: the first conv's weights
      const fl = await runJob<FiltersResult>('filters', { modelId: 'shapes', layer: detail.layers.find((l) => l.hasFilters)!.tensor });
      expect(fl.result.rgb).toBe(true);
      expect(fl.result.weights.dims[1]).toBe(3);
      expect((await fetchArray(fl.result.weights)).length).toBe(fl.result.weights.dims.reduce((a, b) => a * b, 1));

      // explain: Grad-CAM's peak lies inside the ground-truth mask on several samples
      for (const name of ['star-00', 'triangle-01', 'hexagon-00']) {
        const e = await runJob<ExplainResult>('explain', { modelId: 'shapes', inputId: `sample:shapes:${name}.png`, methods: ['gradcam'] });
        timings[`gradcam ${name}`] = Math.round(e.ms);
        const m = e.result.maps[0]!;
        expect(m.method).toBe('gradcam');
        expect(m.map.dims).toEqual([64, 64]);
        expect(m.map.max).toBeLessThanOrEqual(1);
        expect(m.map.min).toBeGreaterThanOrEqual(0);
        expect(e.result.layer).toBe(detail.defaultCamLayer);
        expect(e.result.target.label).toBe(name.split('-')[0]);
        expect((m.record.model as { sha256: string }).sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(m.record.method).toBe('gradcam');
        const map = await fetchArray(m.map);
        let best = 0;
        for (let i = 1; i < map.length; i++) if (map[i]! > map[best]!) best = i;
        const mask = await loadImage(join(ROOT, `samples/shapes/${name}.mask.png`), { keepGray: true });
        expect(mask.data[best * mask.channels]!, `${name}: peak at (${best % 64}, ${Math.floor(best / 64)}) is inside the mask`).toBeGreaterThan(127);
      }
      // two methods in one job, with raw attributions shaped like the input
      const two = await runJob<ExplainResult>('explain', { modelId: 'shapes', inputId: upload.id, methods: ['gradcam', 'saliency'], target: 'star' });
      expect(two.result.maps.map((m) => m.method)).toEqual(['gradcam', 'saliency']);
      expect(two.result.target.index).toBe(3);
      expect(two.result.maps[1]!.raw.dims).toEqual([3, 64, 64]);

      // visualize: progress with preview images, then the final image
      const before = events.length;
      const v = await runJob<VisualizeResult>('visualize', { modelId: 'shapes', objective: 'class(3)', steps: 24, previewEvery: 8, seed: 1 });
      timings['visualize 24 steps'] = Math.round(v.ms);
      expect(v.result.images.length).toBe(1);
      expect(v.result.images[0]!.image.dims).toEqual([3, 64, 64]);
      expect(v.result.trajectory.length).toBe(24);
      expect(v.result.trajectory[23]!).toBeGreaterThan(v.result.trajectory[0]!);
      const previews = events.slice(before).filter((e): e is Extract<ServerEvent, { type: 'progress' }> => e.type === 'progress' && e.jobId === v.job.id && !!e.preview);
      expect(previews.length).toBe(3);
      expect(previews[0]!.preview!.dims).toEqual([3, 64, 64]);
      expect(previews[0]!.message).toMatch(/^step 8\/24/);
      const img = await fetchArray(v.result.images[0]!.image);
      expect(Math.min(...img)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...img)).toBeLessThanOrEqual(1);
    } finally {
      ws.close();
    }
  });

  it('answers a repeated job from the cache at once', async () => {
    const params = { modelId: 'shapes', inputId: 'sample:shapes:star-00.png', methods: ['gradcam'] };
    const first = await runJob<ExplainResult>('explain', params);
    const t0 = performance.now();
    const { body } = await postJob('explain', { methods: ['gradcam'], inputId: 'sample:shapes:star-00.png', modelId: 'shapes' }); // same params, other key order
    timings['cached explain'] = Math.round(performance.now() - t0);
    expect(body.status).toBe('done');
    expect(body.cached).toBe(true);
    expect(body.id).not.toBe(first.job.id);
    expect((body.result as ExplainResult).maps[0]!.map.id).toBe(first.result.maps[0]!.map.id);
    const other = await postJob('explain', { ...params, target: 0 });
    expect(other.body.cached).toBeUndefined();
    await waitJob(other.body.id);
  });

  it('cancels a queued job at once and a running one cooperatively', async () => {
    const { ws, events } = await openWs();
    try {
      const long = (await postJob('visualize', { modelId: 'shapes', objective: 'class(2)', steps: 100000, previewEvery: 1000 })).body;
      const queued = (await postJob('predict', { modelId: 'mnist', inputId: 'sample:mnist:digit-1.png', topk: 2 })).body;
      expect(queued.status).toBe('queued');
      expect((await api<JobInfo>(ROUTES.cancelJob(queued.id), { method: 'POST' })).body.status).toBe('cancelled');
      await until(() => events.some((e) => e.type === 'progress' && e.jobId === long.id));
      const t0 = performance.now();
      await api(ROUTES.cancelJob(long.id), { method: 'POST' });
      const done = await waitJob(long.id, 5000);
      timings['cooperative cancel'] = Math.round(performance.now() - t0);
      expect(done.status).toBe('cancelled');
      expect(done.error?.code).toBe('E_CANCELLED');
      expect(events.some((e) => e.type === 'job' && e.job.id === long.id && e.job.status === 'cancelled')).toBe(true);
    } finally {
      ws.close();
    }
  });

  it('kills a worker that ignores cancellation, and keeps serving', async () => {
    const hung = (await postJob('__hang', {})).body;
    // Wait until the worker has started it (a busy machine may take a while to dispatch).
    expect((await waitJob(hung.id, 10_000, ['queued'])).status).toBe('running');
    const t0 = performance.now();
    await api(ROUTES.cancelJob(hung.id), { method: 'POST' });
    const done = await waitJob(hung.id, 8000);
    timings['kill after grace'] = Math.round(performance.now() - t0);
    expect(done.status).toBe('cancelled');
    const p = await runJob<PredictResult>('predict', { modelId: 'mnist', inputId: 'sample:mnist:digit-7.png' });
    expect(p.result.predictions[0]!.label ?? String(p.result.predictions[0]!.index)).toBe('7');
  });

  it('contains a native crash of the worker: the job fails with E_RUNTIME_CRASH, later jobs succeed', async () => {
    const { body } = await postJob('__crash', { modelId: 'shapes' });
    const job = await waitJob(body.id, 15_000);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('E_RUNTIME_CRASH');
    expect(job.error?.message).toMatch(/^ONNX Runtime crashed while running __crash on shapes \(SIGABRT\); the studio restarted its worker/);
    expect((await api(ROUTES.info)).status).toBe(200);
    const e = await runJob<ExplainResult>('explain', { modelId: 'shapes', inputId: 'sample:shapes:circle-00.png', methods: ['gradcam'], target: 'circle' });
    expect(e.result.target.label).toBe('circle');
  });

  it('reports bad job requests as StudioErrors with stable codes', async () => {
    const unknownKind = await postJob('nope', { modelId: 'shapes' });
    expect(unknownKind.status).toBe(400);
    expect(unknownKind.body).toMatchObject({ code: 'E_BAD_USAGE' });
    const noModel = await postJob('predict', { modelId: 'zzz', inputId: upload.id });
    expect(noModel.status).toBe(404);
    const badLayer = (await postJob('features', { modelId: 'shapes', inputId: upload.id, layer: 'no.such.layer' })).body;
    const failed = await waitJob(badLayer.id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('E_UNKNOWN_LAYER');
    const badImage = await api<{ code: string }>(ROUTES.uploadInput, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) });
    expect(badImage.status).toBe(400);
    expect(badImage.body.code).toBe('E_IMAGE_DECODE');
  });
});

describe('convlens studio (CLI)', () => {
  it('prints the launch URL, serves it, and stops cleanly on Ctrl-C (SIGINT)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(ROOT, 'bin/convlens.js'), 'studio', 'models/mnist-cnn.onnx', '--no-open', '--port', '0', '--threads', '1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until(() => /convlens studio: (\S+)/.test(out), 30_000);
      const launch = /convlens studio: (\S+)/.exec(out)![1]!;
      expect(launch).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
      const r = await fetch(launch, { redirect: 'manual' });
      expect(r.status).toBe(302);
      const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
      const models = await fetch(new URL('/api/models', launch), { headers: { cookie } });
      expect((await models.json() as ModelSummary[]).map((m) => m.id)).toEqual(['mnist-cnn']);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});

describe('studio ports', () => {
  it('defaults to 7860 or the next free port, and refuses an explicit port that is taken', async () => {
    const a = await startStudio({ models: [join(ROOT, 'models/mnist-cnn.onnx')], threads: 1, uiDir: emptyUi });
    try {
      expect(a.port).toBeGreaterThanOrEqual(7860); // 7860..7879 unless all are taken on this machine
      expect(a.url).toBe(`http://127.0.0.1:${a.port}/`);
      expect(a.token).toMatch(/^[0-9a-f]{64}$/);
      const err = await startStudio({ models: [join(ROOT, 'models/mnist-cnn.onnx')], port: a.port, uiDir: emptyUi }).then(() => undefined, (e: unknown) => e);
      expect((err as { code?: string }).code).toBe('E_PORT_IN_USE');
      const r = await fetch(new URL(ROUTES.info, a.url), { headers: { 'x-convlens-token': a.token } });
      expect(r.status).toBe(200);
    } finally {
      await a.close();
    }
  });
});
