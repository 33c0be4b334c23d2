/**
 * Messages between the studio server (parent) and its model worker (a forked child process, so that a
 * native crash in ONNX Runtime kills only the worker — RELIABILITY.md 9). Sent with Node's `advanced`
 * IPC serialization, so typed arrays cross as they are.
 */
import type { ArrayRef, JobKind, ModelDetail, PreprocessOverride, StudioError } from '../protocol.ts';
import type { Raster } from '../../core/image/raster.ts';

/** A float32 array produced in the worker, stored by the parent under `ref.id`. */
export interface WireArray {
  ref: ArrayRef;
  data: Float32Array;
}

/** What the worker needs to know about an input: the decoded image (never a path chosen by a client). */
export interface WireInput {
  id: string;
  name: string;
  raster: Raster;
}

/** Parent → worker. */
export type ToWorker =
  | { type: 'init'; threads?: number; allowTestHooks: boolean; activationCacheBytes?: number }
  /** Compile the model's default Grad-CAM program in the background (sent when the job queue is idle). */
  | { type: 'warm'; modelPath: string; input: WireInput; preprocess?: PreprocessOverride }
  | { type: 'describe'; reqId: number; path: string }
  | { type: 'run'; jobId: string; kind: JobKind | '__crash' | '__hang'; modelPath?: string; params: Record<string, unknown>; input?: WireInput }
  | { type: 'cancel'; jobId: string };

/** Model facts the worker computes once per model (the parent adds id, name and samples). */
export type DescribeResult = Omit<ModelDetail, 'id' | 'name' | 'samples'> & { sha256: string };

/** Worker → parent. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'described'; reqId: number; ok: true; value: DescribeResult }
  | { type: 'described'; reqId: number; ok: false; error: StudioError }
  | { type: 'progress'; jobId: string; progress: number; message?: string; preview?: WireArray }
  | { type: 'done'; jobId: string; result: unknown; arrays: WireArray[] }
  | { type: 'failed'; jobId: string; error: StudioError; cancelled?: boolean };
