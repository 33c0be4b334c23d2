/**
 * The studio's job queue: `POST /api/jobs` returns a {@link JobInfo} at once; jobs run one at a time in
 * the model worker; progress and completion are pushed to every WebSocket client as ServerEvents;
 * results are cached per (model hash, input id, kind, canonical params); cancelling stops a queued
 * job at once and a running one cooperatively — or by killing the worker when it has not stopped
 * within `cancelGraceMs`. A worker that dies mid-job fails the job with E_RUNTIME_CRASH and is
 * restarted (RELIABILITY.md 9).
 */
import { randomUUID } from 'node:crypto';
import { ConvlensError, ErrorCodes } from '../../core/errors.ts';
import { JOB_KINDS } from '../protocol.ts';
import type { JobInfo, JobKind, JobRequest, ServerEvent, StudioError } from '../protocol.ts';
import type { ArrayStore } from './arrays.ts';
import type { Catalog } from './catalog.ts';
import type { FromWorker, WireInput } from './ipc.ts';
import type { WorkerPool } from './worker-pool.ts';

const KINDS: readonly string[] = JOB_KINDS;
const NEEDS_INPUT: readonly string[] = ['predict', 'features', 'explain'];

/** JSON with object keys sorted at every level (the cache key's params part). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** Every ArrayRef id inside a result. */
function arrayIds(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => arrayIds(x, out));
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.dtype === 'float32' && typeof o.id === 'string' && Array.isArray(o.dims)) out.push(o.id);
    else for (const x of Object.values(o)) arrayIds(x, out);
  }
  return out;
}

interface JobRecord {
  info: JobInfo;
  kind: JobKind | '__crash' | '__hang';
  params: Record<string, unknown>;
  modelPath?: string;
  modelId?: string;
  input?: WireInput;
  cacheKey?: string;
  started?: number;
  cancelTimer?: NodeJS.Timeout;
  timeoutTimer?: NodeJS.Timeout;
  cancelling?: 'user' | 'timeout';
  /** Preview arrays of a visualize job (the last few stay fetchable while the client catches up). */
  previewIds: string[];
}

export interface JobManagerOptions {
  /** Longest a job may run before it is stopped with E_TIMEOUT (default 10 minutes). */
  jobTimeoutMs?: number;
  /** How long a cancelled running job gets to stop by itself before the worker is killed (default 2 s). */
  cancelGraceMs?: number;
  /** Accept the hidden `__crash` / `__hang` kinds (tests only). */
  allowTestHooks?: boolean;
  /** Finished jobs kept for `GET /api/jobs/:id` (default 1000). */
  maxJobs?: number;
  /**
   * Once a model's first job is done and the queue has stayed empty for {@link WARM_IDLE_MS}, have the
   * worker compile that model's default Grad-CAM program (default true), so the first Run in the Explain
   * view does not pay for building the backward graph.
   */
  warmGradients?: boolean;
}

/** How long the queue must be idle before a background warm-up starts, ms. */
export const WARM_IDLE_MS = 250;

export class JobManager {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly queue: JobRecord[] = [];
  private current?: JobRecord;
  private readonly cache = new Map<string, JobInfo>();
  private readonly listeners = new Set<(e: ServerEvent) => void>();
  /** Models whose warm-up was sent to the current worker. */
  private readonly warmed = new Set<string>();
  private pendingWarm?: { modelPath: string; input: WireInput; preprocess?: unknown };
  private warmTimer?: NodeJS.Timeout;

  constructor(
    private readonly pool: WorkerPool,
    private readonly catalog: Catalog,
    private readonly arrays: ArrayStore,
    private readonly opts: JobManagerOptions = {},
  ) {}

  /** Subscribes to job events; returns the unsubscribe function. */
  subscribe(fn: (e: ServerEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: ServerEvent): void {
    for (const fn of this.listeners) {
      try { fn(e); } catch { /* a broken client must not stop the others */ }
    }
  }

  private publish(r: JobRecord): void {
    this.emit({ type: 'job', job: r.info });
  }

  get(id: string): JobInfo {
    const r = this.jobs.get(id);
    if (!r) throw new ConvlensError(ErrorCodes.NOT_FOUND, `no job "${id}"`);
    return r.info;
  }

  private remember(r: JobRecord): void {
    this.jobs.set(r.info.id, r);
    const max = this.opts.maxJobs ?? 1000;
    if (this.jobs.size > max) {
      for (const [k, v] of this.jobs) {
        if (this.jobs.size <= max) break;
        if (v.info.status === 'queued' || v.info.status === 'running') continue;
        this.jobs.delete(k);
      }
    }
  }

  /** Validates and enqueues a job (or answers it from the cache). */
  async submit(body: unknown): Promise<JobInfo> {
    const req = body as Partial<JobRequest> | undefined;
    if (!req || typeof req !== 'object' || typeof req.kind !== 'string') {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, 'a job needs { kind, params }', { hint: `kinds: ${KINDS.join(', ')}` });
    }
    const kind = req.kind as JobRecord['kind'];
    const hook = kind === '__crash' || kind === '__hang';
    if (!KINDS.includes(kind) && !(hook && this.opts.allowTestHooks)) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown job kind "${String(req.kind).slice(0, 40)}"`, { hint: `kinds: ${KINDS.join(', ')}` });
    }
    const params = (req.params && typeof req.params === 'object' ? req.params : {}) as Record<string, unknown>;
    const r: JobRecord = { info: { id: randomUUID(), kind: kind as JobKind, status: 'queued' }, kind, params, previewIds: [] };
    if (!hook || typeof params.modelId === 'string') {
      if (typeof params.modelId !== 'string') throw new ConvlensError(ErrorCodes.BAD_USAGE, 'params.modelId is required');
      const model = this.catalog.model(params.modelId);
      const detail = await model.described;
      r.modelPath = model.path;
      r.modelId = model.id;
      let inputKey = '';
      if (NEEDS_INPUT.includes(kind)) {
        if (typeof params.inputId !== 'string') throw new ConvlensError(ErrorCodes.BAD_USAGE, `a ${kind} job needs params.inputId`);
        const input = await this.catalog.input(params.inputId);
        r.input = { id: input.info.id, name: input.info.name, raster: input.raster };
        inputKey = input.info.id;
      }
      const { modelId: _m, inputId: _i, ...rest } = params;
      r.cacheKey = `${detail.sha256}|${inputKey}|${kind}|${canonicalJson(rest)}`;
      const hit = this.cache.get(r.cacheKey);
      if (hit && arrayIds(hit.result).every((id) => this.arrays.has(id))) {
        r.info = { ...hit, id: r.info.id, cached: true, ms: 0 };
        this.remember(r);
        return r.info;
      }
      if (hit) this.cache.delete(r.cacheKey);
    }
    this.remember(r);
    this.queue.push(r);
    this.publish(r);
    this.pump();
    return r.info;
  }

  private pump(): void {
    if (this.current || this.queue.length === 0) return;
    const r = this.queue.shift()!;
    this.current = r;
    r.started = performance.now();
    r.info = { ...r.info, status: 'running', progress: 0 };
    this.publish(r);
    const timeout = this.opts.jobTimeoutMs ?? 600_000;
    r.timeoutTimer = setTimeout(() => this.stopRunning(r, 'timeout'), timeout);
    r.timeoutTimer.unref?.();
    this.pool.send({ type: 'run', jobId: r.info.id, kind: r.kind, params: r.params, ...(r.modelPath ? { modelPath: r.modelPath } : {}), ...(r.input ? { input: r.input } : {}) });
  }

  private finish(r: JobRecord, patch: Partial<JobInfo>): void {
    clearTimeout(r.cancelTimer);
    clearTimeout(r.timeoutTimer);
    for (const id of r.previewIds.slice(0, -1)) this.arrays.delete(id); // the last preview stays until the LRU drops it
    r.previewIds = [];
    r.info = { ...r.info, ...patch, ms: r.started !== undefined ? Math.round(performance.now() - r.started) : 0 };
    if (r.info.status !== 'done') delete r.info.result;
    if (this.current === r) this.current = undefined;
    if (r.info.status === 'done' && r.modelPath && r.input && this.opts.warmGradients !== false && !this.warmed.has(r.modelPath)) {
      this.pendingWarm = { modelPath: r.modelPath, input: r.input, ...(r.params.preprocess !== undefined ? { preprocess: r.params.preprocess } : {}) };
    }
    this.publish(r);
    this.pump();
    this.scheduleWarm();
  }

  /** Sends the pending warm-up once the queue has been idle for WARM_IDLE_MS (a job arriving first postpones it). */
  private scheduleWarm(): void {
    if (!this.pendingWarm || this.warmTimer) return;
    this.warmTimer = setTimeout(() => {
      this.warmTimer = undefined;
      const w = this.pendingWarm;
      if (!w || this.current || this.queue.length) return; // the next finish() re-arms it
      this.pendingWarm = undefined;
      if (this.warmed.has(w.modelPath)) return;
      this.warmed.add(w.modelPath);
      this.pool.send({ type: 'warm', modelPath: w.modelPath, input: w.input, ...(w.preprocess !== undefined ? { preprocess: w.preprocess as never } : {}) });
    }, WARM_IDLE_MS);
    this.warmTimer.unref?.();
  }

  /** Messages from the worker about the running job. */
  onWorkerMessage(msg: FromWorker): void {
    const r = this.current;
    if (!r || !('jobId' in msg) || msg.jobId !== r.info.id) return;
    if (msg.type === 'progress') {
      if (msg.preview) {
        this.arrays.put(msg.preview.ref.id, msg.preview.data);
        r.previewIds.push(msg.preview.ref.id);
        while (r.previewIds.length > 4) this.arrays.delete(r.previewIds.shift()!);
      }
      r.info = { ...r.info, progress: msg.progress, ...(msg.message ? { message: msg.message } : {}) };
      this.emit({ type: 'progress', jobId: r.info.id, progress: msg.progress, ...(msg.message ? { message: msg.message } : {}), ...(msg.preview ? { preview: msg.preview.ref } : {}) });
    } else if (msg.type === 'done') {
      for (const a of msg.arrays) this.arrays.put(a.ref.id, a.data);
      this.finish(r, { status: 'done', progress: 1, result: msg.result as JobInfo['result'] });
      if (r.cacheKey) this.cache.set(r.cacheKey, r.info);
    } else if (msg.type === 'failed') {
      if (msg.cancelled || r.cancelling) this.finish(r, { status: r.cancelling === 'timeout' ? 'failed' : 'cancelled', error: this.cancelError(r) });
      else this.finish(r, { status: 'failed', error: msg.error });
    }
  }

  private cancelError(r: JobRecord): StudioError {
    return r.cancelling === 'timeout'
      ? { code: ErrorCodes.TIMEOUT, message: `${r.kind} job ran longer than ${Math.round((this.opts.jobTimeoutMs ?? 600_000) / 1000)} s and was stopped`, hint: 'use fewer steps or methods, or start the studio with a longer job timeout' }
      : { code: ErrorCodes.CANCELLED, message: `${r.kind} job cancelled` };
  }

  /** The worker died: the running job fails (or ends cancelled when it was being cancelled). */
  onWorkerExit(info: { code: number | null; signal: NodeJS.Signals | null; restarting: boolean }): void {
    this.warmed.clear(); // a new worker has compiled nothing
    const r = this.current;
    if (!r) return;
    if (r.cancelling) {
      this.finish(r, { status: r.cancelling === 'timeout' ? 'failed' : 'cancelled', error: this.cancelError(r) });
      return;
    }
    const how = info.signal ?? `exit code ${info.code}`;
    this.finish(r, {
      status: 'failed',
      error: {
        code: ErrorCodes.RUNTIME_CRASH,
        message: `ONNX Runtime crashed while running ${r.kind} on ${r.modelId ?? 'no model'} (${how}); the studio restarted its worker`,
        hint: 'the model may use an op or shape that crashes ONNX Runtime natively; other jobs keep working',
      },
    });
  }

  private stopRunning(r: JobRecord, why: 'user' | 'timeout'): void {
    if (this.current !== r || r.cancelling) return;
    r.cancelling = why;
    this.pool.send({ type: 'cancel', jobId: r.info.id });
    r.cancelTimer = setTimeout(() => { if (this.current === r) this.pool.kill(); }, this.opts.cancelGraceMs ?? 2000);
    r.cancelTimer.unref?.();
  }

  /** Cancels a queued job at once, a running one cooperatively (killing the worker after the grace period). */
  cancel(id: string): JobInfo {
    const r = this.jobs.get(id);
    if (!r) throw new ConvlensError(ErrorCodes.NOT_FOUND, `no job "${id}"`);
    const qi = this.queue.indexOf(r);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      r.info = { ...r.info, status: 'cancelled', error: { code: ErrorCodes.CANCELLED, message: `${r.kind} job cancelled before it started` } };
      this.publish(r);
    } else if (this.current === r) {
      this.stopRunning(r, 'user');
    }
    return r.info;
  }
}
