/**
 * The graph rewrite behind the perturbation family's masked forward passes: every perturbation here
 * (occlusion windows, RISE masks, LIME/KernelSHAP coalitions) is x̃ = x ⊙ M + b ⊙ (1 − M) for a
 * keep-mask M, so instead of writing N perturbed copies of the image in JavaScript, the model is given
 * the mask batch and computes x̃ itself, in front of its first node:
 *
 *   convlens_image [1, C, H, W] ── Mul ──────────────┐
 *   convlens_mask  [N, m, H, W] ──┘└─ (1 − ·) ─ Mul ─ Add ─→ <the image input's name> → unchanged graph
 *   convlens_base  [1, C, H, W] ───────────────┘
 *
 * (this form, rather than b + (x − b) ⊙ M, reproduces x and b exactly where M is 1 or 0);
 * NHWC: `[N, H, W, m]`, `[1, H, W, C]`; m = 1 for a per-pixel mask shared by the channels, or C.
 * The runtime broadcasts and multithreads the product, and the JavaScript side only writes H·W mask
 * values per copy instead of C·H·W pixels. Pure: returns a new model sharing the input's nodes and
 * initializers (treat both as immutable).
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { makeNode, makeTensor, makeValueInfo } from '../../onnx/build.ts';
import { ModelView } from '../../onnx/model-view.ts';
import { DataType } from '../../onnx/proto-types.ts';
import type { ModelProto } from '../../onnx/proto-types.ts';

/** Names of the inputs the rewritten model takes. */
export interface MaskedInputNames {
  mask: string;
  image: string;
  base: string;
}

/** Options for {@link maskedInputModel}. */
export interface MaskedInputOptions {
  layout: 'NCHW' | 'NHWC';
  C: number;
  H: number;
  W: number;
  /** Mask channels: 1 (per pixel) or C (per element). */
  maskChannels: number;
  /** Name used in messages. */
  source?: string;
}

/**
 * Replaces graph input `inputName` with `image ⊙ mask + base ⊙ (1 − mask)` (see the module header).
 * @throws ConvlensError(UNSUPPORTED_OP) when the model imports a default-domain opset below 7
 *   (no broadcasting Mul/Add) or `inputName` is not a graph input
 */
export function maskedInputModel(model: ModelProto, inputName: string, o: MaskedInputOptions): { model: ModelProto; names: MaskedInputNames } {
  const view = new ModelView(model, { source: o.source });
  const opset = view.opset('');
  if (opset === undefined || opset < 7) {
    throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `${view.source}: opset ${opset ?? 'none'} has no broadcasting Mul/Add for in-graph masking`, { details: { opset } });
  }
  const inputs = view.graph.input ?? [];
  const vi = inputs.find((i) => i.name === inputName);
  if (!vi) throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `${view.source}: "${inputName}" is not a graph input`);
  const fresh = (base: string): string => {
    let name = base;
    for (let k = 1; view.hasTensor(name) || view.valueInfo(name); k++) name = `${base}_${k}`;
    return name;
  };
  const names: MaskedInputNames = { mask: fresh('convlens_mask'), image: fresh('convlens_image'), base: fresh('convlens_base') };
  const [kept, one, inverse, filled] = ['convlens_kept', 'convlens_one', 'convlens_inverse_mask', 'convlens_filled'].map(fresh) as [string, string, string, string];
  const freshNode = (base: string): string => {
    let name = base;
    for (let k = 1; view.nodeByName(name); k++) name = `${base}_${k}`;
    return name;
  };
  const batch = view.shape(inputName)?.[0] ?? 'N';
  const { C, H, W, maskChannels: m } = o;
  const nchw = o.layout === 'NCHW';
  const elem = vi.type?.tensorType?.elemType ?? DataType.FLOAT;
  const maskInfo = makeValueInfo(names.mask, elem, nchw ? [batch, m, H, W] : [batch, H, W, m]);
  const imgDims = nchw ? [1, C, H, W] : [1, H, W, C];
  const graph = view.graph;
  return {
    names,
    model: {
      ...model,
      graph: {
        ...graph,
        input: [maskInfo, makeValueInfo(names.image, elem, imgDims), makeValueInfo(names.base, elem, imgDims), ...inputs.filter((i) => i.name !== inputName)],
        initializer: [makeTensor(one, [], [1]), ...(graph.initializer ?? [])],
        node: [
          makeNode('Mul', [names.image, names.mask], [kept], {}, freshNode('convlens_mask_keep')),
          makeNode('Sub', [one, names.mask], [inverse], {}, freshNode('convlens_mask_invert')),
          makeNode('Mul', [names.base, inverse], [filled], {}, freshNode('convlens_mask_fill')),
          makeNode('Add', [kept, filled], [inputName], {}, freshNode('convlens_mask_add')),
          ...(graph.node ?? []),
        ],
        valueInfo: (graph.valueInfo ?? []).filter((v) => v.name !== inputName),
      },
    },
  };
}
