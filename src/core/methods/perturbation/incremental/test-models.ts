/**
 * Small synthetic CNNs for the incremental-occlusion planner's tests, built with `onnx/build.ts`: one
 * whose prefix exercises every geometry the planner handles (strides, asymmetric pads, dilation,
 * groups, ceil_mode MaxPool and AveragePool, a residual Add, BatchNormalization, Clip, Mul by a
 * per-channel constant), and variants the planner must refuse.
 */
import { makeNode, makeTensor, makeValueInfo } from '../../../onnx/build.ts';
import { DataType } from '../../../onnx/proto-types.ts';
import type { ModelProto, NodeProto, TensorProto } from '../../../onnx/proto-types.ts';
import { testValues } from '../test-models.ts';

/** How {@link geometryNet} is broken for refusal tests. */
export type GeometryNetVariant = 'ok' | 'same-pad' | 'positional-constant' | 'resize';

/**
 * Input `x` [N, 3, H, W] → logits [N, 3]:
 *
 *   conv_a (3×3, stride 2, pads 1)  → relu_a
 *   pool   (MaxPool 3×3, stride 2, pads [0,0,1,1], ceil_mode)
 *   conv_b (3×3, dilation 2, pads 2, group 2) ─┐
 *   add    (conv_b + pool)  ←──────────────────┘ → relu_b
 *   conv_c (3×3, pads [1,0,1,2]) → bn → clip [0, 6]
 *   avg    (AveragePool 2×2, stride 2, ceil_mode, count_include_pad 0) → scale (Mul by [1,4,1,1])
 *   GlobalAveragePool → Flatten → Gemm → logits
 *
 * Variants: `'same-pad'` gives conv_b auto_pad SAME_UPPER (no dilation: ORT refuses both); `'positional-constant'` adds a constant
 * [1, 1, h, w] after relu_b; `'resize'` puts a Resize (×1, nearest) after relu_a.
 */
export function geometryNet(H: number, W: number, variant: GeometryNetVariant = 'ok'): ModelProto {
  const w = (name: string, dims: number[], seed: number, scale = 0.5): TensorProto => {
    let n = 1;
    for (const d of dims) n *= d;
    return makeTensor(name, dims, testValues(n, seed).map((v) => v * scale));
  };
  const init: TensorProto[] = [
    w('Wa', [4, 3, 3, 3], 1), w('Ba', [4], 2, 0.1),
    w('Wb', [4, 2, 3, 3], 3), w('Wc', [4, 4, 3, 3], 4), w('Bc', [4], 5, 0.1),
    makeTensor('bn_s', [4], [1.1, 0.9, 1.2, 0.8]), makeTensor('bn_b', [4], [0.1, -0.1, 0.05, 0]),
    makeTensor('bn_m', [4], [0.05, -0.02, 0.01, 0]), makeTensor('bn_v', [4], [1.5, 0.7, 1, 2]),
    makeTensor('clip_lo', [], [0]), makeTensor('clip_hi', [], [6]),
    makeTensor('sc', [1, 4, 1, 1], [1, -2, 0.5, 3]),
    w('Wfc', [3, 4], 6), w('Bfc', [3], 7, 0.1),
  ];
  const convB = variant === 'same-pad'
    ? makeNode('Conv', ['pool', 'Wb'], ['conv_b'], { kernel_shape: [3, 3], auto_pad: 'SAME_UPPER', group: 2 }, 'conv_b')
    : makeNode('Conv', ['pool', 'Wb'], ['conv_b'], { kernel_shape: [3, 3], dilations: [2, 2], pads: [2, 2, 2, 2], group: 2 }, 'conv_b');
  const nodes: NodeProto[] = [
    makeNode('Conv', ['x', 'Wa', 'Ba'], ['conv_a'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'conv_a'),
    makeNode('Relu', ['conv_a'], [variant === 'resize' ? 'relu_a0' : 'relu_a'], {}, 'relu_a'),
  ];
  if (variant === 'resize') {
    init.push(makeTensor('rs_scales', [4], [1, 1, 1, 1]));
    nodes.push(makeNode('Resize', ['relu_a0', '', 'rs_scales'], ['relu_a'], { mode: 'nearest' }, 'resize'));
  }
  nodes.push(
    makeNode('MaxPool', ['relu_a'], ['pool'], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1], ceil_mode: 1 }, 'pool'),
    convB,
    makeNode('Add', ['conv_b', 'pool'], ['add'], {}, 'add'),
    makeNode('Relu', ['add'], [variant === 'positional-constant' ? 'relu_b0' : 'relu_b'], {}, 'relu_b'),
  );
  if (variant === 'positional-constant') {
    // pool's size for the input: ceil-mode MaxPool over conv_a's output.
    const ha = Math.floor((H + 2 - 3) / 2) + 1, wa = Math.floor((W + 2 - 3) / 2) + 1;
    const hp = Math.ceil((ha + 1 - 3) / 2) + 1, wp = Math.ceil((wa + 1 - 3) / 2) + 1;
    init.push(makeTensor('pos', [1, 1, hp, wp], testValues(hp * wp, 9)));
    nodes.push(makeNode('Add', ['relu_b0', 'pos'], ['relu_b'], {}, 'pos_add'));
  }
  nodes.push(
    makeNode('Conv', ['relu_b', 'Wc', 'Bc'], ['conv_c'], { kernel_shape: [3, 3], pads: [1, 0, 1, 2] }, 'conv_c'),
    makeNode('BatchNormalization', ['conv_c', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], ['bn'], { epsilon: 1e-5 }, 'bn'),
    makeNode('Clip', ['bn', 'clip_lo', 'clip_hi'], ['clip'], {}, 'clip'),
    makeNode('AveragePool', ['clip'], ['avg'], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1, count_include_pad: 0 }, 'avg'),
    makeNode('Mul', ['avg', 'sc'], ['scale'], {}, 'scale'),
    makeNode('GlobalAveragePool', ['scale'], ['gap'], {}, 'gap'),
    makeNode('Flatten', ['gap'], ['flat'], { axis: 1 }, 'flatten'),
    makeNode('Gemm', ['flat', 'Wfc', 'Bfc'], ['logits'], { transB: 1 }, 'fc'),
  );
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'convlens-test',
    graph: {
      name: 'geometry_net',
      node: nodes,
      initializer: init,
      input: [makeValueInfo('x', DataType.FLOAT, ['N', 3, H, W])],
      output: [makeValueInfo('logits', DataType.FLOAT, ['N', 3])],
    },
  };
}
