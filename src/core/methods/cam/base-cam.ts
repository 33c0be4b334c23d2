/**
 * The CAM family's one pipeline (pytorch-grad-cam's `BaseCAM`): every CAM method is a thin file that
 * only says how to weight the target layer's channels; this module owns the rest, with
 * pytorch-grad-cam's conventions so users get the numbers they know:
 *
 * 1. target layers (default: {@link defaultTargetLayer}, printed with its reason) and their geometry —
 *    4-D/5-D, channels-first or channels-last, or transformer tokens read as a grid (tokens.ts);
 * 2. the score tensor (the logits feeding a final Softmax, see `scoreTensor`) and the target per image;
 * 3. activations A and, for gradient methods, ∂y/∂A of all target layers from ONE runtime call of one
 *    compiled graph that stops at the target layers (cam-runtime.ts), batched over images;
 * 4. the method's hook: channel weights α (`weights`, map = Σ_c α_c A_c), elementwise weighted
 *    activations (`weighted`, map = Σ_c W_c), or the whole map (`map`);
 *    `eigenSmooth` replaces the channel sum by the first principal component of the weighted
 *    activations (pytorch-grad-cam's `get_2d_projection`, sign-corrected, see linalg.ts);
 * 5. ReLU → the raw map (kept, at layer resolution: `coarse`) → per-image min-max normalisation
 *    `(x − min) / (max − min + 1e-7)` → linear upsampling to the input size with half-pixel centres
 *    (cv2.resize INTER_LINEAR; trilinear for 3-D) — `scale_cam_image`;
 * 6. several target layers: their normalised upsampled maps are averaged, ReLU'd and normalised again
 *    (`aggregate_multi_layers`);
 * 7. `augSmooth`: the whole pipeline on 6 augmentations — horizontal flip × intensity factors
 *    0.9 / 1 / 1.1 (ttach `HorizontalFlip()` × `Multiply([0.9, 1, 1.1])`), all in one batch — each map
 *    flipped back, then averaged (not renormalised), as `forward_augmentation_smoothing` does. Unlike
 *    pytorch-grad-cam, a `top1` target is resolved once on the original image, so every augmentation
 *    explains the same class.
 *
 * Besides the normalised map, the upsampled raw map (ReLU'd, not normalised; averaged over layers and
 * augmentations) is returned as the method's `map`, and each layer's raw map at its own resolution.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { Lens } from '../../lens.ts';
import { sizeOf, tensor } from '../../tensor.ts';
import type { Tensor } from '../../tensor.ts';
import { describeTarget, resolveTarget, scoreTensor } from '../target.ts';
import type { ScoreTensor, Target, TargetSpec } from '../target.ts';
import type { ExplainContext, ExplainMethod, ExplainResult, ParamSpec } from '../types.ts';
import { resolveParams } from '../params.ts';
import { fixedBatch, forward, layerGradients, newCounters } from './cam-runtime.ts';
import type { RowSeed, RunCounters } from './cam-runtime.ts';
import { defaultTargetLayer } from './default-layer.ts';
import type { DefaultLayer } from './default-layer.ts';
import { inputGeometry, layerGeometry, spatialSize, toCanonical } from './geometry.ts';
import type { InputGeometry, LayerGeometry } from './geometry.ts';
import type { ChannelOrder } from './layout.ts';
import { firstComponentProjection } from './linalg.ts';
import { flipLastAxis, linearResizer } from './resample.ts';
import { parseReshape } from './tokens.ts';

/** Parameters every CAM method takes. */
export interface CamCommonParams {
  /**
   * Target layer(s): a layer selector (`layer4`, a tensor or node name, a layer-table index), several
   * separated by commas or as an array (maps averaged), or `'auto'` for {@link defaultTargetLayer}.
   * @example 'layer4' · 'layer3,layer4' · ['features.28']
   */
  layer: string | readonly string[];
  /** Test-time augmentation: horizontal flips × intensity 0.9/1/1.1, maps averaged (pytorch-grad-cam's aug_smooth). */
  augSmooth: boolean;
  /** First principal component of the weighted activations instead of their channel sum (pytorch-grad-cam's eigen_smooth). */
  eigenSmooth: boolean;
  /** Token layers: `'auto'` (find the grid), `'none'`, or `'tokens:HxW'`. */
  reshape: string;
  /** Channel position of 4-D/5-D target layers: `'auto'` (from the graph), `'channels-first'`, `'channels-last'`. */
  layout: 'auto' | ChannelOrder;
}

export const COMMON_DEFAULTS: CamCommonParams = { layer: 'auto', augSmooth: false, eigenSmooth: false, reshape: 'auto', layout: 'auto' };

/** Documentation of the common parameters (merged into every CAM method's `params`). */
export const COMMON_PARAMS: readonly ParamSpec[] = [
  { name: 'layer', type: 'string', default: 'auto', doc: "Target layer selector(s), comma-separated for several (their maps are averaged). 'auto': the last spatial feature map before the global pooling/flatten (for vision transformers the token layer entering the last attention block), found from the graph and reported." },
  { name: 'augSmooth', type: 'boolean', default: false, doc: 'Test-time augmentation as pytorch-grad-cam aug_smooth: horizontal flip × intensity factors 0.9/1/1.1 (6 passes, one batch), maps flipped back and averaged.' },
  { name: 'eigenSmooth', type: 'boolean', default: false, doc: 'Replace the channel sum by the first principal component of the weighted activations (pytorch-grad-cam eigen_smooth), sign-corrected so the dominant response is positive.' },
  { name: 'reshape', type: 'string', default: 'auto', doc: "Transformer token layers [N, T, D]: 'auto' finds the patch grid (leading class/register tokens dropped), 'tokens:HxW' forces it, 'none' refuses token layers." },
  { name: 'layout', type: 'enum', default: 'auto', choices: ['auto', 'channels-first', 'channels-last'], doc: "Channel axis of 4-D/5-D target layers; 'auto' reads it from the graph (Conv → channels-first, Transpose to NHWC → channels-last)." },
];

/** One target layer's data in canonical `[N, C, S]` order. */
export interface CamLayer {
  /** Position in the list of target layers. */
  index: number;
  geometry: LayerGeometry;
  n: number;
  c: number;
  s: number;
  activations: Float32Array;
  /** ∂score/∂A, present for methods with `gradients: true`. */
  gradients?: Float32Array;
  /** The activation as the model produced it (Ablation-CAM modifies copies of it). */
  raw: Tensor;
}

/** What the run offers a method hook besides its layer. */
export interface CamRun {
  lens: Lens;
  /** The batch being explained (after augmentation), in the model's layout. */
  input: Tensor;
  inputGeometry: InputGeometry;
  /** Score tensor name. */
  score: string;
  /** One target per row of `input`. */
  targets: Target[];
  /** The score tensor's value for `input`. */
  scores: Tensor;
  batchSize: number;
  counters: RunCounters;
  onProgress?: (done: number, total: number) => void;
}

/** A CAM method: what differs from the shared pipeline. */
export interface CamMethodDef<P extends object> {
  /** Stable CLI id (`gradcam`...). */
  id: string;
  title: string;
  /** Paper and equation implemented. */
  citation: string;
  /** Method-specific parameters (the common ones are appended). */
  params?: readonly ParamSpec[];
  defaults: P;
  /** Whether the pipeline must compute ∂score/∂A. */
  gradients: boolean;
  /** Channel weights α `[N, C]`; map = Σ_c α_c A_c. */
  weights?(layer: CamLayer, run: CamRun, params: P & CamCommonParams): Float64Array | Promise<Float64Array>;
  /** Elementwise weighted activations `[N, C, S]`; map = Σ_c of them. */
  weighted?(layer: CamLayer, params: P & CamCommonParams): Float64Array;
  /** The whole layer map `[N, S]` before ReLU (eigenSmooth does not apply). */
  map?(layer: CamLayer, params: P & CamCommonParams): Float64Array;
  /** Checks before anything runs (e.g. CAM's pooling + linear head). */
  prepare?(lens: Lens, layers: readonly string[], score: ScoreTensor): void;
}

/** A CAM request through the library (any batch). */
export interface CamRequest<P extends object> {
  lens: Lens;
  /** Preprocessed input `[N, ...]` in the model's layout. */
  input: Tensor;
  /** One target for all images, or one per image. Default `'top1'`. */
  target?: TargetSpec | Target | readonly (TargetSpec | Target)[];
  /** Explain this tensor instead of the default score tensor. */
  output?: string;
  labels?: readonly string[];
  /** Largest batch per runtime call (dynamic batch axes). Default 64. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  params?: Partial<P & CamCommonParams>;
}

/** A target layer in a result. */
export interface CamLayerResult {
  tensor: string;
  /** Human name of the producing node. */
  name: string;
  /** Activation dims for the batch explained. */
  dims: number[];
  kind: 'spatial' | 'tokens';
  order?: ChannelOrder;
  evidence?: string;
  tokens?: { prefix: number; height: number; width: number; source: string; reason: string };
  /** Raw map at layer resolution after ReLU, before normalisation: `[N, 1, ...layer spatial]`. */
  coarse: Tensor<'float32'>;
  /** Channel weights `[N, C]` of the un-augmented pass, for methods that have them. */
  weights?: Tensor<'float32'>;
}

/** Everything a CAM computes. */
export interface CamResult {
  /** pytorch-grad-cam's output: `[N, 1, ...input spatial]` in [0, 1]. */
  normalized: Tensor<'float32'>;
  /** The raw (ReLU'd, not normalised) map upsampled to the input: `[N, 1, ...input spatial]`. */
  raw: Tensor<'float32'>;
  layers: CamLayerResult[];
  /** Set when the layer was chosen automatically. */
  defaultLayer?: DefaultLayer;
  score: ScoreTensor;
  targets: Target[];
  params: Record<string, unknown>;
  counters: RunCounters;
  totalMs: number;
}

/** Number of test-time augmentations of `augSmooth`: (no flip, flip) × (0.9, 1, 1.1), ttach's product order. */
export const AUGMENTATIONS: readonly { flip: boolean; factor: number }[] = [
  { flip: false, factor: 0.9 }, { flip: false, factor: 1 }, { flip: false, factor: 1.1 },
  { flip: true, factor: 0.9 }, { flip: true, factor: 1 }, { flip: true, factor: 1.1 },
];

const isTargetObject = (t: unknown): t is Target => typeof t === 'object' && t !== null && 'kind' in t;

function layerList(layer: string | readonly string[]): string[] | 'auto' {
  const list = (typeof layer === 'string' ? layer.split(',') : [...layer]).map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0 || (list.length === 1 && list[0] === 'auto')) return 'auto';
  return list;
}

/**
 * Per-image min-max normalisation `(x − min) / (max − min + 1e-7)` of `n` rows of `len` values, in
 * place (pytorch-grad-cam's `scale_cam_image` without the resize). `offsets`/`scales`, when given,
 * receive each row's min and divisor.
 */
export function scaleRows(a: Float64Array, n: number, len: number, offsets?: Float64Array, scales?: Float64Array): Float64Array {
  for (let b = 0; b < n; b++) {
    let mn = Infinity, mx = -Infinity;
    for (let i = b * len; i < (b + 1) * len; i++) { const v = a[i]!; if (v < mn) mn = v; if (v > mx) mx = v; }
    const d = mx - mn + 1e-7;
    for (let i = b * len; i < (b + 1) * len; i++) a[i] = (a[i]! - mn) / d;
    if (offsets) offsets[b] = mn;
    if (scales) scales[b] = d;
  }
  return a;
}

/**
 * Channel weights built from each channel's activation total: for each of the `rows` (item, channel)
 * rows of `s` positions, w = Σ_k term(k, Σ_ab A_ab) over the row's flat indices k, summed in order (the
 * form Grad-CAM++ and XGrad-CAM share; each passes its own per-position term).
 */
export function activationSumWeights(rows: number, s: number, activations: Float32Array, term: (k: number, sumA: number) => number): Float64Array {
  const w = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let sumA = 0;
    for (let k = i * s; k < (i + 1) * s; k++) sumA += activations[k]!;
    let acc = 0;
    for (let k = i * s; k < (i + 1) * s; k++) acc += term(k, sumA);
    w[i] = acc;
  }
  return w;
}

/** Builds the input batch of `augSmooth`: row `a·N + n` is image n under augmentation a. */
function augmentBatch(input: Tensor, g: InputGeometry): Tensor {
  const n = g.batch, row = sizeOf(input.dims.slice(1));
  const src = input.data as Float32Array;
  const out = new Float32Array(AUGMENTATIONS.length * n * row);
  const width = g.spatial[g.spatial.length - 1]!;
  const inner = g.order === 'channels-first' ? 1 : g.channels; // stride of the width axis
  AUGMENTATIONS.forEach((aug, a) => {
    for (let b = 0; b < n; b++) {
      const s0 = b * row, d0 = (a * n + b) * row;
      const f = Math.fround(aug.factor);
      if (!aug.flip) { for (let i = 0; i < row; i++) out[d0 + i] = src[s0 + i]! * f; continue; }
      const lineLen = width * inner;
      for (let l = 0; l < row; l += lineLen) {
        for (let x = 0; x < width; x++) for (let k = 0; k < inner; k++) out[d0 + l + x * inner + k] = src[s0 + l + (width - 1 - x) * inner + k]! * f;
      }
    }
  });
  return tensor('float32', [AUGMENTATIONS.length * n, ...input.dims.slice(1)], out);
}

/** Default target layers found per lens (the graph walk costs milliseconds; a lens's graph never changes). */
const defaultLayers = new WeakMap<Lens, Map<string, DefaultLayer>>();

function cachedDefaultLayer(lens: Lens, key: string, find: () => DefaultLayer): DefaultLayer {
  let m = defaultLayers.get(lens);
  if (!m) defaultLayers.set(lens, (m = new Map()));
  let d = m.get(key);
  if (!d) m.set(key, (d = find()));
  return d;
}

/**
 * Runs a CAM method: the library entry point for any batch of images.
 * @throws ConvlensError — BAD_USAGE for a target class out of range, a layer without spatial dims, or
 *   a method that does not fit the model (CAM without a pooling + linear head); E_NO_GRADIENT_RULE
 *   (with a hint naming the gradient-free methods) when an op between score and layer has no backward rule
 */
export async function computeCam<P extends object>(def: CamMethodDef<P>, req: CamRequest<P>): Promise<CamResult> {
  const t0 = performance.now();
  const { lens } = req;
  const given: Record<string, unknown> = { ...(req.params ?? {}) };
  if (Array.isArray(given['layer'])) given['layer'] = (given['layer'] as string[]).join(',');
  const params = resolveParams<P & CamCommonParams>(def.id, [...(def.params ?? []), ...COMMON_PARAMS], given as Partial<P & CamCommonParams>);
  const batchSize = req.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `batchSize must be a positive integer, got ${batchSize}`);
  const input = req.input;
  if (input.dtype !== 'float32') throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `CAM input must be float32, got ${input.dtype}`);
  if (input.dims.length !== lens.input.dims.length) {
    throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `input [${input.dims.join(', ')}] has rank ${input.dims.length} but "${lens.input.name}" of ${lens.source} has rank ${lens.input.dims.length}`);
  }
  const inGeo = inputGeometry(input.dims, lens.input.layout);
  const N = inGeo.batch;
  const score = scoreTensor(lens, { output: req.output });
  const labels = req.labels ?? lens.labels;
  const counters = newCounters();

  // ---- layers and their geometry (shapes for a batch of 1, or the model's fixed batch)
  const b0 = fixedBatch(lens) ?? 1;
  const infos = await lens.shapes([b0, ...input.dims.slice(1)]);
  const shapeOf = (t: string): readonly number[] | undefined => infos.get(t)?.dims;
  const inputSize: [number, number] = [inGeo.spatial[inGeo.spatial.length - 2] ?? 1, inGeo.spatial[inGeo.spatial.length - 1]!];
  let dflt: DefaultLayer | undefined;
  const findDefault = (): DefaultLayer => (dflt ??= cachedDefaultLayer(lens, JSON.stringify([score.tensor, b0, input.dims.slice(1), inGeo.order]), () => defaultTargetLayer(lens.view, { score: score.tensor, shapeOf, batch: b0, inputSize, inputOrder: inGeo.order })));
  const asked = layerList(params.layer);
  const layers = asked === 'auto' ? [findDefault().tensor] : asked.map((l) => lens.resolveTensor(l));
  const reshape = parseReshape(params.reshape);
  let suggestion: string | undefined;
  try { suggestion = asked === 'auto' ? undefined : findDefault().name; } catch { suggestion = undefined; }
  const geos = layers.map((t) => {
    const dims = shapeOf(t);
    if (!dims) throw new ConvlensError(ErrorCodes.UNKNOWN_LAYER, `no shape known for layer tensor "${t}" of ${lens.source}`, { hint: 'pick another layer (`convlens inspect`)' });
    return layerGeometry(lens.view, t, dims, { input: { ...inGeo, batch: b0 }, reshape, order: params.layout === 'auto' ? undefined : params.layout, shapeOf, suggestion });
  });
  def.prepare?.(lens, layers, score);

  // ---- targets, one per image
  const specs = Array.isArray(req.target) ? [...(req.target as readonly (TargetSpec | Target)[])] : Array.from({ length: N }, () => (req.target ?? 'top1') as TargetSpec | Target);
  if (specs.length !== N) throw new ConvlensError(ErrorCodes.BAD_USAGE, `${specs.length} targets given for ${N} images`, { hint: 'give one target for all images or one per image' });
  const scoreDims = shapeOf(score.tensor);
  if (!scoreDims) throw new ConvlensError(ErrorCodes.UNKNOWN_LAYER, `no shape known for score tensor "${score.tensor}"`);
  const zeroScores = tensor('float32', [1, ...scoreDims.slice(1)], new Float32Array(sizeOf(scoreDims.slice(1))));
  const topLike = (s: TargetSpec | Target): boolean => s === 'top1' || s === 'top' || (typeof s === 'string' && /^top-?k?[:=]?\d+$/i.test(s.trim()));
  const resolveOpts = { labels, tensorName: score.tensor };
  // Explicit classes are validated (range, names) before anything runs.
  const early: (Target | undefined)[] = specs.map((s) => {
    if (isTargetObject(s)) return s;
    if (topLike(s)) return undefined;
    if (typeof s === 'object' && s !== null && ('region' in s || 'mask' in s)) return undefined;
    return resolveTarget(s, zeroScores, resolveOpts)[0];
  });
  const k = sizeOf(scoreDims.slice(1));
  for (const t of early) {
    if (t?.kind === 'class' && (t.index < 0 || t.index >= k)) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `class ${t.index} is out of range for "${score.tensor}": it has ${k} classes, valid classes are 0..${k - 1}`, { details: { target: t.index, count: k } });
    }
  }
  const resolveFrom = (scores: Tensor, rowOf: (i: number) => number): Target[] => specs.map((s, i) => {
    const row = rowOf(i);
    const t = early[i];
    if (t?.kind === 'class') return resolveTarget({ class: t.index }, scores, { ...resolveOpts, batchIndex: row })[0]!;
    if (t) return t;
    return resolveTarget(s as TargetSpec, scores, { ...resolveOpts, batchIndex: row })[0]!;
  });

  // ---- the batch to explain (6N rows with augSmooth)
  const augs = params.augSmooth ? AUGMENTATIONS.length : 1;
  const X = params.augSmooth ? augmentBatch(input, inGeo) : input;
  const rows = augs * N;
  const batchOpts = { batchSize, counters, onProgress: req.onProgress };
  const needScoresFirst = def.gradients && specs.some((s, i) => !early[i] && (params.augSmooth || !topLike(s)));
  let targets: Target[] | undefined;
  if (needScoresFirst) {
    const sc = (await forward(lens, input, [score.tensor], { ...batchOpts, onProgress: undefined }))[score.tensor]!;
    targets = resolveFrom(sc, (i) => i);
  }

  let acts: Tensor[], grads: Tensor[] | undefined, scores: Tensor;
  if (def.gradients) {
    const seedOf = (t: Target | undefined): RowSeed => (t ? { kind: 'weights', values: seedWeights(t, scoreDims) } : { kind: 'top1' });
    const seeds: RowSeed[] = [];
    for (let a = 0; a < augs; a++) for (let i = 0; i < N; i++) seeds.push(seedOf(targets?.[i] ?? early[i]));
    const r = await layerGradients(lens, X, score.tensor, layers, seeds, batchOpts);
    acts = r.activations; grads = r.gradients; scores = r.scores;
    // Original rows: with augSmooth, augmentation 1 (no flip, ×1) holds the original images.
    const orig = params.augSmooth ? 1 : 0;
    targets ??= resolveFrom(scores, (i) => orig * N + i);
  } else {
    const r = await forward(lens, X, [...new Set([score.tensor, ...layers])], batchOpts);
    acts = layers.map((l) => r[l]!); scores = r[score.tensor]!;
    const orig = params.augSmooth ? 1 : 0;
    targets = resolveFrom(scores, (i) => orig * N + i);
  }
  const rowTargets: Target[] = [];
  for (let a = 0; a < augs; a++) rowTargets.push(...targets);
  const run: CamRun = { lens, input: X, inputGeometry: { ...inGeo, batch: rows, dims: [...X.dims] }, score: score.tensor, targets: rowTargets, scores, batchSize, counters, onProgress: req.onProgress };

  // ---- per-layer maps
  const P = sizeOf(inGeo.spatial);
  const normSum = new Float64Array(rows * P), rawSum = new Float64Array(rows * P);
  const layerResults: CamLayerResult[] = [];
  for (let li = 0; li < layers.length; li++) {
    const g = geos[li]!;
    const S = spatialSize(g), C = g.channels;
    const layer: CamLayer = {
      index: li, geometry: g, n: rows, c: C, s: S, raw: acts[li]!,
      activations: toCanonical(acts[li]!, g, rows),
      gradients: grads ? toCanonical(grads[li]!, g, rows) : undefined,
    };
    let weights: Float64Array | undefined;
    let cam: Float64Array;
    if (def.map) cam = def.map(layer, params);
    else if (def.weighted) cam = channelSum(def.weighted(layer, params), rows, C, S, params.eigenSmooth);
    else {
      weights = await def.weights!(layer, run, params);
      cam = params.eigenSmooth ? channelSum(weightActivations(weights, layer.activations, rows, C, S), rows, C, S, true) : weightedChannelSum(weights, layer.activations, rows, C, S);
    }
    relu(cam);
    const coarse = cam.slice();
    const mins = new Float64Array(rows), divs = new Float64Array(rows);
    const scaled = scaleRows(cam, rows, S, mins, divs);
    // Linear interpolation commutes with the affine normalisation: up(raw) = up(scaled)·div + min.
    const resizer = linearResizer(g.spatial, inGeo.spatial);
    const up = new Float64Array(P);
    for (let b = 0; b < rows; b++) {
      resizer.resize(scaled.subarray(b * S, (b + 1) * S), up);
      accumulateUpsampled(up, normSum, rawSum, b * P, divs[b]!, mins[b]!);
    }
    const coarseOut = deaugment(coarse, N, augs, S, g.spatial[g.spatial.length - 1]!);
    layerResults.push({
      tensor: g.tensor,
      name: lens.humanName(lens.view.producer(g.tensor)?.node ?? { index: -1 }),
      dims: [rows / augs, ...g.dims.slice(1)],
      kind: g.kind,
      order: g.order,
      evidence: g.evidence,
      tokens: g.tokens ? { prefix: g.tokens.prefix, height: g.tokens.height, width: g.tokens.width, source: g.tokens.source, reason: g.tokens.reason } : undefined,
      coarse: tensor('float32', [N, 1, ...g.spatial], new Float32Array(coarseOut)),
      weights: weights ? tensor('float32', [N, C], new Float32Array(weights.subarray(augs > 1 ? N * C : 0, (augs > 1 ? 2 : 1) * N * C))) : undefined,
    });
  }
  // ---- aggregate layers: mean, ReLU, normalise (aggregate_multi_layers)
  meanOverLayers(normSum, rawSum, layers.length);
  scaleRows(normSum, rows, P);
  const W = inGeo.spatial[inGeo.spatial.length - 1]!;
  const normalized = deaugment(normSum, N, augs, P, W);
  const raw = deaugment(rawSum, N, augs, P, W);
  return {
    normalized: tensor('float32', [N, 1, ...inGeo.spatial], new Float32Array(normalized)),
    raw: tensor('float32', [N, 1, ...inGeo.spatial], new Float32Array(raw)),
    layers: layerResults,
    defaultLayer: asked === 'auto' ? dflt : undefined,
    score,
    targets,
    params: { ...params } as Record<string, unknown>,
    counters,
    totalMs: performance.now() - t0,
  };
}

// The per-pixel loops of the pipeline live in small functions (not inline in the long async
// `computeCam`), so the JIT optimizes them: inline they ran several times slower, a visible share of a
// Grad-CAM call (see bench/explain.ts).

/** `Σ_c w[b, c] · A[b, c, s]` → `[rows, S]`, summed over c in order (the values of materialising w·A first). */
function weightedChannelSum(w: Float64Array, acts: Float32Array, rows: number, C: number, S: number): Float64Array {
  const cam = new Float64Array(rows * S);
  for (let b = 0; b < rows; b++) {
    const o = b * S;
    for (let c = 0; c < C; c++) {
      const wc = w[b * C + c]!, a = (b * C + c) * S;
      for (let s = 0; s < S; s++) cam[o + s]! += wc * acts[a + s]!;
    }
  }
  return cam;
}

/** `w[b, c] · A[b, c, s]` elementwise → `[rows, C, S]` (eigenSmooth needs the weighted activations). */
function weightActivations(w: Float64Array, acts: Float32Array, rows: number, C: number, S: number): Float64Array {
  const out = new Float64Array(rows * C * S);
  for (let b = 0; b < rows; b++) for (let c = 0; c < C; c++) {
    const wc = w[b * C + c]!, o = (b * C + c) * S;
    for (let s = 0; s < S; s++) out[o + s] = wc * acts[o + s]!;
  }
  return out;
}

/** Channel sum of weighted activations `[rows, C, S]` → `[rows, S]`, or their first principal component (eigenSmooth). */
function channelSum(weighted: Float64Array, rows: number, C: number, S: number, eigenSmooth: boolean): Float64Array {
  const cam = new Float64Array(rows * S);
  for (let b = 0; b < rows; b++) {
    if (eigenSmooth) { cam.set(firstComponentProjection(weighted.subarray(b * C * S, (b + 1) * C * S), C, S), b * S); continue; }
    for (let c = 0; c < C; c++) { const o = (b * C + c) * S; for (let s = 0; s < S; s++) cam[b * S + s]! += weighted[o + s]!; }
  }
  return cam;
}

/** ReLU in place; NaN (a broken model) also becomes 0. */
function relu(a: Float64Array): void {
  for (let i = 0; i < a.length; i++) if (!(a[i]! > 0)) a[i] = 0;
}

/** Adds one upsampled normalised map to the sums at `at`: `norm += up`, `raw += up·div + min`. */
function accumulateUpsampled(up: Float64Array, normSum: Float64Array, rawSum: Float64Array, at: number, div: number, min: number): void {
  for (let p = 0; p < up.length; p++) { normSum[at + p]! += up[p]!; rawSum[at + p]! += up[p]! * div + min; }
}

/** Mean over `L` layers; the normalised sum is also ReLU'd (aggregate_multi_layers). */
function meanOverLayers(normSum: Float64Array, rawSum: Float64Array, L: number): void {
  for (let i = 0; i < normSum.length; i++) { normSum[i] = Math.max(normSum[i]! / L, 0); rawSum[i] = rawSum[i]! / L; }
}

/** Flips the flipped augmentations back and averages them: `[augs·N, len]` → `[N, len]` (identity when augs = 1). */
function deaugment(a: Float64Array, n: number, augs: number, len: number, width: number): Float64Array {
  if (augs === 1) return a;
  const out = new Float64Array(n * len);
  for (let k = 0; k < augs; k++) {
    for (let b = 0; b < n; b++) {
      const src = a.subarray((k * n + b) * len, (k * n + b + 1) * len);
      const m = AUGMENTATIONS[k]!.flip ? flipLastAxis(src, width) : src;
      for (let i = 0; i < len; i++) out[b * len + i]! += m[i]!;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(out[i]! / augs);
  return out;
}

/** The upstream gradient row (shape of one score row) that selects a target. */
export function seedWeights(t: Target, scoreDims: readonly number[]): Float32Array {
  const row = sizeOf(scoreDims.slice(1));
  const v = new Float32Array(row);
  if (t.kind === 'class') {
    if (t.index < 0 || t.index >= row) throw new ConvlensError(ErrorCodes.BAD_USAGE, `class ${t.index} is out of range: the score tensor has ${row} entries per row, valid classes are 0..${row - 1}`);
    v[t.index] = 1;
    return v;
  }
  // Dense output [N, K, ...grid]: channel on axis 1.
  const grid = sizeOf(scoreDims.slice(2));
  if (t.kind === 'mask') {
    for (let i = 0; i < grid; i++) v[t.channel * grid + i] = t.weights[i]!;
  } else {
    const gw = scoreDims[scoreDims.length - 1]!;
    const [x0, y0, x1, y1] = t.box;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) v[t.channel * grid + y * gw + x] = 1;
  }
  return v;
}

/**
 * Wraps a CAM definition as an {@link ExplainMethod}. `explain()` returns as `map` the raw map
 * upsampled to the input (`[N, 1, H, W]`, ReLU'd, not normalised), and in `arrays`: `normalized`
 * (pytorch-grad-cam's output, [0, 1]), `coarse` (raw map at the first target layer's resolution;
 * `coarse.1`... for further layers) and `weights` (channel weights `[N, C]` of the first layer, for
 * methods that have them).
 */
export function defineCamMethod<P extends object>(def: CamMethodDef<P>): ExplainMethod<P & CamCommonParams> & { readonly def: CamMethodDef<P> } {
  return {
    id: def.id,
    family: 'cam',
    title: def.title,
    citation: def.citation,
    stochastic: false,
    needsGradients: def.gradients,
    params: [...(def.params ?? []), ...COMMON_PARAMS],
    def,
    async explain(ctx: ExplainContext, params: Partial<P & CamCommonParams> = {}): Promise<ExplainResult> {
      const res = await computeCam(def, {
        lens: ctx.lens, input: ctx.input, target: ctx.target, output: ctx.output, labels: ctx.labels, batchSize: ctx.batchSize, onProgress: ctx.onProgress, params,
      });
      return camExplainResult(def.id, ctx, res);
    },
  };
}

/** Packs a {@link CamResult} as an {@link ExplainResult}. */
export function camExplainResult(id: string, ctx: { lens: Lens; input: Tensor }, res: CamResult): ExplainResult {
  const arrays: Record<string, Tensor> = { normalized: res.normalized };
  res.layers.forEach((l, i) => { arrays[i === 0 ? 'coarse' : `coarse.${i}`] = l.coarse; });
  if (res.layers[0]?.weights) arrays['weights'] = res.layers[0].weights;
  return {
    map: res.raw,
    arrays,
    meta: {
      method: id,
      family: 'cam',
      params: res.params,
      seed: null,
      target: describeTarget(res.targets[0]!),
      score: res.score,
      input: { dims: [...ctx.input.dims], layout: ctx.lens.input.layout },
      timing: { totalMs: res.totalMs, runtimeMs: res.counters.runtimeMs, samples: res.counters.samples, runs: res.counters.runs },
      extras: {
        layers: res.layers.map((l) => ({ tensor: l.tensor, name: l.name, dims: l.dims, kind: l.kind, order: l.order, evidence: l.evidence, tokens: l.tokens })),
        ...(res.defaultLayer ? { defaultLayer: { tensor: res.defaultLayer.tensor, name: res.defaultLayer.name, reason: res.defaultLayer.reason } } : {}),
        ...(res.targets.length > 1 ? { targets: res.targets.map(describeTarget) } : {}),
      },
    },
  };
}
