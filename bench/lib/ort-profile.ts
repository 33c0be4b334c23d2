/**
 * ONNX Runtime's profiler, summarized: runs a model (onnxruntime-node directly — profiling is not part
 * of the convlens Backend interface) with `enableProfiling`, reads the Chrome-trace JSON it writes and
 * reports where the time of one run goes: per executed op type (after ORT's fusions and layout
 * transforms) split into forward and backward nodes (backward = names starting with `grad/`, the
 * compiler's prefix), and the most expensive nodes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '../../src/core/tensor.ts';

/** Where ORT spends the time of one run, from its profiler. */
export interface ProfileSummary {
  runs: number;
  /** Mean wall time of one run as the profiler saw it (model_run event), ms. */
  runMs: number;
  /** Sum of kernel times per run, split by node origin, ms. */
  forwardKernelMs: number;
  backwardKernelMs: number;
  /** Per op type (as executed, after ORT's fusions) and origin: ms per run and kernel count. */
  byOp: { op: string; origin: 'fwd' | 'bwd'; ms: number; count: number }[];
  /** The most expensive individual nodes, ms per run. */
  topNodes: { node: string; op: string; ms: number; shape?: string }[];
  /** Kernel counts after ORT's optimizations (executed nodes). */
  executedNodes: number;
}

type OrtNode = typeof import('onnxruntime-node');
let ortMod: OrtNode | undefined;
export function ort(): OrtNode {
  return (ortMod ??= createRequire(import.meta.url)('onnxruntime-node') as OrtNode);
}

interface ProfileEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string; output_type_shape?: unknown[] };
}

/** Runs `bytes` under ORT's profiler (`runs` runs after one warmup) and summarizes per op / node. */
export async function profileModel(
  bytes: Uint8Array,
  feeds: Record<string, Tensor>,
  fetch: string[],
  threads: number,
  runs: number,
  graphOptimizationLevel: 'all' | 'basic' | 'disabled' = 'all',
): Promise<ProfileSummary> {
  const rt = ort();
  const dir = mkdtempSync(join(tmpdir(), 'convlens-prof-'));
  try {
    const session = await rt.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel,
      intraOpNumThreads: threads,
      enableProfiling: true,
      profileFilePrefix: join(dir, 'prof'),
      logSeverityLevel: 3,
    });
    const ortFeeds: Record<string, InstanceType<OrtNode['Tensor']>> = {};
    for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = new rt.Tensor('float32', v.data as Float32Array, v.dims);
    for (let i = 0; i < runs + 1; i++) await session.run(ortFeeds, fetch);
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error('ORT wrote no profile file');
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
    const runEvents = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').slice(1); // drop warmup
    const nodeEvents = events.filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time'));
    // Drop the warmup run's node events: they come first; each run has the same node count.
    const perRun = nodeEvents.length / (runs + 1);
    const timed = Number.isInteger(perRun) ? nodeEvents.slice(perRun) : nodeEvents;
    const div = Number.isInteger(perRun) ? runs : runs + 1;
    const byOp = new Map<string, { op: string; origin: 'fwd' | 'bwd'; us: number; count: number }>();
    const byNode = new Map<string, { node: string; op: string; us: number; shape?: string }>();
    let fwd = 0;
    let bwd = 0;
    for (const e of timed) {
      const node = e.name!.slice(0, -'_kernel_time'.length);
      const op = e.args?.op_name ?? '?';
      const origin = node.startsWith('grad/') ? 'bwd' : 'fwd';
      const us = e.dur ?? 0;
      if (origin === 'bwd') bwd += us;
      else fwd += us;
      const key = `${origin}:${op}`;
      const a = byOp.get(key) ?? { op, origin, us: 0, count: 0 };
      a.us += us;
      a.count++;
      byOp.set(key, a);
      const n = byNode.get(node) ?? { node, op, us: 0, shape: shapeOf(e) };
      n.us += us;
      byNode.set(node, n);
    }
    const ms = (us: number) => us / 1000 / div;
    return {
      runs,
      runMs: runEvents.length ? runEvents.reduce((s, e) => s + (e.dur ?? 0), 0) / runEvents.length / 1000 : Number.NaN,
      forwardKernelMs: ms(fwd),
      backwardKernelMs: ms(bwd),
      byOp: [...byOp.values()].map((a) => ({ op: a.op, origin: a.origin, ms: ms(a.us), count: Math.round(a.count / div) })).sort((a, b) => b.ms - a.ms),
      topNodes: [...byNode.values()].map((n) => ({ node: n.node, op: n.op, ms: ms(n.us), shape: n.shape })).sort((a, b) => b.ms - a.ms).slice(0, 15),
      executedNodes: Math.round(timed.length / div),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function shapeOf(e: ProfileEvent): string | undefined {
  const shapes = e.args?.output_type_shape;
  if (!Array.isArray(shapes) || shapes.length === 0) return undefined;
  return shapes.map((s) => JSON.stringify(Object.values(s as object)[0])).join(' ');
}

export function formatProfile(title: string, p: ProfileSummary): string {
  const lines = [`  profile ${title}: ${p.runMs.toFixed(1)} ms/run (profiler), kernels fwd ${p.forwardKernelMs.toFixed(1)} ms + bwd ${p.backwardKernelMs.toFixed(1)} ms, ${p.executedNodes} kernels`];
  for (const o of p.byOp.slice(0, 12)) lines.push(`    ${o.origin} ${o.op.padEnd(22)} ${o.ms.toFixed(2).padStart(8)} ms  x${o.count}`);
  lines.push('    top nodes:');
  for (const n of p.topNodes.slice(0, 8)) lines.push(`      ${n.ms.toFixed(2).padStart(8)} ms  ${n.op.padEnd(16)} ${n.node}${n.shape ? `  -> ${n.shape}` : ''}`);
  return lines.join('\n');
}

