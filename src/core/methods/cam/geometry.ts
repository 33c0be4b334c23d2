/**
 * Shapes of the things a CAM relates: the model input (batch, channels, spatial size, layout — the
 * spatial size is what maps are upsampled to) and each target layer (channels and spatial grid, in
 * whatever layout the graph uses: channels-first, channels-last, or transformer tokens read as a
 * grid). Activations and gradients are copied into one canonical `[N, C, S]` channels-first order so
 * the methods only ever see that; ablation writes back in the layer's own layout.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { ModelView } from '../../onnx/model-view.ts';
import type { Tensor } from '../../tensor.ts';
import { channelOrder } from './layout.ts';
import type { ChannelOrder } from './layout.ts';
import { tokenGrid, tokensToGrid } from './tokens.ts';
import type { ReshapeSpec, TokenGrid } from './tokens.ts';

/** The model input a CAM refers to. */
export interface InputGeometry {
  dims: number[];
  batch: number;
  channels: number;
  /** Spatial dims, outermost first: `[H, W]`, `[D, H, W]` or `[L]`. */
  spatial: number[];
  order: ChannelOrder;
}

/** Reads batch, channels and spatial dims off an input shape of rank 3 to 5. */
export function inputGeometry(dims: readonly number[], layout: 'NCHW' | 'NHWC' | undefined): InputGeometry {
  const r = dims.length;
  if (r < 3 || r > 5) {
    throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `a CAM needs an image-like input of rank 3 to 5 ([N, C, L], [N, C, H, W] or [N, C, D, H, W]), got [${dims.join(', ')}]`);
  }
  let order: ChannelOrder = 'channels-first';
  if (r === 4) order = layout === 'NHWC' ? 'channels-last' : 'channels-first';
  else if (r === 5) {
    const small = (d: number | undefined): boolean => d === 1 || d === 3 || d === 4;
    order = small(dims[4]) && !small(dims[1]) ? 'channels-last' : 'channels-first';
  }
  const channels = order === 'channels-first' ? dims[1]! : dims[r - 1]!;
  const spatial = order === 'channels-first' ? dims.slice(2) : dims.slice(1, r - 1);
  return { dims: [...dims], batch: dims[0]!, channels, spatial, order };
}

/** A target layer as a CAM sees it. */
export interface LayerGeometry {
  /** Tensor name. */
  tensor: string;
  /** Dims of the activation for the batch the geometry was computed for. */
  dims: number[];
  kind: 'spatial' | 'tokens';
  /** Channel position (spatial layers). */
  order?: ChannelOrder;
  /** How the order was decided (op and node), when the graph said. */
  evidence?: string;
  /** The token grid (token layers). */
  tokens?: TokenGrid;
  channels: number;
  /** Spatial dims of the canonical map, e.g. `[7, 7]`. */
  spatial: number[];
}

/** Options for {@link layerGeometry}. */
export interface LayerGeometryOptions {
  input: InputGeometry;
  reshape: ReshapeSpec;
  /** Force the channel position of 4-D/5-D layers instead of reading it from the graph. */
  order?: ChannelOrder;
  shapeOf: (tensor: string) => readonly number[] | undefined;
  /** A spatial layer to suggest when this one has none (the default target layer). */
  suggestion?: string;
}

/**
 * Geometry of a target layer from its dims.
 * @throws ConvlensError(BAD_USAGE) when the layer has no spatial extent (`[N, C]`, `[N, C, 1, 1]`) or is
 *   a token layer without a readable grid; the hint names a spatial layer and the token reshape option
 */
export function layerGeometry(view: ModelView, tensor: string, dims: readonly number[], opts: LayerGeometryOptions): LayerGeometry {
  const r = dims.length;
  const suggest = opts.suggestion ? ` such as "${opts.suggestion}" (the default target layer)` : '';
  const noSpatial = (why: string): never => {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `layer "${tensor}" [${dims.join(', ')}] ${why}: a CAM needs a feature map with spatial dims`, {
      hint: `pick a spatial layer${suggest} (list them with \`convlens inspect\`), or for a transformer token layer [N, T, D] give the grid with --reshape tokens:HxW`,
      details: { layer: tensor, dims: [...dims] },
    });
  };
  const spatialRank = opts.input.spatial.length;
  if (r === 3 && spatialRank !== 1) {
    const grid = tokenGrid(view, tensor, dims, { batch: opts.input.batch, inputSize: [opts.input.spatial[0]!, opts.input.spatial[1] ?? 1], reshape: opts.reshape, shapeOf: opts.shapeOf });
    if (!grid) noSpatial(opts.reshape === 'none' ? 'is a token layer and reshaping is off' : 'looks like a token layer but no patch grid fits its token count');
    return { tensor, dims: [...dims], kind: 'tokens', tokens: grid, channels: grid!.channels, spatial: [grid!.height, grid!.width] };
  }
  if (r < 3 || r > 5) noSpatial(r < 3 ? 'has no spatial dims' : 'has more than 3 spatial dims');
  const ev = opts.order ? { order: opts.order, op: 'option', node: undefined } : channelOrder(view, tensor, r, { fallback: opts.input.order, shapeOf: opts.shapeOf });
  const channels = ev.order === 'channels-first' ? dims[1]! : dims[r - 1]!;
  const spatial = ev.order === 'channels-first' ? dims.slice(2) : dims.slice(1, r - 1);
  if (spatial.reduce((a, b) => a * b, 1) <= 1) noSpatial('has a 1x1 spatial extent (it is after the global pooling)');
  return { tensor, dims: [...dims], kind: 'spatial', order: ev.order, evidence: ev.op ? `${ev.op}${ev.node ? ` "${ev.node}"` : ''}` : undefined, channels, spatial };
}

/** Number of spatial positions of a layer. */
export function spatialSize(g: LayerGeometry): number {
  return g.spatial.reduce((a, b) => a * b, 1);
}

/**
 * Copies an activation (or its gradient) into canonical `[N, C, S]` order as float32.
 * @param t the tensor as the model produced it (batch `n`)
 */
export function toCanonical(t: Tensor, g: LayerGeometry, n: number): Float32Array {
  const data = t.data as ArrayLike<number>;
  if (g.kind === 'tokens') return tokensToGrid(data, n, g.tokens!);
  const C = g.channels, S = spatialSize(g);
  if (g.order === 'channels-first') return data instanceof Float32Array ? data.slice(0, n * C * S) : Float32Array.from(data as ArrayLike<number>);
  const out = new Float32Array(n * C * S);
  for (let b = 0; b < n; b++) for (let s = 0; s < S; s++) for (let c = 0; c < C; c++) out[(b * C + c) * S + s] = data[(b * S + s) * C + c]!;
  return out;
}

/**
 * Offsets (into the activation as the model lays it out) of every element of channel `c` of batch row
 * `b` — what Ablation-CAM overwrites. Token layers ablate the channel in every token, leading tokens
 * included, as pytorch-grad-cam's `AblationLayerVit` does.
 */
export function channelOffsets(g: LayerGeometry, b: number, c: number, batch: number): Int32Array {
  if (g.kind === 'tokens') {
    const { tokens: T, channels: D, order } = g.tokens!;
    const out = new Int32Array(T);
    for (let t = 0; t < T; t++) out[t] = order === 'NTD' ? (b * T + t) * D + c : (t * batch + b) * D + c;
    return out;
  }
  const C = g.channels, S = spatialSize(g);
  const out = new Int32Array(S);
  for (let s = 0; s < S; s++) out[s] = g.order === 'channels-first' ? (b * C + c) * S + s : (b * S + s) * C + c;
  return out;
}
