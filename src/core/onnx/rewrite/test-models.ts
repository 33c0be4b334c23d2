/**
 * Small models built in code for the rewrite tests (no committed bytes): a CNN exported the way
 * torch.onnx.export writes `x.view(x.size(0), -1)`.
 */
import { makeNode, makeTensor, makeValueInfo } from '../build.ts';
import { decodeModel, encodeModel } from '../codec.ts';
import { DataType } from '../proto-types.ts';
import type { ModelProto, NodeProto, TensorProto } from '../proto-types.ts';

/** Seeded uniform values in [-0.5, 0.5). */
export const rand = (n: number, seed: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5);

/** Conv → Relu → MaxPool → x.view(x.size(0), -1) → Gemm, as torch.onnx.export writes it. */
export function cnn(extraNodes: NodeProto[] = [], extraInits: TensorProto[] = [], opset = 13): ModelProto {
  return decodeModel(encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'cnn',
      node: [
        makeNode('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, '/conv/Conv'),
        makeNode('Relu', ['c'], ['r'], {}, '/relu/Relu'),
        makeNode('MaxPool', ['r'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] }, '/pool/MaxPool'),
        makeNode('Shape', ['p'], ['s'], {}, '/Shape'),
        makeNode('Constant', [], ['k0'], { value: makeTensor('', [], [0], 'int64') }, '/Constant'),
        makeNode('Gather', ['s', 'k0'], ['n'], { axis: 0 }, '/Gather'),
        makeNode('Unsqueeze', ['n', 'ax0'], ['n1'], {}, '/Unsqueeze'),
        makeNode('Concat', ['n1', 'minus1'], ['shp'], { axis: 0 }, '/Concat'),
        makeNode('Reshape', ['p', 'shp'], ['flat'], {}, '/Reshape'),
        makeNode('Gemm', ['flat', 'fcw', 'fcb'], ['y'], { transB: 1 }, '/fc/Gemm'),
        ...extraNodes,
      ],
      initializer: [
        makeTensor('w', [4, 3, 3, 3], rand(108, 1)), makeTensor('ax0', [1], [0], 'int64'), makeTensor('minus1', [1], [-1], 'int64'),
        makeTensor('fcw', [10, 64], rand(640, 2)), makeTensor('fcb', [10], rand(10, 3)), ...extraInits,
      ],
      input: [makeValueInfo('x', DataType.FLOAT, ['N', 3, 8, 8])],
      output: [makeValueInfo('y', DataType.FLOAT, ['N', 10])],
    },
  }));
}

