/**
 * Conv / ConvTranspose of the reference evaluator: hand-checked values, the adjoint identity between
 * them in float64, and onnxruntime float32 cross-checks over 1-D/2-D/3-D, groups, strides, dilations,
 * pads and auto_pad.
 */
import { describe, expect, it } from 'vitest';
import type { AttrValue } from '../../../src/core/onnx/build.ts';
import { crossCheckOrt, expectClose, f, randn, runRef } from '../testing.ts';
import type { RefTensor } from '../evaluator.ts';

describe('Conv: hand-checked values', () => {
  it('1-D with stride and symmetric pads', () => {
    const y = runRef({ op: 'Conv', inputs: [f([1, 1, 5], [1, 2, 3, 4, 5]), f([1, 1, 3], [1, 0, -1])], attrs: { pads: [1, 1], strides: [2] }, opset: 11 })[0]!;
    expectClose(y, { dims: [1, 1, 3], data: [-2, -2, 4] });
  });
  it('depthwise 1x1 with bias', () => {
    const y = runRef({
      op: 'Conv', inputs: [f([1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), f([2, 1, 1, 1], [2, -1]), f([2], [1, 0])], attrs: { group: 2 }, opset: 11,
    })[0]!;
    expectClose(y, { dims: [1, 2, 2, 2], data: [3, 5, 7, 9, -5, -6, -7, -8] });
  });
  it('auto_pad SAME_UPPER puts the odd pad at the end, SAME_LOWER at the beginning', () => {
    const x = f([1, 1, 4], [1, 2, 3, 4]);
    const w = f([1, 1, 2], [1, 1]);
    expectClose(runRef({ op: 'Conv', inputs: [x, w], attrs: { auto_pad: 'SAME_UPPER' }, opset: 11 })[0]!, [3, 5, 7, 4]);
    expectClose(runRef({ op: 'Conv', inputs: [x, w], attrs: { auto_pad: 'SAME_LOWER' }, opset: 11 })[0]!, [1, 3, 5, 7]);
    expectClose(runRef({ op: 'Conv', inputs: [x, w], attrs: { auto_pad: 'VALID' }, opset: 11 })[0]!, [3, 5, 7]);
  });
  it('dilation skips inputs', () => {
    const y = runRef({ op: 'Conv', inputs: [f([1, 1, 5], [1, 2, 3, 4, 5]), f([1, 1, 2], [1, 10])], attrs: { dilations: [3] }, opset: 11 })[0]!;
    expectClose(y, { dims: [1, 1, 2], data: [41, 52] });
  });
});

describe('ConvTranspose: hand-checked values', () => {
  const x = f([1, 1, 2], [1, 2]);
  const w = f([1, 1, 3], [1, 1, 1]);
  it('stride 2 overlaps the kernels', () => {
    expectClose(runRef({ op: 'ConvTranspose', inputs: [x, w], attrs: { strides: [2] }, opset: 11 })[0]!, { dims: [1, 1, 5], data: [1, 1, 3, 2, 2] });
  });
  it('pads crop, output_padding extends the end', () => {
    expectClose(runRef({ op: 'ConvTranspose', inputs: [x, w], attrs: { strides: [2], pads: [1, 1] }, opset: 11 })[0]!, [1, 3, 2]);
    expectClose(runRef({ op: 'ConvTranspose', inputs: [x, w], attrs: { strides: [2], output_padding: [1] }, opset: 11 })[0]!, [1, 1, 3, 2, 2, 0]);
  });
  it('output_shape: the spec puts the odd padding pixel first unless SAME_UPPER', () => {
    expectClose(runRef({ op: 'ConvTranspose', inputs: [x, w], attrs: { strides: [2], output_shape: [4] }, opset: 11 })[0]!, [1, 3, 2, 2]);
    expectClose(runRef({ op: 'ConvTranspose', inputs: [x, w], attrs: { strides: [2], output_shape: [4], auto_pad: 'SAME_UPPER' }, opset: 11 })[0]!, [1, 1, 3, 2]);
  });
  it('groups map input-channel blocks to output-channel blocks', () => {
    // C=2, group=2, W [2, 1, 1]: channel 0 scaled by 2, channel 1 by 3
    const y = runRef({ op: 'ConvTranspose', inputs: [f([1, 2, 2], [1, 2, 3, 4]), f([2, 1, 1], [2, 3])], attrs: { group: 2 }, opset: 11 })[0]!;
    expectClose(y, { dims: [1, 2, 2], data: [2, 4, 9, 12] });
  });
});

/** ⟨a, b⟩ over all elements. */
function dot(a: RefTensor, b: RefTensor): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i] as number) * (b.data[i] as number);
  return s;
}

describe('ConvTranspose is the adjoint of Conv (float64, what a Conv backward rule relies on)', () => {
  const configs: [string, number[], number[], Record<string, AttrValue>][] = [
    ['2-D stride 2, asymmetric pads, dilation', [2, 4, 9, 8], [6, 4, 3, 3], { strides: [2, 2], pads: [1, 0, 2, 1], dilations: [1, 2] }],
    ['2-D groups=2', [1, 4, 6, 6], [6, 2, 3, 3], { group: 2, pads: [1, 1, 1, 1] }],
    ['1-D stride 3', [2, 3, 11], [2, 3, 4], { strides: [3], pads: [2, 1] }],
    ['3-D', [1, 2, 5, 4, 4], [3, 2, 2, 3, 2], { strides: [1, 2, 1], pads: [0, 1, 1, 1, 0, 0] }],
  ];
  it.each(configs)('%s: <conv(x), u> = <x, convT(u)>', (_name, xDims, wDims, attrs) => {
    const x = randn(xDims, 1);
    const w = randn(wDims, 2);
    const y = runRef({ op: 'Conv', inputs: [x, w], attrs, opset: 11 })[0]!;
    const u = randn(y.dims, 3);
    // output_padding recovers the input positions a strided conv never reached
    const nSp = xDims.length - 2;
    const strides = (attrs.strides as number[] | undefined) ?? new Array<number>(nSp).fill(1);
    const dil = (attrs.dilations as number[] | undefined) ?? new Array<number>(nSp).fill(1);
    const pads = (attrs.pads as number[] | undefined) ?? new Array<number>(2 * nSp).fill(0);
    const outputPadding = Array.from({ length: nSp }, (_, i) => {
      const reach = (y.dims[i + 2]! - 1) * strides[i]! + (wDims[i + 2]! - 1) * dil[i]! + 1 - pads[i]! - pads[nSp + i]!;
      return xDims[i + 2]! - reach;
    });
    const xt = runRef({ op: 'ConvTranspose', inputs: [u, w], attrs: { ...attrs, output_padding: outputPadding }, opset: 11 })[0]!;
    expect(xt.dims).toEqual(x.dims);
    const lhs = dot(y, u);
    const rhs = dot(x, xt);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * Math.max(1, Math.abs(lhs)));
  });
});

describe('Conv vs onnxruntime (float32)', () => {
  const cases: [string, number[], number[], boolean, Record<string, AttrValue>][] = [
    ['1-D', [2, 3, 10], [4, 3, 3], true, { pads: [1, 2], strides: [2] }],
    ['2-D plain', [2, 3, 7, 6], [5, 3, 3, 3], true, {}],
    ['2-D groups, strides, dilations, asymmetric pads', [2, 4, 9, 8], [6, 2, 3, 2], true, { group: 2, strides: [2, 1], dilations: [1, 2], pads: [1, 0, 2, 1] }],
    ['2-D depthwise', [1, 4, 6, 6], [4, 1, 3, 3], false, { group: 4, pads: [1, 1, 1, 1] }],
    ['2-D SAME_UPPER stride 2', [1, 3, 7, 8], [2, 3, 3, 3], true, { auto_pad: 'SAME_UPPER', strides: [2, 2] }],
    ['2-D SAME_LOWER stride 2', [1, 3, 7, 8], [2, 3, 4, 3], true, { auto_pad: 'SAME_LOWER', strides: [2, 2] }],
    ['2-D VALID', [1, 3, 7, 8], [2, 3, 3, 2], false, { auto_pad: 'VALID', strides: [2, 3] }],
    ['3-D', [1, 2, 5, 4, 6], [3, 2, 2, 3, 3], true, { pads: [0, 1, 1, 1, 0, 1], strides: [1, 2, 1] }],
  ];
  it.each(cases)('%s', async (_name, xDims, wDims, bias, attrs) => {
    const inputs = [randn(xDims, 21), randn(wDims, 22), bias ? randn([wDims[0]!], 23) : undefined];
    await crossCheckOrt({ op: 'Conv', inputs, attrs, opset: 11 });
  });
});

describe('ConvTranspose vs onnxruntime (float32)', () => {
  const cases: [string, number[], number[], boolean, Record<string, AttrValue>][] = [
    ['1-D stride 2', [2, 3, 5], [3, 2, 3], true, { strides: [2] }],
    ['2-D stride, pads, output_padding', [1, 4, 4, 5], [4, 3, 3, 3], true, { strides: [2, 2], pads: [1, 0, 1, 1], output_padding: [1, 0] }],
    ['2-D groups and dilations', [2, 4, 3, 3], [4, 2, 2, 3], true, { group: 2, dilations: [2, 1], strides: [1, 2] }],
    ['2-D output_shape (even total padding)', [1, 2, 3, 3], [2, 2, 3, 3], false, { strides: [2, 2], output_shape: [5, 5] }],
    ['3-D', [1, 2, 3, 2, 3], [2, 2, 2, 2, 3], true, { strides: [2, 1, 2], pads: [0, 0, 1, 1, 0, 1] }],
  ];
  it.each(cases)('%s', async (_name, xDims, wDims, bias, attrs) => {
    const group = (attrs.group as number | undefined) ?? 1;
    const inputs = [randn(xDims, 31), randn(wDims, 32), bias ? randn([wDims[1]! * group], 33) : undefined];
    await crossCheckOrt({ op: 'ConvTranspose', inputs, attrs, opset: 11 });
  });
});
