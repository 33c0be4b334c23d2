/**
 * Transformer token layers as CAM target layers: a `[N, T, D]` activation (or `[T, N, D]`) whose last
 * `h·w` tokens are image patches, preceded by class / distillation / register tokens, is read as a
 * `[N, D, h, w]` feature map — what pytorch-grad-cam users write by hand as a `reshape_transform`
 * (`tensor[:, 1:, :].reshape(B, h, w, D)` moved to channels-first), here found automatically:
 *
 * 1. an explicit `tokens:HxW` (or `HxW`) wins: the first `T − H·W` tokens are dropped;
 * 2. else the patch grid is read from the graph: the nearest 4-D convolution output upstream of the
 *    token layer (the patch embedding, `[N, D, h, w]`) with `h·w ≤ T ≤ h·w + 16`;
 * 3. else the smallest number of leading tokens (0..16) whose removal leaves a grid with the input's
 *    aspect ratio.
 *
 * Leading tokens are dropped because ViT, DeiT and DINOv2 put class/distillation/register tokens in
 * front of the patches.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { ModelView } from '../../onnx/model-view.ts';
import { channelOrder } from './layout.ts';

/** Most leading (non-patch) tokens considered by the automatic rules. */
export const MAX_EXTRA_TOKENS = 16;

/** How to read a token layer: `'auto'`, `'none'` (never reshape), or an explicit grid. */
export type ReshapeSpec = 'auto' | 'none' | { height: number; width: number };

/** A token layer read as a grid. */
export interface TokenGrid {
  /** Axis order of the activation: batch first (`[N, T, D]`) or tokens first (`[T, N, D]`). */
  order: 'NTD' | 'TND';
  tokens: number;
  channels: number;
  /** Leading tokens dropped (class, distillation, register tokens). */
  prefix: number;
  height: number;
  width: number;
  /** Which rule decided the grid. */
  source: 'explicit' | 'graph' | 'aspect';
  /** One sentence for the user. */
  reason: string;
}

/**
 * Parses a reshape option: `'auto'` (default), `'none'`, `'tokens:14x14'` or `'14x14'`.
 * @example parseReshape('tokens:14x14') // { height: 14, width: 14 }
 */
export function parseReshape(spec: string | ReshapeSpec | undefined): ReshapeSpec {
  if (spec === undefined || spec === 'auto' || spec === '') return 'auto';
  if (spec === 'none') return 'none';
  if (typeof spec === 'object') return spec;
  const m = /^(?:tokens:)?\s*(\d+)\s*[x×*]\s*(\d+)\s*$/i.exec(spec.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `cannot read reshape "${spec}"`, { hint: "use 'auto', 'none' or tokens:HxW, e.g. --reshape tokens:14x14" });
  }
  return { height: Number(m[1]), width: Number(m[2]) };
}

/** Options for {@link tokenGrid}. */
export interface TokenGridOptions {
  /** Batch size of the run the dims come from (tells `[N, T, D]` from `[T, N, D]`). */
  batch: number;
  /** Spatial size `[height, width]` of the model input, for the aspect-ratio rule. */
  inputSize: readonly [number, number];
  reshape: ReshapeSpec;
  /** Concrete shapes of the graph's tensors (`lens.shapes()`). */
  shapeOf: (tensor: string) => readonly number[] | undefined;
}

/**
 * Reads a rank-3 activation as a token grid, or returns undefined when `reshape` is `'none'` or no
 * rule finds a grid. An explicit grid that does not fit throws E_BAD_USAGE.
 */
export function tokenGrid(view: ModelView, tensor: string, dims: readonly number[], opts: TokenGridOptions): TokenGrid | undefined {
  if (dims.length !== 3 || opts.reshape === 'none') return undefined;
  const order: 'NTD' | 'TND' = dims[0] === opts.batch ? 'NTD' : dims[1] === opts.batch ? 'TND' : 'NTD';
  const T = order === 'NTD' ? dims[1]! : dims[0]!;
  const D = dims[2]!;
  const base = { order, tokens: T, channels: D };
  if (typeof opts.reshape === 'object') {
    const { height, width } = opts.reshape;
    if (height * width > T) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `reshape tokens:${height}x${width} needs ${height * width} tokens but layer "${tensor}" has ${T} ([${dims.join(', ')}])`, {
        hint: `give a grid with at most ${T} cells, e.g. the patch grid of the model`,
      });
    }
    return { ...base, prefix: T - height * width, height, width, source: 'explicit', reason: `tokens reshaped to ${height}x${width} as requested, the first ${T - height * width} dropped` };
  }
  // Rule 2: the patch embedding's grid.
  const seen = new Set<string>([tensor]);
  const queue = [tensor];
  for (let steps = 0; queue.length > 0 && steps < 20000; steps++) {
    const t = queue.shift()!;
    const p = view.producer(t);
    if (!p) continue;
    for (const inp of p.node.inputs) {
      if (!inp || seen.has(inp) || view.isInitializer(inp)) continue;
      seen.add(inp);
      const sh = opts.shapeOf(inp);
      if (sh && sh.length === 4 && (sh[0] === opts.batch || order === 'TND')) {
        const ev = channelOrder(view, inp, 4, { shapeOf: opts.shapeOf });
        if (ev.op === 'Conv' || ev.op === 'ConvTranspose') {
          const [h, w] = ev.order === 'channels-first' ? [sh[2]!, sh[3]!] : [sh[1]!, sh[2]!];
          if (h * w <= T && T - h * w <= MAX_EXTRA_TOKENS && h * w > 1) {
            const k = T - h * w;
            return { ...base, prefix: k, height: h, width: w, source: 'graph', reason: `${T} tokens = ${k ? `${k} leading token${k > 1 ? 's' : ''} (dropped) + ` : ''}the ${h}x${w} patch grid of "${inp}"` };
          }
        }
      }
      queue.push(inp);
    }
  }
  // Rule 3: the input's aspect ratio.
  const [H, W] = opts.inputSize;
  for (let k = 0; k <= MAX_EXTRA_TOKENS && k < T; k++) {
    const m = T - k;
    const w = Math.round(Math.sqrt((m * W) / H));
    if (w < 1) continue;
    const h = m / w;
    if (Number.isInteger(h) && h * W === w * H && m > 1) {
      return { ...base, prefix: k, height: h, width: w, source: 'aspect', reason: `${T} tokens = ${k ? `${k} leading token${k > 1 ? 's' : ''} (dropped) + ` : ''}a ${h}x${w} grid with the input's aspect ratio` };
    }
  }
  return undefined;
}

/**
 * Copies a token activation into channels-first grid order `[N, D, h·w]` (leading tokens dropped).
 * @param data the activation, laid out as `grid.order` says
 */
export function tokensToGrid(data: ArrayLike<number>, batch: number, grid: TokenGrid): Float32Array {
  const { tokens: T, channels: D, prefix, height, width } = grid;
  const S = height * width;
  const out = new Float32Array(batch * D * S);
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < S; p++) {
      const t = prefix + p;
      const src = grid.order === 'NTD' ? (n * T + t) * D : (t * batch + n) * D;
      for (let d = 0; d < D; d++) out[(n * D + d) * S + p] = Number(data[src + d]);
    }
  }
  return out;
}
