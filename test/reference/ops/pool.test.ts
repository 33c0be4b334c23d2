/**
 * Pooling ops of the reference evaluator: MaxPool values and Indices (both storage orders, ties),
 * AveragePool count_include_pad and ceil_mode, and onnxruntime cross-checks in 1-D/2-D/3-D.
 */
import { describe, expect, it } from 'vitest';
import type { AttrValue } from '../../../src/core/onnx/build.ts';
import { crossCheckOrt, expectClose, f, randn, runRef, vals } from '../testing.ts';

describe('MaxPool: hand-checked values', () => {
  const x = f([1, 2, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  it('values and Indices flattened over N·C·H·W (row-major spatial)', () => {
    const [y, idx] = runRef({ op: 'MaxPool', inputs: [x], attrs: { kernel_shape: [2, 2] }, opset: 12, outputs: 2 });
    expectClose(y!, { dims: [1, 2, 2, 2], data: [5, 6, 8, 9, 9, 8, 6, 5] });
    expect(vals(idx!)).toEqual([4n, 5n, 7n, 8n, 9n, 10n, 12n, 13n]);
  });
  it('storage_order=1 gives column-major spatial indices, channel offsets unchanged', () => {
    const [, idx] = runRef({ op: 'MaxPool', inputs: [x], attrs: { kernel_shape: [2, 2], storage_order: 1 }, opset: 12, outputs: 2 });
    // (h, w) -> h + w·H: (1,1)=4 (1,2)=7 (2,1)=5 (2,2)=8; channel 1 offsets by 9: (0,0)=9 (0,1)=12 (1,0)=10 (1,1)=13
    expect(vals(idx!)).toEqual([4n, 7n, 5n, 8n, 9n, 12n, 10n, 13n]);
  });
  it('ties: the first maximum in window order wins', () => {
    const [, idx] = runRef({ op: 'MaxPool', inputs: [f([1, 1, 2, 2], [3, 3, 3, 3])], attrs: { kernel_shape: [2, 2] }, opset: 12, outputs: 2 });
    expect(vals(idx!)).toEqual([0n]);
  });
  it('padding never wins (values are -inf there)', () => {
    const y = runRef({ op: 'MaxPool', inputs: [f([1, 1, 1, 2], [-5, -7])], attrs: { kernel_shape: [1, 2], pads: [0, 1, 0, 1], strides: [1, 2] }, opset: 12 })[0]!;
    expectClose(y, { dims: [1, 1, 1, 2], data: [-5, -7] });
  });
  it('ceil_mode drops a window that would start in the right padding', () => {
    // in 3, k 2, s 2, pads 1/1: ceil((3+2-2)/2)+1 = 3 windows, but the third starts at padded index 4 = in + pad_begin
    const y = runRef({ op: 'MaxPool', inputs: [f([1, 1, 3], [1, 2, 3])], attrs: { kernel_shape: [2], strides: [2], pads: [1, 1], ceil_mode: 1 }, opset: 12 })[0]!;
    expectClose(y, { dims: [1, 1, 2], data: [1, 3] });
  });
  it('SAME_UPPER with dilation follows the spec (out = ceil(in / stride))', () => {
    // ORT 1.30 computes the SAME pad from the undilated kernel here and returns 1 element; the spec gives 2.
    // eff kernel 5, out 2, total pad (2-1)*2+5-3 = 4 → 2 / 2: windows {-2,0,2} → max(x0,x2), {0,2,4} → max(x0,x2)
    const y = runRef({ op: 'MaxPool', inputs: [f([1, 1, 3], [1, 5, 3])], attrs: { kernel_shape: [3], strides: [2], dilations: [2], auto_pad: 'SAME_UPPER' }, opset: 12 })[0]!;
    expectClose(y, { dims: [1, 1, 2], data: [3, 3] });
  });
});

describe('AveragePool: hand-checked values', () => {
  const x = f([1, 1, 1, 3], [1, 2, 3]);
  const attrs = { kernel_shape: [1, 2], strides: [1, 2], pads: [0, 1, 0, 1] };
  it('count_include_pad=0 divides by the elements inside the input', () => {
    expectClose(runRef({ op: 'AveragePool', inputs: [x], attrs, opset: 11 })[0]!, { dims: [1, 1, 1, 2], data: [1, 2.5] });
  });
  it('count_include_pad=1 divides by the window inside the padded input', () => {
    expectClose(runRef({ op: 'AveragePool', inputs: [x], attrs: { ...attrs, count_include_pad: 1 }, opset: 11 })[0]!, [0.5, 2.5]);
  });
  it('ceil_mode: the partial last window is averaged over what it covers, either way', () => {
    const x5 = f([1, 1, 5], [1, 2, 3, 4, 5]);
    for (const cip of [0, 1]) {
      const y = runRef({ op: 'AveragePool', inputs: [x5], attrs: { kernel_shape: [2], strides: [2], ceil_mode: 1, count_include_pad: cip }, opset: 11 })[0]!;
      expectClose(y, { dims: [1, 1, 3], data: [1.5, 3.5, 5] });
    }
  });
  it('Global pools reduce every spatial dim to 1', () => {
    const g = f([1, 2, 2, 2], [1, 2, 3, 4, -1, -2, -3, -8]);
    expectClose(runRef({ op: 'GlobalAveragePool', inputs: [g], opset: 1 })[0]!, { dims: [1, 2, 1, 1], data: [2.5, -3.5] });
    expectClose(runRef({ op: 'GlobalMaxPool', inputs: [g], opset: 1 })[0]!, { dims: [1, 2, 1, 1], data: [4, -1] });
    expectClose(runRef({ op: 'GlobalLpPool', inputs: [g], attrs: { p: 2 }, opset: 2 })[0]!, [Math.sqrt(30), Math.sqrt(78)], { rtol: 1e-15 });
  });
});

describe('pooling vs onnxruntime (float32)', () => {
  const cases: [string, string, number[], Record<string, AttrValue>, number][] = [
    ['MaxPool', '2-D k3 s2 p1 (ResNet stem)', [2, 3, 9, 9], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 12],
    ['MaxPool', '2-D ceil_mode, asymmetric pads', [1, 2, 8, 7], { kernel_shape: [3, 2], strides: [2, 2], pads: [0, 1, 1, 0], ceil_mode: 1 }, 12],
    ['MaxPool', '2-D dilations', [1, 2, 9, 9], { kernel_shape: [2, 3], dilations: [2, 2], strides: [1, 2] }, 12],
    ['MaxPool', '2-D SAME_UPPER', [1, 2, 7, 6], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }, 12],
    ['MaxPool', '2-D SAME_LOWER', [1, 2, 7, 6], { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER' }, 12],
    ['MaxPool', '1-D', [2, 3, 11], { kernel_shape: [3], strides: [2], pads: [1, 0] }, 12],
    ['MaxPool', '3-D', [1, 2, 5, 6, 4], { kernel_shape: [2, 3, 2], strides: [2, 2, 1], pads: [0, 1, 0, 1, 1, 1] }, 12],
    ['AveragePool', '2-D exclude pad', [2, 3, 8, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 11],
    ['AveragePool', '2-D include pad', [2, 3, 8, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 2, 1], count_include_pad: 1 }, 11],
    ['AveragePool', '2-D ceil_mode include pad', [1, 2, 7, 8], { kernel_shape: [3, 3], strides: [2, 3], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 }, 11],
    ['AveragePool', '2-D ceil_mode exclude pad', [1, 2, 7, 8], { kernel_shape: [3, 3], strides: [2, 3], pads: [1, 1, 1, 1], ceil_mode: 1 }, 11],
    ['AveragePool', '2-D SAME_UPPER', [1, 2, 7, 6], { kernel_shape: [3, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' }, 11],
    ['AveragePool', '2-D dilations (opset 19)', [1, 1, 7, 6], { kernel_shape: [3, 2], strides: [2, 2], dilations: [2, 1], pads: [1, 0, 1, 1], count_include_pad: 1 }, 19],
    ['AveragePool', '3-D', [1, 2, 5, 4, 6], { kernel_shape: [2, 2, 3], strides: [1, 2, 2], pads: [1, 0, 1, 0, 1, 1] }, 11],
    ['LpPool', '2-D p=2', [1, 2, 6, 6], { kernel_shape: [2, 2], strides: [2, 2], p: 2 }, 11],
  ];
  it.each(cases)('%s %s', async (op, _name, dims, attrs, opset) => {
    await crossCheckOrt({ op, inputs: [randn(dims, 41)], attrs, opset, outputs: op === 'MaxPool' ? 2 : 1 });
  });
  it('MaxPool Indices with storage_order=1', async () => {
    await crossCheckOrt({ op: 'MaxPool', inputs: [randn([2, 2, 5, 4], 42)], attrs: { kernel_shape: [2, 2], strides: [1, 2], storage_order: 1 }, opset: 12, outputs: 2 });
  });
  it.each([['GlobalAveragePool'], ['GlobalMaxPool']])('%s', async (op) => {
    await crossCheckOrt({ op, inputs: [randn([2, 3, 5, 4], 43)], opset: 1 });
  });
});
