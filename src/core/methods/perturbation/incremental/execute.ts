/**
 * Execution of incremental occlusion (see `plan.ts` for the planner and why it is exact). The model is
 * split at the planned cut tensor T into two runtime sessions, both cached by the lens:
 *
 * - the **prefix** (input → T), with symbolic spatial input dims: run once on x for T(x), then on
 *   batches of occluded crops (x cropped at the window's planned crop, the window replaced by the
 *   baseline there — x ⊙ M + b ⊙ (1 − M) with M ∈ {0, 1}, written in JavaScript since every crop sits
 *   elsewhere in the image);
 * - the **suffix** (T → score tensor), fed with T(x) in every batch slot and, in each slot, the window's
 *   footprint pasted from its crop's output (restored to T(x) after the call).
 *
 * The perturbation family's chunk loop (`scoreChunks`) does the batching, timing, target scores and
 * progress, so the scores mean exactly what the full method's mean.
 */
import { ConvlensError, ErrorCodes } from '../../../errors.ts';
import { encodeModel } from '../../../onnx/codec.ts';
import { makeValueInfo } from '../../../onnx/build.ts';
import { DataType } from '../../../onnx/proto-types.ts';
import type { ModelProto } from '../../../onnx/proto-types.ts';
import { extractSubgraph } from '../../../onnx/rewrite/extract.ts';
import type { Tensor } from '../../../tensor.ts';
import type { Lens } from '../../../lens.ts';
import { scoreChunks } from '../base.ts';
import type { PerturbationRun } from '../base.ts';
import { cutCandidates, planIncremental } from './plan.ts';
import type { CutAnalysis, IncrementalPlan, OcclusionGrid, PlanOptions } from './plan.ts';

/** Largest suffix batch, in float32 values (256 MiB). */
const MAX_T_VALUES = 64 * 1024 * 1024;

/** Replaces the inputs/outputs of an extracted model with the given value infos and drops intermediate shapes. */
function withIo(model: ModelProto, inputs: ReturnType<typeof makeValueInfo>[], outputs: ReturnType<typeof makeValueInfo>[]): ModelProto {
  const g = model.graph!;
  return { ...model, graph: { ...g, input: inputs, output: outputs, valueInfo: [] } };
}

/** The prefix input → `cut`, with batch and spatial input dims symbolic. */
export function prefixModel(lens: Lens, model: ModelProto, cut: string, C: number): ModelProto {
  const input = lens.input.name;
  const m = extractSubgraph(model, [cut], [input], { source: lens.source });
  const et = (t: string): DataType => lens.view.elemType(t) ?? DataType.FLOAT;
  return withIo(m, [makeValueInfo(input, et(input), ['N', C, 'crop_h', 'crop_w'])], [makeValueInfo(cut, et(cut))]);
}

/** The suffix `cut` → `score`, with a symbolic batch dim. */
export function suffixModel(lens: Lens, model: ModelProto, cut: string, dims: readonly number[], score: string): ModelProto {
  const m = extractSubgraph(model, [score], [cut], { source: lens.source });
  const et = (t: string): DataType => lens.view.elemType(t) ?? DataType.FLOAT;
  return withIo(m, [makeValueInfo(cut, et(cut), ['N', ...dims])], [makeValueInfo(score, et(score))]);
}

/**
 * Scores the occlusion windows `0 .. total-1` through the plan. Window k has its corner at
 * `(iy·sh, ix·sw)` with `iy = k mod nh`, `ix = ⌊k / nh⌋` (occlusion.ts's numbering for windows that
 * span all channels); `win` is its size (cut at the border).
 * @throws ConvlensError(RUNTIME) when the runtime's sizes disagree with the plan (callers fall back)
 */
export async function incrementalOcclusionScores(run: PerturbationRun, plan: IncrementalPlan, baseline: Float32Array, win: readonly [number, number], stride: readonly [number, number], total: number): Promise<Float64Array> {
  const { img, ctx, stats, score } = run;
  const { lens } = ctx;
  // The suffix's batch holds a whole T per copy: keep it under MAX_T_VALUES.
  const chunk = Math.max(1, Math.min(run.chunk, Math.floor(MAX_T_VALUES / (plan.cut.dims[0] * plan.cut.dims[1] * plan.cut.dims[2]))));
  const { C, H, W } = img;
  const cut = plan.cut.tensor;
  const [CT, hT, wT] = plan.cut.dims;
  const [Lh, Lw] = plan.cropIn;
  const [hc, wc] = plan.cropOut;
  const [ay, ax] = plan.axes;
  const nh = ay.start.length;
  const prefixKey = `incremental-prefix:${cut}`;
  const suffixKey = `incremental-suffix:${cut}:${plan.cut.dims.join('x')}:${score.tensor}`;
  const prefixBytes = async (): Promise<Uint8Array> => encodeModel(prefixModel(lens, await lens.runnableModel(), cut, C));
  const suffixBytes = async (): Promise<Uint8Array> => encodeModel(suffixModel(lens, await lens.runnableModel(), cut, plan.cut.dims, score.tensor));
  const runPrefix = async (t: Tensor): Promise<Tensor> => (await lens.withSession(prefixKey, prefixBytes, (s) => s.run({ [lens.input.name]: t }, [cut])))[cut]!;
  const mismatch = (what: string, got: readonly number[], want: readonly number[]): ConvlensError =>
    new ConvlensError(ErrorCodes.RUNTIME, `incremental occlusion: ${what} of "${cut}" is [${got.join(', ')}], the plan expected [${want.join(', ')}]`, { details: { cut } });

  // T(x), from the prefix session itself.
  const r0 = performance.now();
  const tx = await runPrefix({ dtype: 'float32', dims: [1, C, H, W], data: img.data });
  stats.runtimeMs += performance.now() - r0;
  stats.runs += 1;
  stats.samples += 1;
  const wantT = [1, CT, hT, wT];
  if (tx.dims.length !== 4 || tx.dims.some((d, i) => d !== wantT[i])) throw mismatch('the full-size prefix output', tx.dims, wantT);
  const txData = tx.data as Float32Array;

  const perT = CT * hT * wT, perCrop = C * Lh * Lw, perOut = CT * hc * wc;
  const slots = Math.min(chunk, total);
  const crops = new Float32Array(slots * perCrop);
  const tBuf = new Float32Array(slots * perT);
  for (let j = 0; j < slots; j++) tBuf.set(txData, j * perT);
  const x = img.data;
  const windowAt = (k: number): [number, number] => [k % nh, Math.floor(k / nh)];

  // Occluded crop of window k into slot j.
  const fillCrop = (j: number, k: number): void => {
    const [iy, ix] = windowAt(k);
    const sy = ay.start[iy]!, sx = ax.start[ix]!;
    const y0 = iy * stride[0], x0 = ix * stride[1];
    const wy0 = Math.max(y0, sy), wy1 = Math.min(y0 + win[0], H, sy + Lh);
    const wx0 = Math.max(x0, sx), wx1 = Math.min(x0 + win[1], W, sx + Lw);
    const base = j * perCrop;
    for (let c = 0; c < C; c++) {
      const cs = c * H * W, cd = base + c * Lh * Lw;
      for (let y = 0; y < Lh; y++) {
        const src = cs + (sy + y) * W + sx;
        crops.set(x.subarray(src, src + Lw), cd + y * Lw);
      }
      for (let y = wy0; y < wy1; y++) {
        const src = cs + y * W;
        crops.set(baseline.subarray(src + wx0, src + wx1), cd + (y - sy) * Lw + (wx0 - sx));
      }
    }
  };
  // Copies the footprint of window k between a source laid out like T (or like the crop's output) and slot j of tBuf.
  const paste = (j: number, k: number, from: Float32Array, fromCrop: boolean, fromBase: number): void => {
    const [iy, ix] = windowAt(k);
    const oy0 = ay.o0[iy]!, oy1 = ay.o1[iy]!, ox0 = ax.o0[ix]!, ox1 = ax.o1[ix]!;
    if (oy0 > oy1 || ox0 > ox1) return;
    const shy = ay.start[iy]! / ay.map.S, shx = ax.start[ix]! / ax.map.S;
    const n = ox1 - ox0 + 1;
    for (let c = 0; c < CT; c++) {
      const dc = j * perT + c * hT * wT;
      const sc = fromBase + (fromCrop ? c * hc * wc : c * hT * wT);
      for (let o = oy0; o <= oy1; o++) {
        const src = fromCrop ? sc + (o - shy) * wc + (ox0 - shx) : sc + o * wT + ox0;
        tBuf.set(from.subarray(src, src + n), dc + o * wT + ox0);
      }
    }
  };

  return scoreChunks({ ...run, chunk }, total, async (start, count) => {
    for (let j = 0; j < count; j++) fillCrop(j, start + j);
    const out = await runPrefix({ dtype: 'float32', dims: [count, C, Lh, Lw], data: crops.subarray(0, count * perCrop) });
    const wantOut = [count, CT, hc, wc];
    if (out.dims.length !== 4 || out.dims.some((d, i) => d !== wantOut[i])) throw mismatch('the crop prefix output', out.dims, wantOut);
    const od = out.data as Float32Array;
    for (let j = 0; j < count; j++) paste(j, start + j, od, true, j * perOut);
    const res = await lens.withSession(suffixKey, suffixBytes, (s) => s.run({ [cut]: { dtype: 'float32', dims: [count, CT, hT, wT], data: tBuf.subarray(0, count * perT) } }, [score.tensor]));
    // Back to T(x) for the next chunk.
    for (let j = 0; j < count; j++) paste(j, start + j, txData, false, 0);
    return res[score.tensor]!;
  });
}

/** Why incremental occlusion is not used, or the plan to use. */
export type PlanOutcome = IncrementalPlan | { refused: string };

/**
 * Plans incremental occlusion for this run's model, input size and score tensor (the cut analysis is
 * cached per lens; `lens.shapes` gives the runtime's shapes). Refuses (with the reason) models in
 * NHWC, with a fixed batch axis, and windows that do not span all channels.
 */
export async function planForRun(run: PerturbationRun, grid: OcclusionGrid, spansChannels: boolean, opts: PlanOptions = {}): Promise<PlanOutcome> {
  const { img, ctx, score, fixedBatch } = run;
  const { lens } = ctx;
  if (img.layout !== 'NCHW') return { refused: 'the input layout is NHWC (the planner maps NCHW tensors only)' };
  if (fixedBatch) return { refused: 'the model has a fixed batch axis' };
  if (!spansChannels) return { refused: 'the window does not span all channels' };
  if (lens.view.inputs.length !== 1) return { refused: 'the model has more than one input' };
  const cache = lens.state('perturbation:incremental', () => new Map<string, Promise<CutAnalysis | string>>());
  const key = `${img.dims.join('x')}:${score.tensor}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      try {
        const shapes = await lens.shapes(img.dims);
        return cutCandidates(lens.view, lens.input.name, score.tensor, (t) => shapes.get(t)?.dims);
      } catch (e) {
        return `shapes unavailable (${e instanceof Error ? e.message : String(e)})`;
      }
    })();
    cache.set(key, p);
  }
  const analysis = await p;
  if (typeof analysis === 'string') return { refused: analysis };
  return planIncremental(analysis, grid, opts);
}

/** The run record's description of a plan. */
export function describePlan(lens: Lens, plan: IncrementalPlan): Record<string, unknown> {
  const r = (v: number): number => Math.round(v * 1000) / 1000;
  return {
    used: true,
    cut: plan.cut.tensor,
    layer: lens.humanName({ index: plan.cut.nodeIndex }),
    cutDims: [...plan.cut.dims],
    stride: [plan.axes[0].map.S, plan.axes[1].map.S],
    receptiveField: [plan.axes[0].map.R, plan.axes[1].map.R],
    crop: [...plan.cropIn],
    cropOut: [...plan.cropOut],
    macsSaved: r(plan.saved),
    prefixMacsShare: r((plan.macs.full - plan.macs.suffix) / plan.macs.full),
  };
}
