/**
 * StudioClient: the one client interface to a running `convlens studio` server, typed by
 * `../protocol.ts`. Used by the React UI and by tests. Isomorphic: only the `fetch` and `WebSocket`
 * globals (or injected implementations); without a WebSocket it falls back to polling job state.
 * Jobs: {@link StudioClient.runJob} posts a job, streams its progress (WS events, polling as a safety
 * net) and resolves with its result; aborting the signal posts a cancel. Arrays are fetched once and cached.
 */

import { ROUTES } from '../protocol.ts';
import type {
  ArrayRef, InputInfo, JobInfo, JobKind, JobParamsByKind, JobResultByKind, ModelDetail, ModelSummary,
  ServerEvent, StudioError, StudioInfo,
} from '../protocol.ts';

/** An API error or a failed job, carrying the server's stable `E_*` code and hint. */
export class StudioClientError extends Error {
  readonly code: string;
  readonly hint?: string;
  /** HTTP status when the error came from an HTTP answer. */
  readonly status?: number;
  constructor(err: StudioError, status?: number) {
    super(err.message);
    this.name = 'StudioClientError';
    this.code = err.code;
    if (err.hint !== undefined) this.hint = err.hint;
    if (status !== undefined) this.status = status;
  }
  toJSON(): StudioError { return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) }; }
}

/** Progress of a running job as {@link StudioClient.runJob} reports it. */
export interface JobProgress {
  jobId: string;
  progress?: number;
  message?: string;
  /** Intermediate image (visualize jobs). */
  preview?: ArrayRef;
}

/** Options for {@link StudioClient}. */
export interface StudioClientOptions {
  /** Server origin (`http://127.0.0.1:7777`). Default: the page's origin (relative URLs). */
  baseUrl?: string;
  /** Extra headers for every HTTP request (e.g. a `cookie` when used from Node). */
  headers?: Record<string, string>;
  /** fetch implementation. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** WebSocket constructor; `null` disables the socket (polling only). Default `globalThis.WebSocket`. */
  WebSocket?: typeof WebSocket | null;
  /** Poll interval for running jobs, ms (a safety net next to WS events). Default 1000. */
  pollMs?: number;
  /** Max cached arrays (LRU). Default 256. */
  arrayCacheSize?: number;
}

/** Options for {@link StudioClient.runJob}. */
export interface RunJobOptions {
  onProgress?: (p: JobProgress) => void;
  /** Abort → the job is cancelled on the server and the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

type Listener = (e: ServerEvent) => void;

/** One server job shared by identical in-flight {@link StudioClient.runJobInfo} calls. */
interface SharedRun {
  promise: Promise<JobInfo>;
  ctl: AbortController;
  refs: number;
  listeners: Set<(p: JobProgress) => void>;
}

function abortError(): Error {
  const e = new Error('The job was cancelled');
  e.name = 'AbortError';
  return e;
}

export class StudioClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly fetchImpl: typeof fetch;
  private readonly WS: typeof WebSocket | null;
  private readonly pollMs: number;
  private readonly cacheSize: number;
  private readonly arrays = new Map<string, Promise<Float32Array>>();
  private readonly listeners = new Set<Listener>();
  /** Final job states seen on the socket before their POST answered. */
  private readonly finished = new Map<string, JobInfo>();
  private readonly shared = new Map<string, SharedRun>();
  private ws: WebSocket | null = null;
  private wsRetry = 0;
  private wsTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(opts: StudioClientOptions = {}) {
    this.base = (opts.baseUrl ?? '').replace(/\/$/, '');
    this.headers = opts.headers ?? {};
    const f = opts.fetch ?? globalThis.fetch;
    this.fetchImpl = (...a: Parameters<typeof fetch>) => f(...a);
    this.WS = opts.WebSocket === undefined ? (typeof WebSocket === 'function' ? WebSocket : null) : opts.WebSocket;
    this.pollMs = opts.pollMs ?? 1000;
    this.cacheSize = opts.arrayCacheSize ?? 256;
  }

  // ------------------------------------------------------------ HTTP

  private url(path: string): string { return this.base + path; }

  private async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.url(path), {
        credentials: 'same-origin',
        ...init,
        headers: { accept: 'application/json', ...this.headers, ...(init.headers as Record<string, string> | undefined) },
      });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw e;
      throw new StudioClientError({ code: 'E_NETWORK', message: `cannot reach the studio server (${(e as Error).message})`, hint: 'is `convlens studio` still running?' });
    }
    if (!res.ok) throw await this.errorFrom(res);
    return (await res.json()) as T;
  }

  private async errorFrom(res: Response): Promise<StudioClientError> {
    let body: Partial<StudioError> = {};
    try { body = (await res.json()) as Partial<StudioError>; } catch { /* not JSON */ }
    const err = (body as { error?: StudioError }).error ?? body;
    return new StudioClientError({
      code: typeof err.code === 'string' ? err.code : `E_HTTP_${res.status}`,
      message: typeof err.message === 'string' ? err.message : `${res.status} ${res.statusText}`,
      ...(typeof err.hint === 'string' ? { hint: err.hint } : res.status === 401 || res.status === 403
        ? { hint: 'open the URL `convlens studio` printed (it carries the launch token)' } : {}),
    }, res.status);
  }

  info(): Promise<StudioInfo> { return this.request(ROUTES.info); }
  models(): Promise<ModelSummary[]> { return this.request(ROUTES.models); }
  model(id: string): Promise<ModelDetail> { return this.request(ROUTES.model(id)); }
  input(id: string): Promise<InputInfo> { return this.request(ROUTES.input(id)); }

  /** Upload image bytes (png/jpeg/webp). `name` is for display only. */
  uploadInput(body: Blob | ArrayBuffer | Uint8Array, contentType: string, name?: string): Promise<InputInfo> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (name) headers['x-convlens-filename'] = encodeURIComponent(name);
    return this.request(ROUTES.uploadInput + (name ? `?name=${encodeURIComponent(name)}` : ''), { method: 'POST', body: body as BodyInit, headers });
  }

  /** URL of the input as the model sees it (resized/cropped, before normalisation), optionally with a resize override. */
  inputImageUrl(inputId: string, modelId: string, resize?: string): string {
    return this.url(ROUTES.inputImage(inputId, modelId) + (resize ? `&resize=${encodeURIComponent(resize)}` : ''));
  }

  createJob<K extends JobKind>(kind: K, params: JobParamsByKind[K]): Promise<JobInfo<K>> {
    return this.request(ROUTES.jobs, { method: 'POST', body: JSON.stringify({ kind, params }), headers: { 'content-type': 'application/json' } });
  }
  getJob<K extends JobKind>(id: string): Promise<JobInfo<K>> { return this.request(ROUTES.job(id)); }
  cancelJob(id: string): Promise<unknown> {
    return this.request(ROUTES.cancelJob(id), { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  }

  /** The float32 values of an array (fetched once, then cached). */
  getArray(ref: ArrayRef | string): Promise<Float32Array> {
    const id = typeof ref === 'string' ? ref : ref.id;
    const hit = this.arrays.get(id);
    if (hit) { this.arrays.delete(id); this.arrays.set(id, hit); return hit; }
    const p = (async () => {
      let res: Response;
      try {
        res = await this.fetchImpl(this.url(ROUTES.array(id)), { credentials: 'same-origin', headers: { ...this.headers } });
      } catch (e) {
        throw new StudioClientError({ code: 'E_NETWORK', message: `cannot fetch array ${id} (${(e as Error).message})` });
      }
      if (!res.ok) throw await this.errorFrom(res);
      const buf = await res.arrayBuffer();
      if (buf.byteLength % 4 !== 0) throw new StudioClientError({ code: 'E_TENSOR_DATA', message: `array ${id}: ${buf.byteLength} bytes is not a whole number of float32 values` });
      const out = new Float32Array(buf);
      if (typeof ref !== 'string') {
        const n = ref.dims.reduce((a, b) => a * b, 1);
        if (n !== out.length) throw new StudioClientError({ code: 'E_TENSOR_DATA', message: `array ${id}: expected ${n} values for dims [${ref.dims.join(', ')}], got ${out.length}` });
      }
      return out;
    })();
    p.catch(() => this.arrays.delete(id));
    this.arrays.set(id, p);
    while (this.arrays.size > this.cacheSize) this.arrays.delete(this.arrays.keys().next().value as string);
    return p;
  }

  // ------------------------------------------------------------ WebSocket

  /** Subscribe to server events (opens the socket on first use). Returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    this.connect();
    return () => { this.listeners.delete(listener); };
  }

  /** True when the event socket is open. */
  get connected(): boolean { return this.ws !== null && this.ws.readyState === 1; }

  private wsUrl(): string {
    if (this.base) return this.base.replace(/^http/, 'ws') + ROUTES.ws;
    const loc = (globalThis as { location?: { protocol: string; host: string } }).location;
    if (!loc) throw new Error('StudioClient: baseUrl is required outside a browser');
    return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${ROUTES.ws}`;
  }

  private connect(): void {
    if (this.closed || !this.WS || this.ws) return;
    let ws: WebSocket;
    try { ws = new this.WS(this.wsUrl()); } catch { this.scheduleReconnect(); return; }
    this.ws = ws;
    ws.onopen = () => { this.wsRetry = 0; };
    ws.onmessage = (m: MessageEvent) => {
      let ev: ServerEvent;
      try { ev = JSON.parse(typeof m.data === 'string' ? m.data : String(m.data)) as ServerEvent; } catch { return; }
      if (ev.type === 'job' && ['done', 'failed', 'cancelled'].includes(ev.job.status)) {
        this.finished.set(ev.job.id, ev.job);
        if (this.finished.size > 64) this.finished.delete(this.finished.keys().next().value as string);
      }
      for (const l of [...this.listeners]) l(ev);
    };
    ws.onclose = () => { this.ws = null; this.scheduleReconnect(); };
    ws.onerror = () => { /* onclose follows */ };
  }

  private scheduleReconnect(): void {
    if (this.closed || this.wsTimer || this.listeners.size === 0) return;
    const delay = Math.min(10_000, 250 * 2 ** this.wsRetry++);
    this.wsTimer = setTimeout(() => { this.wsTimer = null; this.connect(); }, delay);
  }

  /** Close the socket and stop reconnecting. */
  close(): void {
    this.closed = true;
    if (this.wsTimer) clearTimeout(this.wsTimer);
    this.ws?.close();
    this.ws = null;
    this.listeners.clear();
  }

  // ------------------------------------------------------------ jobs

  /** Run a job to completion: resolves with its result, rejects with a {@link StudioClientError} when it fails. */
  runJob<K extends JobKind>(kind: K, params: JobParamsByKind[K], opts: RunJobOptions = {}): Promise<JobResultByKind[K]> {
    return this.runJobInfo(kind, params, opts).then((j) => j.result as JobResultByKind[K]);
  }

  /**
   * Like {@link runJob} but resolves with the final {@link JobInfo} (ms, cached flag, result).
   * Identical requests in flight (same kind and params) share one server job; the job is cancelled
   * only when every caller has aborted.
   */
  runJobInfo<K extends JobKind>(kind: K, params: JobParamsByKind[K], opts: RunJobOptions = {}): Promise<JobInfo<K>> {
    const key = `${kind}|${JSON.stringify(params)}`;
    let s = this.shared.get(key);
    if (!s) {
      const ctl = new AbortController();
      const listeners = new Set<(p: JobProgress) => void>();
      const entry: SharedRun = { promise: this.runJobOnce(kind, params, { signal: ctl.signal, onProgress: (p) => { for (const l of [...listeners]) l(p); } }), ctl, refs: 0, listeners };
      this.shared.set(key, entry);
      entry.promise.then(() => undefined, () => undefined).finally(() => { if (this.shared.get(key) === entry) this.shared.delete(key); });
      s = entry;
    }
    const run = s;
    run.refs++;
    if (opts.onProgress) run.listeners.add(opts.onProgress);
    return new Promise<JobInfo<K>>((resolve, reject) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        run.refs--;
        if (opts.onProgress) run.listeners.delete(opts.onProgress);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        if (released) return;
        release();
        if (run.refs === 0) { run.ctl.abort(); if (this.shared.get(key) === run) this.shared.delete(key); }
        reject(abortError());
      };
      if (opts.signal?.aborted) { onAbort(); return; }
      opts.signal?.addEventListener('abort', onAbort);
      run.promise.then((j) => { if (!released) { release(); resolve(j as JobInfo<K>); } }, (e: unknown) => { if (!released) { release(); reject(e); } });
    });
  }

  private runJobOnce<K extends JobKind>(kind: K, params: JobParamsByKind[K], opts: RunJobOptions): Promise<JobInfo<K>> {
    const { signal, onProgress } = opts;
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<JobInfo<K>>((resolve, reject) => {
      let jobId: string | null = null;
      let settled = false;
      let poll: ReturnType<typeof setTimeout> | null = null;
      const pending: ServerEvent[] = [];
      const finish = (job: JobInfo<K>) => {
        if (settled) return;
        if (job.status === 'done') { cleanup(); resolve(job); }
        else if (job.status === 'failed') { cleanup(); reject(new StudioClientError(job.error ?? { code: 'E_JOB_FAILED', message: `${kind} job failed` })); }
        else if (job.status === 'cancelled') { cleanup(); reject(abortError()); }
        else if (onProgress) onProgress({ jobId: job.id, ...(job.progress !== undefined ? { progress: job.progress } : {}), ...(job.message ? { message: job.message } : {}) });
      };
      const handle = (ev: ServerEvent) => {
        if (ev.type === 'hello') return;
        if (jobId === null) { pending.push(ev); return; }
        if (ev.type === 'progress' && ev.jobId === jobId) {
          onProgress?.({ jobId, progress: ev.progress, ...(ev.message ? { message: ev.message } : {}), ...(ev.preview ? { preview: ev.preview } : {}) });
        } else if (ev.type === 'job' && ev.job.id === jobId) finish(ev.job as JobInfo<K>);
      };
      const unsubscribe = this.onEvent(handle);
      const onAbort = () => {
        if (settled) return;
        if (jobId) this.cancelJob(jobId).catch(() => undefined);
        cleanup();
        reject(abortError());
      };
      const cleanup = () => {
        settled = true;
        unsubscribe();
        if (poll) clearTimeout(poll);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort);
      const schedulePoll = () => {
        if (settled) return;
        // Poll faster when the socket is down; slowly as a safety net when it is up.
        poll = setTimeout(async () => {
          if (settled || !jobId) return;
          try { finish(await this.getJob<K>(jobId)); } catch (e) { if (!settled && e instanceof StudioClientError && e.status === 404) { cleanup(); reject(e); return; } }
          schedulePoll();
        }, this.connected ? this.pollMs * 3 : this.pollMs);
      };
      this.createJob(kind, params).then((job) => {
        if (settled) { if (job.status === 'queued' || job.status === 'running') this.cancelJob(job.id).catch(() => undefined); return; }
        jobId = job.id;
        const early = this.finished.get(job.id);
        for (const ev of pending.splice(0)) handle(ev);
        finish((early ?? job) as JobInfo<K>);
        schedulePoll();
      }, (e: unknown) => { if (!settled) { cleanup(); reject(e); } });
    });
  }
}
