/**
 * Small models built in code for the CAM tests (no committed bytes): a 3-D CNN, the same 2-D CNN in
 * NCHW and in NHWC (tf2onnx-style Transposes around the conv), and a CNN with an op that has no
 * backward rule (Sin) between the target layer and the score.
 */
import { makeNode, makeTensor, makeValueInfo } from '../../onnx/build.ts';
import { decodeModel, encodeModel } from '../../onnx/codec.ts';
import { DataType } from '../../onnx/proto-types.ts';
import type { ModelProto, NodeProto, TensorProto } from '../../onnx/proto-types.ts';
import { rand } from '../../onnx/rewrite/test-models.ts';

function model(name: string, nodes: NodeProto[], inits: TensorProto[], inputDims: (number | string)[], outDims: (number | string)[], opset = 13): ModelProto {
  return decodeModel(encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name,
      node: nodes,
      initializer: inits,
      input: [makeValueInfo('x', DataType.FLOAT, inputDims)],
      output: [makeValueInfo('y', DataType.FLOAT, outDims)],
    },
  }));
}

/** x [N, 2, 4, 6, 6] → Conv3d(2→4, 3³, pad 1) → Relu `r` → GlobalAveragePool → Flatten → Gemm(3). */
export function cnn3d(): ModelProto {
  return model('cnn3d', [
    makeNode('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1, 1, 1], kernel_shape: [3, 3, 3] }, '/conv/Conv'),
    makeNode('Relu', ['c'], ['r'], {}, '/relu/Relu'),
    makeNode('GlobalAveragePool', ['r'], ['g'], {}, '/gap/GlobalAveragePool'),
    makeNode('Flatten', ['g'], ['f'], { axis: 1 }, '/flatten/Flatten'),
    makeNode('Gemm', ['f', 'fcw', 'fcb'], ['y'], { transB: 1 }, '/fc/Gemm'),
  ], [makeTensor('w', [4, 2, 3, 3, 3], rand(216, 11)), makeTensor('b', [4], rand(4, 12)), makeTensor('fcw', [3, 4], rand(12, 13)), makeTensor('fcb', [3], rand(3, 14))],
  ['N', 2, 4, 6, 6], ['N', 3]);
}

const W2 = rand(8 * 3 * 9, 21), B2 = rand(8, 22), FC = rand(5 * 8, 23), FB = rand(5, 24);

/** x [N, 3, 8, 8] (or [N, 3, H, W]) → Conv(3→8, 3x3, pad 1) → Relu `r` → GlobalAveragePool → Flatten → Gemm(5). */
export function cnnNchw(anySize = false): ModelProto {
  return model('cnn-nchw', [
    makeNode('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, '/conv/Conv'),
    makeNode('Relu', ['c'], ['r'], {}, '/relu/Relu'),
    makeNode('GlobalAveragePool', ['r'], ['g'], {}, '/gap/GlobalAveragePool'),
    makeNode('Flatten', ['g'], ['f'], { axis: 1 }, '/flatten/Flatten'),
    makeNode('Gemm', ['f', 'fcw', 'fcb'], ['y'], { transB: 1 }, '/fc/Gemm'),
  ], [makeTensor('w', [8, 3, 3, 3], W2), makeTensor('b', [8], B2), makeTensor('fcw', [5, 8], FC), makeTensor('fcb', [5], FB)], ['N', 3, anySize ? 'H' : 8, anySize ? 'W' : 8], ['N', 5]);
}

/**
 * The same network as {@link cnnNchw} exported channels-last: x [N, 8, 8, 3] → Transpose → Conv →
 * Transpose → Relu `r` [N, 8, 8, 8] → ReduceMean(axes 1, 2) → MatMul + Add.
 */
export function cnnNhwc(): ModelProto {
  const fcT = new Float32Array(8 * 5);
  for (let k = 0; k < 5; k++) for (let c = 0; c < 8; c++) fcT[c * 5 + k] = FC[k * 8 + c]!;
  return model('cnn-nhwc', [
    makeNode('Transpose', ['x'], ['xt'], { perm: [0, 3, 1, 2] }, 'model/conv/Transpose_in'),
    makeNode('Conv', ['xt', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, 'model/conv/Conv2D'),
    makeNode('Transpose', ['c'], ['ct'], { perm: [0, 2, 3, 1] }, 'model/conv/Transpose_out'),
    makeNode('Relu', ['ct'], ['r'], {}, 'model/relu/Relu'),
    makeNode('ReduceMean', ['r'], ['g'], { axes: [1, 2], keepdims: 0 }, 'model/gap/Mean'),
    makeNode('MatMul', ['g', 'fcw'], ['m'], {}, 'model/fc/MatMul'),
    makeNode('Add', ['m', 'fcb'], ['y'], {}, 'model/fc/BiasAdd'),
  ], [makeTensor('w', [8, 3, 3, 3], W2), makeTensor('b', [8], B2), makeTensor('fcw', [8, 5], fcT), makeTensor('fcb', [5], FB)], ['N', 8, 8, 3], ['N', 5]);
}

/** {@link cnnNchw} with a Sin (no backward rule) after the target layer `r`. */
export function cnnWithSin(): ModelProto {
  return model('cnn-sin', [
    makeNode('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, '/conv/Conv'),
    makeNode('Relu', ['c'], ['r'], {}, '/relu/Relu'),
    makeNode('Sin', ['r'], ['s'], {}, '/sin/Sin'),
    makeNode('GlobalAveragePool', ['s'], ['g'], {}, '/gap/GlobalAveragePool'),
    makeNode('Flatten', ['g'], ['f'], { axis: 1 }, '/flatten/Flatten'),
    makeNode('Gemm', ['f', 'fcw', 'fcb'], ['y'], { transB: 1 }, '/fc/Gemm'),
  ], [makeTensor('w', [8, 3, 3, 3], W2), makeTensor('b', [8], B2), makeTensor('fcw', [5, 8], FC), makeTensor('fcb', [5], FB)], ['N', 3, 8, 8], ['N', 5]);
}

/** A dense-output (segmentation-like) net: x [N, 3, 8, 8] → Conv(3→8, 3x3) → Relu `r` → Conv 1x1 (8→2) → y [N, 2, 8, 8]. */
export function segNet(): ModelProto {
  return model('seg', [
    makeNode('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, '/conv/Conv'),
    makeNode('Relu', ['c'], ['r'], {}, '/relu/Relu'),
    makeNode('Conv', ['r', 'w2', 'b2'], ['y'], { kernel_shape: [1, 1] }, '/head/Conv'),
  ], [makeTensor('w', [8, 3, 3, 3], W2), makeTensor('b', [8], B2), makeTensor('w2', [2, 8, 1, 1], rand(16, 31)), makeTensor('b2', [2], rand(2, 32))], ['N', 3, 8, 8], ['N', 2, 8, 8]);
}
