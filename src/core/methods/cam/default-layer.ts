/**
 * "Which layer?" — the default CAM target layer, found from the graph (op types and shapes, never
 * layer names), with a sentence saying why, printed so the user knows what was explained.
 *
 * - CNNs: the last spatial feature map the score depends on — a 4-D/5-D activation descending from a
 *   convolution-family op (see layout.ts) whose spatial extent is > 1 — i.e. the input of the global
 *   pooling / flatten of the head (`layer4` of a ResNet, `features` of a VGG/MobileNet/EfficientNet),
 *   the layer pytorch-grad-cam's README recommends for each of these.
 * - Vision transformers, whose spatial information lives in `[N, T, D]` tokens after the last feature
 *   map (the patch embedding): the residual stream entering the last block that still mixes tokens
 *   (the input of the last attention). Later token outputs are useless when the head reads the class
 *   token: their patch tokens never reach the score, so their gradients are zero — the reason
 *   pytorch-grad-cam's README picks `blocks[-1].norm1` for ViT/DeiT.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { ModelView, ViewNode } from '../../onnx/model-view.ts';
import { humanNames } from '../../onnx/layer-names.ts';
import { channelOrder } from './layout.ts';
import type { ChannelOrder } from './layout.ts';
import { tokenGrid } from './tokens.ts';

/** The default target layer and why. */
export interface DefaultLayer {
  /** Tensor to read. */
  tensor: string;
  /** Short human name of its node (what `--layer` accepts), e.g. `layer4.1.relu_1`. */
  name: string;
  kind: 'spatial' | 'tokens';
  /** One sentence for the user, e.g. printed by the CLI. */
  reason: string;
}

/** Options for {@link defaultTargetLayer}. */
export interface DefaultLayerOptions {
  /** The score tensor explained (see `scoreTensor`). */
  score: string;
  /** Concrete shapes of every tensor (`lens.shapes()`), batch `batch`. */
  shapeOf: (tensor: string) => readonly number[] | undefined;
  batch: number;
  /** Spatial input size `[H, W]` (token grids are checked against it). */
  inputSize: readonly [number, number];
  /** Channel order of the model input (fallback for layers without layout evidence). */
  inputOrder?: ChannelOrder;
}

/** Ops that mix tokens when both inputs are activations (attention's QKᵀ and softmax·V). */
const MIXING_OPS = new Set(['MatMul', 'Einsum', 'MatMulInteger', 'QLinearMatMul']);

/**
 * Finds the default CAM target layer of a model.
 * @throws ConvlensError(BAD_USAGE) when the score depends on no spatial feature map and no token layer
 * @example
 * defaultTargetLayer(lens.view, { score: 'logits', shapeOf, batch: 1, inputSize: [224, 224] });
 * // { tensor: '/layer4/layer4.1/relu_1/Relu_output_0', name: 'layer4.1.relu_1', kind: 'spatial',
 * //   reason: 'the last spatial feature map before GlobalAveragePool "/avgpool/GlobalAveragePool" ...' }
 */
export function defaultTargetLayer(view: ModelView, opts: DefaultLayerOptions): DefaultLayer {
  const topo = view.topoOrder;
  const pos = new Map<ViewNode, number>(topo.map((n, i) => [n, i]));
  // Nodes the score depends on.
  const order = view.nodesFeeding(opts.score, (t) => view.isInitializer(t));
  const anc = new Set<ViewNode>(order);
  const names = humanNames(view);
  const isConst = (t: string): boolean => view.isInitializer(t) || view.producer(t)?.node.opType === 'Constant';

  // Last spatial feature map.
  let spatial: { node: ViewNode; tensor: string; dims: readonly number[] } | undefined;
  for (const node of order) {
    for (const t of node.outputs) {
      if (!t || t === opts.score) continue; // a dense score (segmentation logits) is not its own target layer
      const dims = opts.shapeOf(t);
      if (!dims || (dims.length !== 4 && dims.length !== 5)) continue;
      const ev = channelOrder(view, t, dims.length, { fallback: opts.inputOrder, shapeOf: opts.shapeOf });
      if (!ev.op) continue; // no convolution-family evidence: attention scores, head splits...
      const sp = ev.order === 'channels-first' ? dims.slice(2) : dims.slice(1, -1);
      if (sp.reduce((a, b) => a * b, 1) <= 1) continue;
      spatial = { node, tensor: t, dims };
    }
  }

  // Token layers: residual-stream tensors [N, T, D] (Add outputs) feeding the last token-mixing node.
  let lastMix: ViewNode | undefined;
  for (const node of order) {
    if (MIXING_OPS.has(node.opType) && node.inputs.filter((i) => i && !isConst(i)).length >= 2) lastMix = node;
  }
  let token: { node: ViewNode; tensor: string; dims: readonly number[]; reason: string } | undefined;
  if (lastMix) {
    const feeds = new Set<ViewNode>();
    const st = [...lastMix.inputs];
    const seen = new Set<string>();
    while (st.length) {
      const t = st.pop()!;
      if (!t || seen.has(t)) continue;
      seen.add(t);
      const p = view.producer(t);
      if (!p || feeds.has(p.node)) continue;
      feeds.add(p.node);
      st.push(...p.node.inputs);
    }
    // Residual adds (x + f(x)) and the position-embedding add; not bias or LayerNorm-β adds.
    const streamAdd = (node: ViewNode): boolean => node.opType === 'Add' && node.inputs.every((i) => {
      if (!isConst(i)) return true;
      const sh = opts.shapeOf(i) ?? (view.shape(i) as readonly number[] | undefined);
      return !!sh && sh.filter((d) => d > 1).length >= 2;
    });
    for (const node of order) {
      if (!feeds.has(node) || !streamAdd(node)) continue;
      const t = node.outputs[0];
      const dims = t ? opts.shapeOf(t) : undefined;
      if (!t || !dims || dims.length !== 3 || dims[2]! <= 1) continue;
      const grid = tokenGrid(view, t, dims, { batch: opts.batch, inputSize: opts.inputSize, reshape: 'auto', shapeOf: opts.shapeOf });
      if (grid) token = { node, tensor: t, dims, reason: grid.reason };
    }
  }

  const label = (n: ViewNode): string => `${n.opType} "${n.name || `#${n.index}`}"`;
  if (token && (!spatial || pos.get(token.node)! > pos.get(spatial.node)!)) {
    return {
      tensor: token.tensor,
      name: names.get(token.node)!,
      kind: 'tokens',
      reason: `the token layer "${names.get(token.node)}" [${token.dims.join(',')}], the residual stream entering the last attention block (${label(lastMix!)}): with a class-token head, later token outputs give the patch tokens no gradient; ${token.reason}`,
    };
  }
  if (spatial) {
    const next = view.consumers(spatial.tensor).map((c) => c.node).filter((n) => anc.has(n));
    const via = next.length ? ` before ${next.map(label).join(', ')}` : '';
    return {
      tensor: spatial.tensor,
      name: names.get(spatial.node)!,
      kind: 'spatial',
      reason: `the last spatial feature map "${names.get(spatial.node)}" [${spatial.dims.join(',')}]${via}, the layer the score depends on with the most semantic content that still has spatial resolution`,
    };
  }
  throw new ConvlensError(ErrorCodes.BAD_USAGE, `${view.source}: found no spatial feature map (4-D/5-D convolution output) or token layer that "${opts.score}" depends on`, {
    hint: 'pass a target layer with --layer (list the layers with `convlens inspect`), or use a method that needs no layer (gradient, occlusion, rise)',
  });
}
