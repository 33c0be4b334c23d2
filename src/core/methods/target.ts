/**
 * What an explanation explains, shared by every method family (CAM, gradient, perturbation):
 *
 * - {@link scoreTensor}: which tensor holds the scores. By default the tensor feeding a final
 *   Softmax / LogSoftmax / Sigmoid that produces a graph output (the logits, which is what Captum and
 *   pytorch-grad-cam users explain: saturated probabilities have vanishing gradients and flat
 *   perturbation responses), otherwise the first graph output. Any tensor can be picked instead.
 * - {@link resolveTarget}: turns a user's target (`top1`, `topk:3`, a class index, a class name, or for
 *   dense outputs a channel summed inside a region or a mask) into concrete {@link Target}s, checked
 *   against the scores of the unperturbed input.
 * - {@link targetScore}: the scalar a target reads from a batch of score tensors, one per batch row —
 *   the reducer every perturbation method applies to its masked forward passes (and the seed of the
 *   gradient methods' backward pass).
 *
 * Dense outputs (rank ≥ 3 with a spatial extent, e.g. segmentation logits `[N, K, H, W]`) carry the
 * channel (class) on axis 1 by default; region boxes are half-open pixel ranges of the output grid.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { ModelView } from '../onnx/model-view.ts';
import { sizeOf } from '../tensor.ts';
import type { Tensor } from '../tensor.ts';

/** Ops whose input is taken as "the scores" when they produce a graph output. */
const SQUASHING_OPS = new Set(['Softmax', 'LogSoftmax', 'Sigmoid']);
/** Shape-only ops allowed between the squashing op and the graph output (e.g. Softmax → Flatten → output). */
const PASS_THROUGH_OPS = new Set(['Identity', 'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze']);

/** Which tensor is explained, and why (printed by the CLI, stored in run manifests). */
export interface ScoreTensor {
  /** Tensor name (a graph output or an intermediate tensor that the runtime exposes on demand). */
  tensor: string;
  /** One human sentence: why this tensor. */
  reason: string;
  /** The squashing op that was skipped (`Softmax`...), when the default rule looked through one. */
  skipped?: { op: string; node: string; output: string };
}

/** Options for {@link scoreTensor}. */
export interface ScoreTensorOptions {
  /**
   * Explain this tensor instead of the default: any graph output or intermediate tensor name.
   * @example `{ output: 'probs' }` — explain the probabilities of a model that ends in Softmax.
   */
  output?: string;
}

/**
 * Picks the tensor whose entries are the scores to explain.
 *
 * @param model a `Lens` or anything with its `view`
 * @example
 * const { tensor, reason } = scoreTensor(lens);
 * // 'logits', "the logits feeding the final Softmax node \"/Softmax\" (graph output \"probs\")"
 */
export function scoreTensor(model: { view: ModelView }, opts: ScoreTensorOptions = {}): ScoreTensor {
  const view = model.view;
  if (opts.output !== undefined) {
    if (!view.hasTensor(opts.output)) {
      const outs = view.outputs.map((o) => o.name ?? '');
      throw new ConvlensError(ErrorCodes.UNKNOWN_LAYER, `tensor "${opts.output}" is not in ${view.source}`, {
        hint: `graph outputs: ${outs.join(', ')}; run \`convlens inspect\` to list every tensor`,
        details: { tensor: opts.output, outputs: outs },
      });
    }
    return { tensor: opts.output, reason: `tensor "${opts.output}" chosen explicitly` };
  }
  const outputs = view.outputs.map((o) => o.name ?? '').filter((n) => n !== '');
  if (outputs.length === 0) throw new ConvlensError(ErrorCodes.INVALID_GRAPH, `${view.source} has no graph output`);
  for (const out of outputs) {
    let t = out;
    for (let hops = 0; hops < 8; hops++) {
      const p = view.producer(t);
      if (!p || p.node.domain !== '') break;
      const op = p.node.opType;
      if (SQUASHING_OPS.has(op)) {
        const src = p.node.inputs[0];
        if (!src) break;
        const node = p.node.name || `#${p.node.index}`;
        return {
          tensor: src,
          reason: `the logits "${src}" feeding the final ${op} node "${node}" (graph output "${out}"); pick another tensor with --output`,
          skipped: { op, node, output: out },
        };
      }
      if (!PASS_THROUGH_OPS.has(op) || !p.node.inputs[0]) break;
      t = p.node.inputs[0];
    }
  }
  return { tensor: outputs[0]!, reason: `the first graph output "${outputs[0]}" (no final Softmax/LogSoftmax/Sigmoid)` };
}

/** A mask over the spatial grid of a dense output (values are weights; binary masks select pixels). */
export interface TargetMask {
  width: number;
  height: number;
  /** Row-major `height × width` weights. */
  data: ArrayLike<number>;
}

/**
 * What the user asked to explain.
 *
 * - `'top1'` (default) — the highest-scoring class; `'topk:N'` — the N highest, one target each;
 * - a class index (number or numeric string) or a class name (with labels);
 * - `{ class }` — the same, as an object;
 * - `{ region: [x0, y0, x1, y1], channel? }` — dense outputs: channel summed over the half-open box
 *   `x0 ≤ x < x1, y0 ≤ y < y1` of the output grid; `channel` defaults to the one with the largest sum
 *   inside the box;
 * - `{ mask, channel? }` — dense outputs: channel summed with the mask's weights (a mask of another size
 *   is resampled to the output grid by nearest neighbour).
 *
 * @example `'top1'`, `'topk:3'`, `7`, `'cat'`, `{ region: [10, 10, 40, 30], channel: 'person' }`
 */
export type TargetSpec =
  | number
  | string
  | { class: number | string }
  | { region: readonly [number, number, number, number]; channel?: number | string }
  | { mask: TargetMask; channel?: number | string };

/** A resolved target: what {@link targetScore} reduces a score tensor to. */
export type Target =
  | {
      kind: 'class';
      /** Class index into the flattened score row. */
      index: number;
      label?: string;
      /** Score of the class for the unperturbed input. */
      score: number;
      /** 0 for the top class, 1 for the second... */
      rank: number;
    }
  | {
      kind: 'region';
      channel: number;
      label?: string;
      /** Half-open box `[x0, y0, x1, y1]` in output pixels, clipped to the grid. */
      box: [number, number, number, number];
      score: number;
    }
  | {
      kind: 'mask';
      channel: number;
      label?: string;
      /** Mask resampled to the output grid (`gridHeight × gridWidth`). */
      weights: Float32Array;
      /** Number of pixels with a non-zero weight. */
      pixels: number;
      score: number;
    };

/** Options for {@link resolveTarget}. */
export interface ResolveTargetOptions {
  /** Class names (e.g. `lens.labels`), for class-name targets and for labelling the result. */
  labels?: readonly string[];
  /** Name of the score tensor, for messages. */
  tensorName?: string;
  /** Axis holding the channel of a dense output. Default 1 (NCHW-style `[N, K, H, W]`). */
  channelAxis?: number;
  /** Batch row of `scores` to read. Default 0. */
  batchIndex?: number;
}

/** Geometry of a score tensor: a class vector, or a dense map with channels and a spatial grid. */
interface ScoreGeometry {
  /** Entries per batch row. */
  row: number;
  dense: boolean;
  channels: number;
  /** Product of the axes before/after the channel axis (within a row). */
  outer: number;
  inner: number;
  gridHeight: number;
  gridWidth: number;
}

function geometry(scores: Tensor, channelAxis: number, name: string): ScoreGeometry {
  const dims = scores.dims;
  if (dims.length === 0) return { row: 1, dense: false, channels: 1, outer: 1, inner: 1, gridHeight: 1, gridWidth: 1 };
  const row = sizeOf(dims.slice(1));
  if (dims.length <= 2) return { row, dense: false, channels: row, outer: 1, inner: 1, gridHeight: 1, gridWidth: 1 };
  const ax = channelAxis < 0 ? dims.length + channelAxis : channelAxis;
  if (ax < 1 || ax >= dims.length) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `channel axis ${channelAxis} does not fit score tensor "${name}" [${dims.join(', ')}]`);
  }
  const spatial = dims.filter((_, i) => i !== 0 && i !== ax);
  const inner = sizeOf(dims.slice(ax + 1));
  const outer = sizeOf(dims.slice(1, ax));
  const dense = sizeOf(spatial) > 1;
  const gridWidth = spatial.length ? spatial[spatial.length - 1]! : 1;
  const gridHeight = spatial.length ? sizeOf(spatial) / gridWidth : 1;
  return dense ? { row, dense, channels: dims[ax]!, outer, inner, gridHeight, gridWidth } : { row, dense, channels: row, outer: 1, inner: 1, gridHeight: 1, gridWidth: 1 };
}

function rowValues(scores: Tensor, b: number, row: number): ArrayLike<number> {
  const d = scores.data as ArrayLike<number | bigint>;
  if (typeof d[0] === 'bigint') return Array.from({ length: row }, (_, i) => Number(d[b * row + i]));
  return (scores.data as Float32Array).subarray(b * row, (b + 1) * row);
}

function classRange(n: number, labels: readonly string[] | undefined): string {
  const named = labels && labels.length === n ? ` (${labels.slice(0, 8).join(', ')}${n > 8 ? ', ...' : ''})` : '';
  return `0..${n - 1}${named}`;
}

/**
 * The index a class spec names, not yet range-checked: a number, an integer string, or a label (exact,
 * else case-insensitive). An unknown name is `E_BAD_USAGE` with the valid range (of `n` classes) as hint.
 */
export function classSpecIndex(spec: number | string, n: number, labels: readonly string[] | undefined, name: string, what = 'class'): number {
  if (typeof spec === 'number') return spec;
  const want = spec.trim();
  if (/^-?\d+$/.test(want)) return Number(want);
  const found = labels?.findIndex((l) => l === want) ?? -1;
  const ci = found >= 0 ? found : labels?.findIndex((l) => l.toLowerCase() === want.toLowerCase()) ?? -1;
  if (ci < 0) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, labels ? `no ${what} named "${want}" in the labels of "${name}"` : `${what} "${want}" is not a number and the model has no labels`, {
      hint: labels ? `use a class index ${classRange(n, labels)} or one of the label names` : `use a class index 0..${n - 1}, or pass --labels labels.txt to use names`,
      details: { target: want },
    });
  }
  return ci;
}

function resolveClass(spec: number | string, n: number, labels: readonly string[] | undefined, name: string, what = 'class'): number {
  const idx = classSpecIndex(spec, n, labels, name, what);
  if (!Number.isInteger(idx) || idx < 0 || idx >= n) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `${what} ${idx} is out of range for "${name}": it has ${n} ${what === 'class' ? 'classes' : 'channels'}, valid ${what} indices are 0..${n - 1}`, {
      hint: `use a ${what} in ${classRange(n, labels)}`,
      details: { target: idx, count: n },
    });
  }
  return idx;
}

/** Whether a row holds a NaN (then only {@link ranking}'s order is defined). */
function hasNaN(row: ArrayLike<number>): boolean {
  for (let i = 0; i < row.length; i++) if (Number.isNaN(Number(row[i]))) return true;
  return false;
}

/** Position of `index` in {@link ranking}'s order of a NaN-free row: entries above it, ties broken by lower index. */
function rankOf(row: ArrayLike<number>, index: number): number {
  const v = Number(row[index]);
  let r = 0;
  for (let i = 0; i < row.length; i++) {
    const u = Number(row[i]);
    if (u > v || (u === v && i < index)) r++;
  }
  return r;
}

/** {@link ranking}'s first entry of a NaN-free row: the largest value, the lowest index among ties. */
function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (Number(row[i]) > Number(row[best])) best = i;
  return best;
}

/** Ranks of a row, highest first (ties by lower index). */
function ranking(row: ArrayLike<number>): number[] {
  return Array.from({ length: row.length }, (_, i) => i).sort((a, b) => (row[b]! - row[a]!) || a - b);
}

/**
 * Resolves a {@link TargetSpec} against the scores of the unperturbed input.
 *
 * @param scores the score tensor (batch axis first) for the input being explained
 * @returns one target per map to compute: N for `topk:N`, otherwise one
 * @throws ConvlensError(BAD_USAGE) for a class out of range (the message gives the valid range), an
 *   unknown class name, a class target on a dense output, or a malformed spec
 * @example
 * const [t] = resolveTarget('top1', logits, { labels: lens.labels });
 * targetScore(batchLogits, t); // Float64Array of the class's logit per batch row
 */
export function resolveTarget(spec: TargetSpec | undefined, scores: Tensor, opts: ResolveTargetOptions = {}): Target[] {
  const name = opts.tensorName ?? 'the score tensor';
  const g = geometry(scores, opts.channelAxis ?? 1, name);
  const b = opts.batchIndex ?? 0;
  const batch = scores.dims.length ? scores.dims[0]! : 1;
  if (!Number.isInteger(b) || b < 0 || b >= batch) throw new ConvlensError(ErrorCodes.BAD_USAGE, `batch index ${b} is out of range for "${name}" (batch ${batch})`);
  const labels = opts.labels;
  const labelOf = (i: number): string | undefined => (opts.labels && opts.labels.length === g.channels ? opts.labels[i] : undefined);
  const s = spec ?? 'top1';

  if (typeof s === 'object' && s !== null && ('region' in s || 'mask' in s)) {
    if (!g.dense) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `a region/mask target needs a dense output, but "${name}" has shape [${scores.dims.join(', ')}]`, {
        hint: 'use a class index, top1 or a class name for classifiers',
      });
    }
    const weights = new Float32Array(g.gridHeight * g.gridWidth);
    let box: [number, number, number, number] | undefined;
    if ('region' in s) {
      const r = s.region;
      if (!Array.isArray(r) || r.length !== 4 || r.some((v) => !Number.isFinite(v))) {
        throw new ConvlensError(ErrorCodes.BAD_USAGE, `region must be four numbers x0,y0,x1,y1, got ${JSON.stringify(r)}`, { hint: 'e.g. --target-region 10,10,40,30' });
      }
      const x0 = Math.max(0, Math.floor(r[0])), y0 = Math.max(0, Math.floor(r[1]));
      const x1 = Math.min(g.gridWidth, Math.ceil(r[2])), y1 = Math.min(g.gridHeight, Math.ceil(r[3]));
      if (x1 <= x0 || y1 <= y0) {
        throw new ConvlensError(ErrorCodes.BAD_USAGE, `region ${r.join(',')} is empty inside the ${g.gridWidth}x${g.gridHeight} output grid of "${name}"`, {
          hint: `give x0 < x1 ≤ ${g.gridWidth} and y0 < y1 ≤ ${g.gridHeight} (half-open pixel box of the output)`,
        });
      }
      box = [x0, y0, x1, y1];
      for (let y = y0; y < y1; y++) weights.fill(1, y * g.gridWidth + x0, y * g.gridWidth + x1);
    } else {
      const m = s.mask;
      if (!m || !(m.width > 0) || !(m.height > 0) || m.data.length !== m.width * m.height) {
        throw new ConvlensError(ErrorCodes.BAD_USAGE, `target mask must have width × height values`, { details: { width: m?.width, height: m?.height, length: m?.data?.length } });
      }
      for (let y = 0; y < g.gridHeight; y++) {
        const sy = Math.min(m.height - 1, Math.floor(((y + 0.5) * m.height) / g.gridHeight));
        for (let x = 0; x < g.gridWidth; x++) {
          const sx = Math.min(m.width - 1, Math.floor(((x + 0.5) * m.width) / g.gridWidth));
          weights[y * g.gridWidth + x] = Number(m.data[sy * m.width + sx]);
        }
      }
    }
    let pixels = 0;
    for (let i = 0; i < weights.length; i++) if (weights[i] !== 0) pixels++;
    if (pixels === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, `the target mask selects no pixel of the ${g.gridWidth}x${g.gridHeight} output grid of "${name}"`);
    // Channel: given, or the one with the largest weighted sum.
    const sums = new Float64Array(g.channels);
    const row = rowValues(scores, b, g.row);
    for (let c = 0; c < g.channels; c++) sums[c] = weightedChannelSum(row, g, c, weights);
    const channel = s.channel !== undefined ? resolveClass(s.channel, g.channels, labels, name, 'channel') : ranking(sums)[0]!;
    const common = { channel, label: labelOf(channel), score: sums[channel]! };
    return [box ? { kind: 'region', box, ...common } : { kind: 'mask', weights, pixels, ...common }];
  }

  if (g.dense) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `"${name}" is a dense output [${scores.dims.join(', ')}]; a class target is ambiguous there`, {
      hint: 'explain a channel summed inside a region (--target-region x0,y0,x1,y1) or a mask file (--target-mask)',
    });
  }
  const row = rowValues(scores, b, g.row);
  // A full sort only for topk (and rows with NaN); one class needs its rank, top1 the argmax: O(n).
  let sorted: number[] | undefined;
  const order = (): number[] => (sorted ??= ranking(row));
  const plain = !hasNaN(row);
  const classTarget = (index: number): Target => ({ kind: 'class', index, label: labelOf(index), score: Number(row[index]), rank: plain ? rankOf(row, index) : order().indexOf(index) });
  if (typeof s === 'object' && s !== null && 'class' in s) return [classTarget(resolveClass(s.class, g.row, labels, name))];
  if (typeof s === 'number') return [classTarget(resolveClass(s, g.row, labels, name))];
  if (typeof s !== 'string') throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown target ${JSON.stringify(s)}`, { hint: 'use top1, topk:N, a class index or a class name' });
  const str = s.trim();
  if (str === 'top1' || str === 'top') return [classTarget(plain ? argmax(row) : order()[0]!)];
  const topk = /^top-?k?[:=]?(\d+)$/i.exec(str);
  if (topk) {
    const k = Number(topk[1]);
    if (k < 1 || k > g.row) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `topk:${k} is out of range for "${name}": it has ${g.row} classes, valid k is 1..${g.row}`);
    }
    return order().slice(0, k).map(classTarget);
  }
  return [classTarget(resolveClass(str, g.row, labels, name))];
}

function weightedChannelSum(row: ArrayLike<number>, g: ScoreGeometry, c: number, weights: Float32Array): number {
  // Row layout: [outer][channels][inner]; spatial index = o * inner + i.
  let s = 0;
  for (let o = 0; o < g.outer; o++) {
    const base = (o * g.channels + c) * g.inner;
    for (let i = 0; i < g.inner; i++) {
      const w = weights[o * g.inner + i]!;
      if (w !== 0) s += w * row[base + i]!;
    }
  }
  return s;
}

/**
 * The target's scalar for every batch row of `scores` (a batch of perturbed inputs).
 *
 * @param out optional destination (length ≥ batch) to avoid an allocation in hot loops
 * @example
 * const s = targetScore(logits, { kind: 'class', index: 2, score: 0, rank: 0 }); // logits[:, 2]
 */
export function targetScore(scores: Tensor, target: Target, out?: Float64Array, opts: { channelAxis?: number } = {}): Float64Array {
  const batch = scores.dims.length ? scores.dims[0]! : 1;
  const res = out ?? new Float64Array(batch);
  const g = geometry(scores, opts.channelAxis ?? 1, 'scores');
  for (let b = 0; b < batch; b++) {
    const row = rowValues(scores, b, g.row);
    if (target.kind === 'class') {
      if (target.index >= g.row) throw new ConvlensError(ErrorCodes.BAD_USAGE, `class ${target.index} is out of range: the score tensor has ${g.row} entries per row, valid classes are 0..${g.row - 1}`);
      res[b] = Number(row[target.index]);
    } else {
      if (!g.dense || target.channel >= g.channels) throw new ConvlensError(ErrorCodes.BAD_USAGE, `channel ${target.channel} does not fit score tensor [${scores.dims.join(', ')}]`);
      const weights = target.kind === 'mask' ? target.weights : boxWeights(target.box, g);
      if (weights.length !== g.gridHeight * g.gridWidth) throw new ConvlensError(ErrorCodes.BAD_USAGE, `target mask has ${weights.length} values but the output grid has ${g.gridHeight}x${g.gridWidth}`);
      res[b] = weightedChannelSum(row, g, target.channel, weights);
    }
  }
  return res;
}

const boxCache = new WeakMap<readonly number[], Float32Array>();
function boxWeights(box: readonly [number, number, number, number], g: ScoreGeometry): Float32Array {
  let w = boxCache.get(box);
  if (w && w.length === g.gridHeight * g.gridWidth) return w;
  w = new Float32Array(g.gridHeight * g.gridWidth);
  const [x0, y0, x1, y1] = box;
  for (let y = Math.max(0, y0); y < Math.min(g.gridHeight, y1); y++) w.fill(1, y * g.gridWidth + Math.max(0, x0), y * g.gridWidth + Math.min(g.gridWidth, x1));
  boxCache.set(box, w);
  return w;
}

/** A JSON-friendly summary of a target for run manifests (masks are summarised, not inlined). */
export function describeTarget(t: Target): Record<string, unknown> {
  switch (t.kind) {
    case 'class': return { kind: 'class', index: t.index, ...(t.label !== undefined ? { label: t.label } : {}), score: t.score, rank: t.rank };
    case 'region': return { kind: 'region', channel: t.channel, ...(t.label !== undefined ? { label: t.label } : {}), box: t.box, score: t.score };
    case 'mask': return { kind: 'mask', channel: t.channel, ...(t.label !== undefined ? { label: t.label } : {}), pixels: t.pixels, score: t.score };
  }
}
