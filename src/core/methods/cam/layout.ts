/**
 * Where the channels of an activation sit, read from the graph (never from names): a 4-D/5-D tensor is
 * channels-first when it descends, through layout-preserving ops (activations, elementwise
 * arithmetic, Identity...), from an op that ONNX defines on NCHW/NCDHW data (Conv, pools,
 * BatchNormalization...), channels-last when the nearest such evidence is a Transpose to NHWC/NDHWC
 * (tf2onnx-style exports). The same walk tells whether a 4-D tensor is a spatial feature map at all:
 * attention scores `[N, heads, T, T]` or head-split tokens come from MatMul/Softmax/Reshape, with no
 * convolution-family evidence.
 */
import type { ModelView } from '../../onnx/model-view.ts';

/** Channel position of an activation. */
export type ChannelOrder = 'channels-first' | 'channels-last';

/** What the walk found. */
export interface LayoutEvidence {
  order: ChannelOrder;
  /** The op and node that decided it; undefined when nothing did (the fallback was used). */
  op?: string;
  node?: string;
}

/** Ops whose inputs/outputs are NCHW (NCDHW) by the ONNX spec. */
const CHANNELS_FIRST_OPS = new Set([
  'Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv', 'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool',
  'GlobalLpPool', 'BatchNormalization', 'InstanceNormalization', 'LRN', 'DepthToSpace', 'SpaceToDepth', 'MaxUnpool', 'DeformConv',
  'FusedConv', 'NhwcConv',
]);

/** Ops that keep the layout of their (first activation) input. */
const LAYOUT_PRESERVING = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Elu', 'Selu', 'Celu', 'Softplus', 'Softsign',
  'Gelu', 'Mish', 'Erf', 'Identity', 'Dropout', 'Cast', 'Add', 'Sub', 'Mul', 'Div', 'Sum', 'Max', 'Min', 'Mean', 'Neg', 'Abs', 'Pow',
  'Sqrt', 'Exp', 'Log', 'Reciprocal', 'Where', 'Concat', 'Resize', 'Upsample', 'Pad', 'QuantizeLinear', 'DequantizeLinear',
  'ThresholdedRelu', 'Shrink', 'Sign', 'Floor', 'Ceil', 'Round',
]);

/** Options for {@link channelOrder}. */
export interface ChannelOrderOptions {
  /** Used when no evidence is found (e.g. the model input's layout). Default channels-first. */
  fallback?: ChannelOrder;
  /** Concrete shapes (from `lens.shapes()`), to follow only inputs of the same rank. Default: declared shapes. */
  shapeOf?: (tensor: string) => readonly number[] | undefined;
}

/** Decides the channel order of `tensor` (rank `rank`) by walking towards the inputs. */
export function channelOrder(view: ModelView, tensor: string, rank: number, opts: ChannelOrderOptions = {}): LayoutEvidence {
  const fallback = opts.fallback ?? 'channels-first';
  const shapeOf = opts.shapeOf ?? ((t: string) => view.shape(t) as readonly number[] | undefined);
  const seen = new Set<string>();
  const queue: string[] = [tensor];
  for (let steps = 0; queue.length > 0 && steps < 400; steps++) {
    const t = queue.shift()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const p = view.producer(t);
    if (!p) continue;
    const node = p.node;
    if (node.domain !== '' && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft') continue;
    const op = node.opType;
    const label = node.name || `#${node.index}`;
    if (CHANNELS_FIRST_OPS.has(op)) return { order: 'channels-first', op, node: label };
    if (op === 'Transpose') {
      const perm = node.attrs.getInts('perm');
      if (perm && perm.length === rank) {
        const last = rank - 1;
        if (perm[0] === 0 && perm[last] === 1 && perm.slice(1, last).every((v, i) => v === i + 2)) return { order: 'channels-last', op, node: label };
        if (perm[0] === 0 && perm[1] === last && perm.slice(2).every((v, i) => v === i + 1)) return { order: 'channels-first', op, node: label };
      }
      continue;
    }
    if (!LAYOUT_PRESERVING.has(op)) continue;
    for (const inp of node.inputs) {
      if (!inp || view.isInitializer(inp)) continue;
      const sh = shapeOf(inp);
      if (sh && sh.length !== rank) continue;
      queue.push(inp);
    }
  }
  return { order: fallback };
}
