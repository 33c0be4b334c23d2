/**
 * Tiny models built in code, small enough to check by hand, for the runtime tests of both backends
 * (and for anyone who needs a known-good graph to try a backend with). Each comes with the expected
 * output worked out by hand in its doc comment.
 */
import { makeNode, makeTensor, makeValueInfo } from '../onnx/build.ts';
import { DataType } from '../onnx/proto-types.ts';
import type { ModelProto } from '../onnx/proto-types.ts';

/** The input of {@link tinyCnn} sample 0: `x[i] = i - 6` over a 4×4 image (sample 1 is its negation). */
export const TINY_CNN_X0: readonly number[] = Array.from({ length: 16 }, (_, i) => i - 6);

/**
 * Conv(2×1×2×2, stride 2) → Relu → Flatten → Gemm(3×8, transB) on x: [N, 1, 4, 4], output `y`: [N, 3].
 *
 * Kernel 0 is [[1,0],[0,1]] (bias 0), kernel 1 is [[-1,-1],[-1,-1]] (bias 1). For x = {@link TINY_CNN_X0}
 * the 2×2 patches are [-6,-5,-2,-1], [-4,-3,0,1], [2,3,6,7], [4,5,8,9], so
 * conv0 = [-7,-3,9,13] → relu [0,0,9,13]; conv1 = 1 − patch sums = [15,7,−17,−25] → relu [15,7,0,0];
 * flattened f = [0,0,9,13,15,7,0,0]. Gemm rows: all ones → 44; 1..8 → 27+52+75+42 = 196;
 * e4 − e5 → 15 − 7 = 8; plus C = [0.5, −1, 2]: **y = [44.5, 195, 10]**.
 * For −x: f = [7,3,0,0,0,0,19,27], **y = [56.5, 361, 2]**.
 *
 * Intermediate tensor names: `conv`, `relu`, `flat`.
 * @param batch `'N'` for a symbolic batch dim (default) or a fixed number
 */
export function tinyCnn(batch: number | string = 'N'): ModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'convlens-test',
    graph: {
      name: 'tiny_cnn',
      node: [
        makeNode('Conv', ['x', 'W', 'B'], ['conv'], { kernel_shape: [2, 2], strides: [2, 2] }, 'conv0'),
        makeNode('Relu', ['conv'], ['relu'], {}, 'relu0'),
        makeNode('Flatten', ['relu'], ['flat'], { axis: 1 }, 'flatten0'),
        makeNode('Gemm', ['flat', 'G', 'C'], ['y'], { transB: 1 }, 'fc'),
      ],
      initializer: [
        makeTensor('W', [2, 1, 2, 2], [1, 0, 0, 1, -1, -1, -1, -1]),
        makeTensor('B', [2], [0, 1]),
        makeTensor('G', [3, 8], [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 1, -1, 0, 0]),
        makeTensor('C', [3], [0.5, -1, 2]),
      ],
      input: [makeValueInfo('x', DataType.FLOAT, [batch, 1, 4, 4])],
      output: [makeValueInfo('y', DataType.FLOAT, [batch, 3])],
    },
  };
}

/**
 * Like {@link tinyCnn} but with symbolic H and W (`x: [N, 1, 'H', 'W']`): it runs only at 4×4, where
 * Flatten gives the 8 features the Gemm expects; at any other size the Gemm node `fc` fails.
 */
export function tinyCnnSymbolicHW(): ModelProto {
  const m = tinyCnn('N');
  m.graph!.input = [makeValueInfo('x', DataType.FLOAT, ['N', 1, 'H', 'W'])];
  return m;
}

/**
 * float64 MatMul → Add → Relu (all ops with double kernels in ORT): x [N, 2] · [[1, −1], [2, 0.5]] + [0.1, −0.25] → relu.
 * For x = [1, 1]: [3.1, −0.75] → **[3.1, 0]**; for x = [−1, 2]: [3, 2] + b = [3.1, 1.75] → **[3.1, 1.75]**.
 */
export function tinyFloat64(): ModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny_f64',
      node: [makeNode('MatMul', ['x', 'M'], ['mm'], {}, 'mm'), makeNode('Add', ['mm', 'b'], ['add'], {}, 'add'), makeNode('Relu', ['add'], ['y'], {}, 'relu')],
      initializer: [makeTensor('M', [2, 2], [1, -1, 2, 0.5], 'float64'), makeTensor('b', [2], [0.1, -0.25], 'float64')],
      input: [makeValueInfo('x', DataType.DOUBLE, ['N', 2])],
      output: [makeValueInfo('y', DataType.DOUBLE, ['N', 2])],
    },
  };
}

/** A float64 Conv (no double kernel in ORT): loading it must fail naming `Conv` and node `conv64`. */
export function float64Conv(): ModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'f64_conv',
      node: [makeNode('Conv', ['x', 'W'], ['y'], {}, 'conv64')],
      initializer: [makeTensor('W', [1, 1, 1, 1], [2], 'float64')],
      input: [makeValueInfo('x', DataType.DOUBLE, [1, 1, 2, 2])],
      output: [makeValueInfo('y', DataType.DOUBLE)],
    },
  };
}

/** Identity on int64 `i`, bool `b` and float16 `h` (all [2]) → `io`, `bo`, `ho`: checks element-type conversion. */
export function identityTypes(): ModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'types',
      node: [makeNode('Identity', ['i'], ['io']), makeNode('Identity', ['b'], ['bo']), makeNode('Identity', ['h'], ['ho'])],
      input: [makeValueInfo('i', DataType.INT64, [2]), makeValueInfo('b', DataType.BOOL, [2]), makeValueInfo('h', DataType.FLOAT16, [2])],
      output: [makeValueInfo('io', DataType.INT64, [2]), makeValueInfo('bo', DataType.BOOL, [2]), makeValueInfo('ho', DataType.FLOAT16, [2])],
    },
  };
}
