/**
 * CAM — Zhou, Khosla, Lapedriza, Oliva & Torralba, "Learning Deep Features for Discriminative
 * Localization", CVPR 2016, Sec. 2: for a network ending in global average pooling and a linear
 * classifier, M_c(x, y) = Σ_k w^c_k f_k(x, y), the classifier's weight row of class c applied to the
 * last feature maps. No gradients and no extra runs: the head is found in the graph —
 *
 *   target layer → GlobalAveragePool | ReduceMean(spatial axes) | AveragePool(whole map)
 *     → [Flatten | Reshape | Squeeze | Identity | Dropout]* → Gemm | MatMul (+ Add) | 1×1 Conv
 *     → [Flatten | Reshape | Squeeze | Identity]* → the score tensor
 *
 * — and its weight matrix is read from the initializers. On such a model Grad-CAM's weights are
 * w^c_k / (h·w), so both give the same normalised map.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { Lens } from '../../lens.ts';
import type { ViewNode } from '../../onnx/model-view.ts';
import { constantValue } from '../../onnx/rewrite/fold-constants.ts';
import { defineCamMethod } from './base-cam.ts';
import { channelOrder } from './layout.ts';

/** The pooling + linear head found after a target layer. */
export interface LinearHead {
  pool: string;
  linear: string;
  classes: number;
  channels: number;
  /** Row-major `[classes, channels]`: W[k, c] is the weight of channel c for class k (Gemm's alpha applied). */
  weight: Float64Array;
}

const PASS = new Set(['Flatten', 'Reshape', 'Squeeze', 'Identity', 'Dropout', 'Unsqueeze']);
const heads = new WeakMap<Lens, Map<string, LinearHead>>();

function noHead(lens: Lens, layer: string, why: string): never {
  throw new ConvlensError(ErrorCodes.BAD_USAGE, `CAM needs a global-average-pooling + linear head after the target layer, but in ${lens.source} ${why}`, {
    hint: 'CAM (Zhou et al. 2016) only applies to GAP → Linear classifiers at the layer feeding the pooling; use gradcam (identical on such models) or another CAM method',
    details: { layer },
  });
}

/**
 * Finds the pooling + linear head that maps `layer` to `score`.
 * @throws ConvlensError(BAD_USAGE) naming what is missing
 */
export function findLinearHead(lens: Lens, layer: string, score: string): LinearHead {
  let cache = heads.get(lens);
  if (!cache) heads.set(lens, (cache = new Map()));
  const key = `${layer}\u0000${score}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const view = lens.view;
  const label = (n: ViewNode): string => `${n.opType} "${n.name || `#${n.index}`}"`;
  const rank = view.shape(layer)?.length ?? 4;
  const order = channelOrder(view, layer, rank, { fallback: lens.input.layout === 'NHWC' ? 'channels-last' : 'channels-first' }).order;
  const spatialAxes = order === 'channels-first' ? Array.from({ length: rank - 2 }, (_, i) => i + 2) : Array.from({ length: rank - 2 }, (_, i) => i + 1);
  const isPool = (n: ViewNode): boolean => {
    if (n.opType === 'GlobalAveragePool') return order === 'channels-first';
    if (n.opType === 'ReduceMean') {
      let axes = n.attrs.getInts('axes');
      if (!axes && n.inputs[1]) axes = constantValue(view, n.inputs[1])?.values.map(Number);
      if (!axes) return false;
      const norm = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
      return norm.size === spatialAxes.length && spatialAxes.every((a) => norm.has(a));
    }
    if (n.opType === 'AveragePool' && order === 'channels-first') {
      const k = n.attrs.getInts('kernel_shape') ?? [];
      const sh = view.shape(layer);
      return !!sh && k.length === rank - 2 && k.every((v, i) => v === sh[i + 2]) && (n.attrs.getInts('pads') ?? []).every((p) => p === 0);
    }
    return false;
  };
  const pool = view.consumers(layer).map((c) => c.node).find(isPool);
  if (!pool) {
    const next = view.consumers(layer).map((c) => label(c.node)).join(', ') || 'nothing';
    noHead(lens, layer, `layer "${layer}" feeds ${next}, not a global average pooling`);
  }
  // Follow shape-only ops to the linear node.
  const follow = (t: string, allow: Set<string>): { node: ViewNode | undefined; tensor: string } => {
    for (let i = 0; i < 16; i++) {
      const cons = view.consumers(t);
      if (cons.length !== 1) return { node: cons[0]?.node, tensor: t };
      const n = cons[0]!.node;
      if (!allow.has(n.opType)) return { node: n, tensor: t };
      t = n.outputs[0]!;
    }
    return { node: undefined, tensor: t };
  };
  const after = follow(pool.outputs[0]!, PASS);
  const lin = after.node;
  if (!lin || !['Gemm', 'MatMul', 'Conv'].includes(lin.opType)) noHead(lens, layer, `the pooling ${label(pool)} is followed by ${lin ? label(lin) : 'nothing'}, not a linear layer`);
  const wName = lin.inputs[1]!;
  const wDims = view.shape(wName);
  let wVals: ArrayLike<number> | undefined;
  if (view.isInitializer(wName)) wVals = lens.weights(wName).data as Float32Array;
  else wVals = constantValue(view, wName)?.values;
  if (!wVals || !wDims || wDims.some((d) => typeof d !== 'number')) noHead(lens, layer, `the weights "${wName}" of ${label(lin)} are not a constant`);
  const d = wDims as number[];
  let K: number, C: number, at: (k: number, c: number) => number;
  if (lin.opType === 'Gemm') {
    if (lin.attrs.getInt('transA', 0) !== 0) noHead(lens, layer, `${label(lin)} transposes its input`);
    const alpha = lin.attrs.getFloat('alpha', 1);
    const transB = lin.attrs.getInt('transB', 0) !== 0;
    [K, C] = transB ? [d[0]!, d[1]!] : [d[1]!, d[0]!];
    at = transB ? (k, c) => alpha * Number(wVals![k * C + c]) : (k, c) => alpha * Number(wVals![c * K + k]);
  } else if (lin.opType === 'MatMul') {
    if (d.length !== 2) noHead(lens, layer, `${label(lin)} multiplies by a rank-${d.length} tensor`);
    [C, K] = [d[0]!, d[1]!];
    at = (k, c) => Number(wVals![c * K + k]);
  } else {
    if (d.length < 3 || d.slice(2).some((v) => v !== 1) || lin.attrs.getInt('group', 1) !== 1) noHead(lens, layer, `${label(lin)} is not a 1x1 convolution`);
    [K, C] = [d[0]!, d[1]!];
    at = (k, c) => Number(wVals![k * C + c]);
  }
  // Bias add (MatMul + Add), then shape-only ops, must end at the score.
  let out = follow(lin.outputs[0]!, PASS);
  if (out.tensor !== score && out.node?.opType === 'Add' && out.node.inputs.some((i) => view.isInitializer(i) || constantValue(view, i))) out = follow(out.node.outputs[0]!, PASS);
  if (out.tensor !== score) noHead(lens, layer, `the linear layer ${label(lin)} does not produce the explained score "${score}" (it flows into ${out.node ? label(out.node) : 'nothing'})`);
  const weight = new Float64Array(K * C);
  for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) weight[k * C + c] = at(k, c);
  const head: LinearHead = { pool: pool.name || `#${pool.index}`, linear: lin.name || `#${lin.index}`, classes: K, channels: C, weight };
  cache.set(key, head);
  return head;
}

export const cam = defineCamMethod({
  id: 'cam',
  title: 'CAM',
  citation: 'Zhou et al., "Learning Deep Features for Discriminative Localization", CVPR 2016, Sec. 2 (M_c = Σ_k w^c_k f_k)',
  defaults: {},
  gradients: false,
  prepare(lens, layers, score) {
    for (const l of layers) findLinearHead(lens, l, score.tensor);
  },
  weights(layer, run) {
    const head = findLinearHead(run.lens, layer.geometry.tensor, run.score);
    if (head.channels !== layer.c) noHead(run.lens, layer.geometry.tensor, `the linear layer has ${head.channels} inputs but the layer has ${layer.c} channels`);
    const w = new Float64Array(layer.n * layer.c);
    for (let b = 0; b < layer.n; b++) {
      const t = run.targets[b]!;
      if (t.kind !== 'class') throw new ConvlensError(ErrorCodes.BAD_USAGE, 'CAM explains a class of a classifier; region and mask targets need gradcam or another method');
      w.set(head.weight.subarray(t.index * head.channels, (t.index + 1) * head.channels), b * layer.c);
    }
    return w;
  },
});
