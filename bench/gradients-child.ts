/**
 * One model's convlens measurements for bench/gradients.ts, run in its own process so that peak RSS
 * (process.resourceUsage().maxRSS) belongs to that model alone. Invoked as
 * `node <tsx flags> bench/gradients-child.ts '<ChildOptions JSON>'`; prints progress on stderr and one
 * JSON line ({@link ChildResult}) on stdout.
 *
 * Timed runs go through the convlens runtime (ortNodeBackend → Session.run, i.e. what the library
 * does: feed checks, output copies) and interleave the plain forward and the two gradient graphs
 * (all three sessions are loaded at once, so peak RSS covers all three). `--profile` runs use
 * onnxruntime-node directly, because profiling is not part of the convlens Backend interface.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskCompileStore } from '../src/node/compile-cache.ts';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.ts';
import type { ModelProto } from '../src/core/onnx/proto-types.ts';
import type { Session, SessionOptions } from '../src/core/runtime/backend.ts';
import { inferShapesByRunning } from '../src/core/runtime/infer-shapes.ts';
import type { Tensor } from '../src/core/tensor.ts';
import { ortNodeBackend } from '../src/node/ort-node-backend.ts';
import { measure, once, summarize, timeAsync, type Timing } from './lib/timing.ts';
import { formatProfile, profileModel, type ProfileSummary } from './lib/ort-profile.ts';

/** What the parent asks for. */
export interface ChildOptions {
  model: string;
  modelPath: string;
  factsPath: string;
  iters: number;
  warmup: number;
  threads?: number;
  profile: boolean;
}

/** One compiled gradient graph's numbers. */
export interface GradResult {
  wrt: string;
  timing: Timing;
  compileColdMs: number;
  compileCachedMs: number;
  /** compileCached served from the disk store (memory cache empty), ms; undefined if it missed. */
  compileDiskMs?: number;
  encodeMs: number;
  sessionCreateMs: number;
  stats: { forwardNodes: number; backwardNodes: number; differentiatedNodes: number };
  /** op type → count of emitted backward nodes. */
  backwardOps: Record<string, number>;
  /** Sanity facts about the gradient (it is finite and not all zero). */
  check: { finite: boolean; maxAbs: number; nonzero: number };
  /** Median run time at other ORT graph optimization levels (profile mode only). */
  byOptLevel?: Record<string, number>;
  profile?: ProfileSummary;
}

export interface ChildResult {
  model: string;
  inputShape: number[];
  lastBlock: { module: string; tensor: string; shape: number[] };
  threads: number;
  forwardSessionCreateMs: number;
  forward: Timing;
  forwardProfile?: ProfileSummary;
  shapeInferenceMs: number;
  predictedClass: number;
  inputGrad?: GradResult;
  blockGrad?: GradResult;
  maxRssMB: number;
  /** Resident set size (MB) after each setup step, to see what the peak is made of. */
  rssSteps: Record<string, number>;
  errors: string[];
}

interface Facts {
  input: { name: string; shape: number[] };
  output: { name: string; shape: number[] };
  last_block: { module: string; tensor: string; shape: number[] };
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const rssSteps: Record<string, number> = {};
const rss = (step: string): void => {
  rssSteps[step] = Math.round(process.memoryUsage().rss / 2 ** 20);
};

/** Deterministic N(0,1)-ish input (timings do not depend on the values; no Math.random). */
function makeInput(dims: number[]): Tensor<'float32'> {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = 1234567;
  for (let i = 0; i < n; i++) {
    // sum of 4 uniforms, centred: roughly normal with unit variance
    let u = 0;
    for (let k = 0; k < 4; k++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      u += s / 2 ** 32;
    }
    data[i] = (u - 2) * Math.sqrt(3);
  }
  return { dtype: 'float32', dims, data };
}

function oneHot(dims: number[], k: number): Tensor<'float32'> {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  data[k] = 1;
  return { dtype: 'float32', dims, data };
}

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

function gradCheck(t: Tensor | undefined): GradResult['check'] {
  const d = (t?.data ?? new Float32Array()) as Float32Array;
  let finite = true;
  let maxAbs = 0;
  let nonzero = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isFinite(v)) finite = false;
    else if (v !== 0) {
      nonzero++;
      if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
    }
  }
  return { finite, maxAbs, nonzero };
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
  const facts = JSON.parse(readFileSync(o.factsPath, 'utf8')) as Facts;
  const errors: string[] = [];
  const threads = o.threads ?? (await import('node:os')).availableParallelism();
  const sessionOpts: SessionOptions = { graphOptimization: 'all', intraOpThreads: threads, source: o.modelPath };
  const backend = ortNodeBackend;
  await backend.init?.();

  const bytes = new Uint8Array(readFileSync(o.modelPath));
  rss('start');
  const model: ModelProto = decodeModel(bytes);
  rss('model decoded');
  const inputName = facts.input.name;
  const x = makeInput(facts.input.shape);

  // ---- plain forward
  const fwdCreate = await once(() => backend.createSession(bytes, sessionOpts));
  const fwdSession: Session = fwdCreate.value;
  const logits = (await fwdSession.run({ [inputName]: x }))[facts.output.name]!;
  const k = argmax(logits.data as Float32Array);
  log(`${o.model}: ORT forward session created in ${fwdCreate.ms.toFixed(0)} ms; predicted class ${k}`);
  rss('forward session');

  // ---- static shapes for the compiler
  const shapesRun = await once(() => inferShapesByRunning(backend, model, { inputShapes: { [inputName]: facts.input.shape } }));
  const shapes = new Map<string, number[]>([...shapesRun.value].map(([name, info]) => [name, [...info.dims]]));
  log(`${o.model}: shape inference ${shapesRun.ms.toFixed(0)} ms (${shapes.size} tensors)`);
  rss('shape inference');

  // ---- gradients (the compiler may still be missing rules: record the error, keep going)
  let compiler: typeof import('../src/core/autodiff/compiler.ts') | undefined;
  try {
    compiler = await import('../src/core/autodiff/compiler.ts');
  } catch (e) {
    errors.push(`compiler not available: ${(e as Error).message}`);
  }
  /** A compiled gradient graph, loaded and checked, not yet timed. */
  interface Prepared {
    what: string;
    res: Omit<GradResult, 'timing'>;
    session: Session;
    feeds: Record<string, Tensor>;
    fetch: string[];
    encoded: Uint8Array;
    times: number[];
    cpu: number[];
  }
  const prepare = async (what: string, wrt: string, activations: string[]): Promise<Prepared | undefined> => {
    if (!compiler) return undefined;
    try {
      const opts = { shapes, seeds: [facts.output.name], wrt: [wrt], activations };
      compiler.clearCompileCache();
      const cold = await once(() => compiler!.compileCached(bytes, opts));
      const cached = await once(() => compiler!.compileCached(bytes, opts));
      if (cached.value.cached !== 'memory') throw new Error(`second compile was not a cache hit (${String(cached.value.cached)})`);
      // Disk store (a second process): fill it, drop the memory cache, time the store hit.
      let diskMs: number | undefined;
      const dir = mkdtempSync(join(tmpdir(), 'convlens-bench-cache-'));
      try {
        const store = diskCompileStore(dir);
        compiler.clearCompileCache();
        await compiler.compileCached(bytes, opts, store);
        compiler.clearCompileCache();
        const disk = await once(() => compiler!.compileCached(bytes, opts, store));
        if (disk.value.cached === 'store') diskMs = disk.ms;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const c = cold.value;
      const enc = await once(() => encodeModel(c.model));
      const created = await once(() => backend.createSession(enc.value, { ...sessionOpts, source: `${o.model} ${what} graph` }));
      const session = created.value;
      const gradIn = c.gradInputs[facts.output.name]!;
      const gradOut = c.gradOutputs[wrt]!;
      const feeds = { [inputName]: x, [gradIn]: oneHot(facts.output.shape, k) };
      const fetch = [gradOut, ...activations];
      const first = await session.run(feeds, fetch);
      const check = gradCheck(first[gradOut]);
      if (!check.finite || check.nonzero === 0) throw new Error(`${what}: gradient is ${check.finite ? 'all zero' : 'not finite'}`);
      const backwardOps: Record<string, number> = {};
      for (const n of (c.model.graph?.node ?? []).slice(c.stats.forwardNodes)) backwardOps[n.opType ?? '?'] = (backwardOps[n.opType ?? '?'] ?? 0) + 1;
      log(`${o.model}: ${what}: compile cold ${cold.ms.toFixed(0)} ms, cached ${cached.ms.toFixed(1)} ms, disk store hit ${diskMs?.toFixed(0) ?? 'miss'} ms, encode ${enc.ms.toFixed(0)} ms, ORT session ${created.ms.toFixed(0)} ms; ${c.stats.backwardNodes} bwd nodes ${JSON.stringify(backwardOps)}`);
      return {
        what, session, feeds, fetch, encoded: enc.value, times: [], cpu: [],
        res: { wrt, compileColdMs: cold.ms, compileCachedMs: cached.ms, compileDiskMs: diskMs, encodeMs: enc.ms, sessionCreateMs: created.ms, stats: c.stats, backwardOps, check },
      };
    } catch (e) {
      errors.push(`${what}: ${(e as Error).message}`);
      log(`${o.model}: ${what} failed: ${(e as Error).message}`);
      return undefined;
    }
  };
  const pIn = await prepare('input gradient', inputName, []);
  rss('input-gradient graph compiled + session');
  const pBlock = await prepare('last-block gradient', facts.last_block.tensor, [facts.last_block.tensor]);
  rss('last-block graph compiled + session');

  // ---- timing: the three graphs interleaved (fwd, input grad, block grad, fwd, ...), so that load
  // changes on a shared machine hit all of them alike and their ratios stay meaningful.
  const fwdFeeds = { [inputName]: x };
  const fwdTimes: number[] = [];
  const fwdCpu: number[] = [];
  const runs: { times: number[]; cpu: number[]; run: () => Promise<unknown> }[] = [{ times: fwdTimes, cpu: fwdCpu, run: () => fwdSession.run(fwdFeeds) }];
  for (const p of [pIn, pBlock]) if (p) runs.push({ times: p.times, cpu: p.cpu, run: () => p.session.run(p.feeds, p.fetch) });
  for (let i = 0; i < o.warmup; i++) for (const r of runs) await r.run();
  for (let i = 0; i < o.iters; i++) for (const r of runs) await measure(r.run, r.times, r.cpu);
  const forward = summarize(fwdTimes, o.warmup, fwdCpu);
  log(`${o.model}: medians: ORT forward ${forward.median_ms.toFixed(1)} ms` +
    [pIn, pBlock].map((p) => (p ? `, ${p.what} ${summarize(p.times, o.warmup).median_ms.toFixed(1)} ms` : '')).join(''));
  rss('after timed runs');
  await fwdSession.release();

  let forwardProfile: ProfileSummary | undefined;
  if (o.profile) {
    forwardProfile = await profileModel(bytes, fwdFeeds, [facts.output.name], threads, 5);
    log(formatProfile('plain forward', forwardProfile));
  }
  const finish = async (p: Prepared | undefined): Promise<GradResult | undefined> => {
    if (!p) return undefined;
    await p.session.release();
    const res: GradResult = { ...p.res, timing: summarize(p.times, o.warmup, p.cpu) };
    if (o.profile) {
      try {
        res.byOptLevel = {};
        for (const level of ['basic', 'disabled'] as const) {
          const s2 = await backend.createSession(p.encoded, { ...sessionOpts, graphOptimization: level });
          res.byOptLevel[level] = (await timeAsync(() => s2.run(p.feeds, p.fetch), Math.min(o.iters, 5), 1)).median_ms;
          await s2.release();
        }
        log(`  ${p.what} by ORT graph optimization level (median ms): all ${res.timing.median_ms.toFixed(1)}, basic ${res.byOptLevel.basic!.toFixed(1)}, disabled ${res.byOptLevel.disabled!.toFixed(1)}`);
        res.profile = await profileModel(p.encoded, p.feeds, p.fetch, threads, 5);
        log(formatProfile(p.what, res.profile));
      } catch (e) {
        errors.push(`${p.what} profile: ${(e as Error).message}`);
      }
    }
    return res;
  };
  const inputGrad = await finish(pIn);
  const blockGrad = await finish(pBlock);

  const result: ChildResult = {
    model: o.model,
    inputShape: facts.input.shape,
    lastBlock: facts.last_block,
    threads,
    forwardSessionCreateMs: fwdCreate.ms,
    forward,
    forwardProfile,
    shapeInferenceMs: shapesRun.ms,
    predictedClass: k,
    inputGrad,
    blockGrad,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    rssSteps,
    errors,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  log(`bench child failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
