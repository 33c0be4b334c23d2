/**
 * The parent side of the model worker: forks worker-entry.mjs with `advanced` IPC serialization,
 * answers `describe` requests, forwards job messages to the job manager, and starts a fresh worker
 * whenever the current one dies (a native crash in ONNX Runtime, an OOM kill, or a kill after a
 * cancelled job ignored its cancellation) — so the server itself keeps serving (RELIABILITY.md 9).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConvlensError, ErrorCodes } from '../../core/errors.ts';
import type { DescribeResult, FromWorker, ToWorker } from './ipc.ts';

const ENTRY = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url));

export interface WorkerPoolOptions {
  /** ONNX Runtime intra-op threads in the worker (default: the runtime's default, all cores). */
  threads?: number;
  /** Enable the hidden `__crash` / `__hang` job kinds (tests only). */
  allowTestHooks?: boolean;
  /** Memory of the worker's activation cache (every layer of recent inputs), bytes. Default 1 GiB. */
  activationCacheBytes?: number;
  /** Job messages (progress, done, failed) from the worker. */
  onMessage: (msg: FromWorker) => void;
  /** The worker died; `restarting` is false when the pool is closing. */
  onExit: (info: { code: number | null; signal: NodeJS.Signals | null; restarting: boolean }) => void;
}

/** One model worker process, restarted when it dies. */
export class WorkerPool {
  private child?: ChildProcess;
  private closing = false;
  private nextReq = 1;
  private readonly pending = new Map<number, { resolve: (v: DescribeResult) => void; reject: (e: Error) => void }>();
  /** Times a worker was (re)started. */
  starts = 0;

  constructor(private readonly opts: WorkerPoolOptions) {
    this.start();
  }

  private start(): void {
    this.starts++;
    const child = fork(ENTRY, [], {
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env },
    });
    this.child = child;
    child.on('message', (raw) => {
      const msg = raw as FromWorker;
      if (msg.type === 'described') {
        const p = this.pending.get(msg.reqId);
        if (!p) return;
        this.pending.delete(msg.reqId);
        if (msg.ok) p.resolve(msg.value);
        else p.reject(new ConvlensError(msg.error.code as never, msg.error.message, msg.error.hint ? { hint: msg.error.hint } : {}));
        return;
      }
      if (msg.type === 'ready') return;
      this.opts.onMessage(msg);
    });
    child.on('error', () => { /* reported through 'exit' */ });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      for (const p of this.pending.values()) {
        p.reject(new ConvlensError(ErrorCodes.RUNTIME_CRASH, `the model worker exited (${signal ?? `code ${code}`}) while reading a model`, { hint: 'the model may crash ONNX Runtime; check it with `convlens inspect`' }));
      }
      this.pending.clear();
      const restarting = !this.closing;
      if (restarting) this.start();
      this.opts.onExit({ code, signal, restarting });
    });
    this.send({ type: 'init', ...(this.opts.threads ? { threads: this.opts.threads } : {}), allowTestHooks: !!this.opts.allowTestHooks, ...(this.opts.activationCacheBytes !== undefined ? { activationCacheBytes: this.opts.activationCacheBytes } : {}) });
  }

  /** Sends a message to the current worker (dropped when none is alive). */
  send(msg: ToWorker): void {
    const c = this.child;
    if (c?.connected) c.send(msg);
  }

  /** Describes a model (layers, input, labels...) in the worker. */
  describe(path: string): Promise<DescribeResult> {
    const reqId = this.nextReq++;
    return new Promise((resolve, reject) => {
      this.pending.set(reqId, { resolve, reject });
      this.send({ type: 'describe', reqId, path });
    });
  }

  /** Kills the current worker (a new one starts on its exit). */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  /** Stops the worker for good. */
  async close(): Promise<void> {
    this.closing = true;
    const c = this.child;
    if (!c) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  }
}
