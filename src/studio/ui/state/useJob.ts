/**
 * React hooks over the StudioClient: `useJob` runs a job whenever its params change (or on demand),
 * cancels the previous run through an AbortSignal, and exposes status/progress/result/error for the
 * JobStatus and ErrorBox components; `useAsync` does the same for plain GETs.
 */

import { useCallback, useEffect, useRef, useState } from 'react';
import type { ArrayRef, JobKind, JobParamsByKind, JobResultByKind, StudioError } from '../../protocol.ts';
import { StudioClientError } from '../../client/index.ts';
import type { JobProgress, StudioClient } from '../../client/index.ts';

export interface JobState<K extends JobKind> {
  status: 'idle' | 'running' | 'done' | 'failed';
  progress?: number;
  message?: string;
  result?: JobResultByKind[K];
  error?: StudioError;
  /** Client-side wall time from request to result, ms. */
  ms?: number;
  /** Server-side wall time of the job, ms. */
  serverMs?: number;
  /** Served from the server's cache. */
  cached?: boolean;
  /** Parameters of the run that produced `result`. */
  params?: JobParamsByKind[K];
}

export function toStudioError(e: unknown): StudioError {
  if (e instanceof StudioClientError) return e.toJSON();
  const err = e as { code?: unknown; message?: unknown; hint?: unknown };
  return { code: typeof err?.code === 'string' ? err.code : 'E_CLIENT', message: typeof err?.message === 'string' ? err.message : String(e), ...(typeof err?.hint === 'string' ? { hint: err.hint } : {}) };
}

/**
 * Run `kind` with `params`; re-runs when the params' JSON changes (params `null` = nothing to run).
 * With `manual`, only `run()` starts a job. `onProgress` sees every progress event (previews).
 */
export function useJob<K extends JobKind>(
  client: StudioClient, kind: K, params: JobParamsByKind[K] | null,
  opts: {
    manual?: boolean;
    onProgress?: (p: JobProgress) => void;
    /** Arrays of the result to start fetching the moment the job finishes (saves a render round-trip). */
    prefetch?: (r: JobResultByKind[K]) => ArrayRef[];
    /**
     * For manual jobs restored from a permalink that records a finished run (e.g. `xr=1`): run on load
     * and again whenever `key` changes while `when` holds (results are cached server-side). Setting
     * `when` itself does not start a run.
     */
    rerun?: { when: boolean; key: string };
  } = {},
): JobState<K> & { run: () => void; cancel: () => void } {
  const [state, setState] = useState<JobState<K>>({ status: 'idle' });
  const key = params ? JSON.stringify(params) : '';
  const ctl = useRef<AbortController | null>(null);
  const paramsRef = useRef(params);
  paramsRef.current = params;
  const progressRef = useRef(opts.onProgress);
  progressRef.current = opts.onProgress;
  const prefetchRef = useRef(opts.prefetch);
  prefetchRef.current = opts.prefetch;

  const start = useCallback(() => {
    const p = paramsRef.current;
    ctl.current?.abort();
    if (!p) { setState({ status: 'idle' }); return; }
    const c = new AbortController();
    ctl.current = c;
    const t0 = performance.now();
    performance.mark(`convlens:job-start:${kind}`);
    setState((s) => ({ ...s, status: 'running', progress: 0, message: undefined, error: undefined }));
    client.runJobInfo(kind, p, {
      signal: c.signal,
      onProgress: (pr) => {
        if (c.signal.aborted) return;
        progressRef.current?.(pr);
        setState((s) => (s.status === 'running' ? { ...s, progress: pr.progress, message: pr.message ?? s.message } : s));
      },
    }).then((job) => {
      if (c.signal.aborted) return;
      performance.mark(`convlens:job-done:${kind}`);
      if (job.result && prefetchRef.current) for (const ref of prefetchRef.current(job.result)) client.getArray(ref).catch(() => undefined);
      setState({ status: 'done', result: job.result, ms: performance.now() - t0, serverMs: job.ms, cached: job.cached, params: p, progress: 1 });
    }, (e: unknown) => {
      if (c.signal.aborted || (e as Error)?.name === 'AbortError') return;
      setState({ status: 'failed', error: toStudioError(e), params: p });
    });
  }, [client, kind]);

  useEffect(() => {
    if (!opts.manual) start();
    return () => {
      ctl.current?.abort();
      // A run cancelled because its params changed must not leave the view "running" (a manual job would
      // otherwise keep its Run button disabled for good); the last result stays, marked stale by the view.
      setState((s) => (s.status === 'running' ? { ...s, status: s.result ? 'done' : 'idle', progress: undefined, message: undefined } : s));
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, opts.manual, start]);

  const rerunWhen = useRef(false);
  rerunWhen.current = !!opts.rerun?.when;
  useEffect(() => {
    if (opts.rerun && rerunWhen.current && paramsRef.current) start();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opts.rerun?.key]);

  const cancel = useCallback(() => {
    ctl.current?.abort();
    setState((s) => (s.status === 'running' ? { status: 'failed', error: { code: 'E_CANCELLED', message: 'The job was cancelled.' } } : s));
  }, []);

  return { ...state, run: start, cancel };
}

/** A plain async read, re-run when `key` changes. */
export function useAsync<T>(fn: (() => Promise<T>) | null, key: string): { loading: boolean; value?: T; error?: StudioError } {
  const [s, set] = useState<{ loading: boolean; value?: T; error?: StudioError; key?: string }>({ loading: !!fn });
  useEffect(() => {
    if (!fn) { set({ loading: false }); return; }
    let live = true;
    set((p) => ({ ...p, loading: true, error: undefined }));
    fn().then((value) => { if (live) set({ loading: false, value, key }); }, (e: unknown) => { if (live) set({ loading: false, error: toStudioError(e), key }); });
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  // Never hand out a value computed for another key (e.g. arrays of the previous result).
  return s.key === key ? s : { loading: true };
}

/** Fetch the float arrays of the given refs (cached by the client). */
export function useArrays(client: StudioClient, ids: string[]): { arrays?: Float32Array[]; error?: StudioError } {
  const key = ids.join('|');
  const r = useAsync(ids.length ? () => Promise.all(ids.map((id) => client.getArray(id))).then((a) => { performance.mark('convlens:arrays-loaded'); return a; }) : null, key);
  return { ...(r.value ? { arrays: r.value } : {}), ...(r.error ? { error: r.error } : {}) };
}
