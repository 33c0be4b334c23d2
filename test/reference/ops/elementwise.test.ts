/**
 * Element-wise ops of the reference evaluator: erf accuracy, hand-checked activations, broadcasting
 * arithmetic, comparisons, Clip forms per opset, and onnxruntime float32 cross-checks.
 */
import { describe, expect, it } from 'vitest';
import { erf } from './elementwise.ts';
import { b, crossCheckOrt, expectClose, f, i64, randn, runRef, vals } from '../testing.ts';
import type { AttrValue } from '../../../src/core/onnx/build.ts';

describe('erf', () => {
  // reference values from a correctly rounded libm erf (Python math.erf)
  const known: [number, number][] = [
    [0, 0], [1e-3, 0.0011283787909692365], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [1.5, 0.9661051464753108],
    [2, 0.9953222650189527], [2.4999, 0.9995928300996666], [2.5, 0.999593047982555], [3, 0.9999779095030014],
    [4, 0.9999999845827421], [5, 0.9999999999984626], [-0.7, -0.6778011938374184],
  ];
  it.each(known)('erf(%d) to a few ulps', (x, e) => {
    expect(Math.abs(erf(x) - e)).toBeLessThanOrEqual(4.5e-16 * Math.max(1, Math.abs(e)));
  });
  it('is smooth across the series / continued-fraction switch at 2.5 (finite differences need it)', () => {
    const h = 1e-6;
    const fd = (erf(2.5 + h) - erf(2.5 - h)) / (2 * h);
    const exact = (2 / Math.sqrt(Math.PI)) * Math.exp(-6.25);
    expect(Math.abs(fd - exact)).toBeLessThan(1e-8);
  });
});

describe('unary ops: hand-checked values', () => {
  const x = f([5], [-2, -0.5, 0, 0.5, 3]);
  const cases: [string, Record<string, AttrValue>, number, number[]][] = [
    ['Relu', {}, 13, [0, 0, 0, 0.5, 3]],
    ['LeakyRelu', { alpha: 0.1 }, 13, [-0.2, -0.05, 0, 0.5, 3]],
    ['Abs', {}, 13, [2, 0.5, 0, 0.5, 3]],
    ['Neg', {}, 13, [2, 0.5, 0, -0.5, -3]],
    ['Sign', {}, 13, [-1, -1, 0, 1, 1]],
    ['HardSigmoid', { alpha: 0.2, beta: 0.5 }, 13, [0.1, 0.4, 0.5, 0.6, 1]],
    ['HardSwish', {}, 14, [-2 / 6, -0.5 * (5 / 12), 0, 0.5 * (7 / 12), 3]],
    ['Elu', { alpha: 2 }, 13, [2 * (Math.exp(-2) - 1), 2 * (Math.exp(-0.5) - 1), 0, 0.5, 3]],
    ['Sigmoid', {}, 13, [-2, -0.5, 0, 0.5, 3].map((v) => 1 / (1 + Math.exp(-v)))],
    ['Softplus', {}, 13, [-2, -0.5, 0, 0.5, 3].map((v) => Math.log(1 + Math.exp(v)))],
    ['Gelu', {}, 20, [-2, -0.5, 0, 0.5, 3].map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)))],
    ['Floor', {}, 13, [-2, -1, 0, 0, 3]],
    ['Round', {}, 13, [-2, -0, 0, 0, 3]],
  ];
  it.each(cases)('%s', (op, attrs, opset, expected) => {
    expectClose(runRef({ op, inputs: [x], attrs, opset })[0]!, expected, { rtol: 1e-14, atol: 1e-15 });
  });
  it('Round rounds half to even', () => {
    expectClose(runRef({ op: 'Round', inputs: [f([5], [0.5, 1.5, 2.5, -0.5, -2.5])], opset: 13 })[0]!, [0, 2, 2, -0, -2]);
  });
  it('Selu uses the spec defaults', () => {
    const y = runRef({ op: 'Selu', inputs: [f([2], [-1, 1])], opset: 13 })[0]!;
    expectClose(y, [1.05070102214813232421875 * 1.67326319217681884765625 * (Math.exp(-1) - 1), 1.05070102214813232421875], { rtol: 1e-15 });
  });
  it('Gelu tanh approximation', () => {
    const v = 0.7;
    const y = runRef({ op: 'Gelu', inputs: [f([1], [v])], attrs: { approximate: 'tanh' }, opset: 20 })[0]!;
    const fv = Math.fround(v);
    expectClose(y, [0.5 * fv * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (fv + 0.044715 * fv ** 3)))], { rtol: 1e-15 });
  });
  it('Relu, Abs, Neg accept int64', () => {
    expect(vals(runRef({ op: 'Relu', inputs: [i64([3], [-2, 0, 5])], opset: 14 })[0]!)).toEqual([0n, 0n, 5n]);
    expect(vals(runRef({ op: 'Abs', inputs: [i64([2], [-2, 3])], opset: 13 })[0]!)).toEqual([2n, 3n]);
  });
});

describe('binary ops: hand-checked values', () => {
  it('Add broadcasts multidirectionally', () => {
    const y = runRef({ op: 'Add', inputs: [f([2, 1], [1, 2]), f([3], [10, 20, 30])], opset: 13 })[0]!;
    expectClose(y, { dims: [2, 3], data: [11, 21, 31, 12, 22, 32] });
  });
  it('integer Div truncates toward zero and Mod follows fmod', () => {
    expect(vals(runRef({ op: 'Div', inputs: [i64([4], [7, -7, 7, -7]), i64([4], [2, 2, -2, -2])], opset: 13 })[0]!)).toEqual([3n, -3n, -3n, 3n]);
    expect(vals(runRef({ op: 'Mod', inputs: [i64([4], [7, -7, 7, -7]), i64([4], [3, 3, -3, -3])], opset: 13 })[0]!)).toEqual([1n, 2n, -2n, -1n]);
    expect(vals(runRef({ op: 'Mod', inputs: [i64([4], [7, -7, 7, -7]), i64([4], [3, 3, -3, -3])], attrs: { fmod: 1 }, opset: 13 })[0]!)).toEqual([1n, -1n, 1n, -1n]);
  });
  it('Pow with an integer exponent tensor', () => {
    expectClose(runRef({ op: 'Pow', inputs: [f([3], [2, 3, 0.5]), i64([1], [2])], opset: 15 })[0]!, [4, 9, 0.25]);
  });
  it('PRelu broadcasts the slope per channel', () => {
    const y = runRef({ op: 'PRelu', inputs: [f([1, 2, 2], [-1, 2, -3, 4]), f([2, 1], [0.5, 0.25])], opset: 16 })[0]!;
    expectClose(y, { dims: [1, 2, 2], data: [-0.5, 2, -0.75, 4] });
  });
  it('comparisons and logic produce bools', () => {
    const a = f([3], [1, 2, 3]);
    const c = f([1], [2]);
    const get = (op: string) => vals(runRef({ op, inputs: [a, c], opset: 16 })[0]!);
    expect(get('Greater')).toEqual([0, 0, 1]);
    expect(get('Less')).toEqual([1, 0, 0]);
    expect(get('Equal')).toEqual([0, 1, 0]);
    expect(get('GreaterOrEqual')).toEqual([0, 1, 1]);
    expect(get('LessOrEqual')).toEqual([1, 1, 0]);
    const p = b([4], [0, 0, 1, 1]);
    const q = b([4], [0, 1, 0, 1]);
    expect(vals(runRef({ op: 'And', inputs: [p, q], opset: 7 })[0]!)).toEqual([0, 0, 0, 1]);
    expect(vals(runRef({ op: 'Or', inputs: [p, q], opset: 7 })[0]!)).toEqual([0, 1, 1, 1]);
    expect(vals(runRef({ op: 'Xor', inputs: [p, q], opset: 7 })[0]!)).toEqual([0, 1, 1, 0]);
    expect(vals(runRef({ op: 'Not', inputs: [p], opset: 1 })[0]!)).toEqual([1, 1, 0, 0]);
  });
  it('Where broadcasts all three inputs', () => {
    const y = runRef({ op: 'Where', inputs: [b([2, 1], [1, 0]), f([3], [1, 2, 3]), f([1], [-1])], opset: 16 })[0]!;
    expectClose(y, { dims: [2, 3], data: [1, 2, 3, -1, -1, -1] });
  });
  it('Sum / Mean / Min / Max are variadic with broadcasting', () => {
    const ins = [f([2, 1], [1, 5]), f([2], [2, 3]), f([], [4])];
    expectClose(runRef({ op: 'Sum', inputs: ins, opset: 13 })[0]!, { dims: [2, 2], data: [7, 8, 11, 12] });
    expectClose(runRef({ op: 'Mean', inputs: ins, opset: 13 })[0]!, { dims: [2, 2], data: [7 / 3, 8 / 3, 11 / 3, 4] }, { rtol: 1e-15 });
    expectClose(runRef({ op: 'Min', inputs: ins, opset: 13 })[0]!, { dims: [2, 2], data: [1, 1, 2, 3] });
    expectClose(runRef({ op: 'Max', inputs: ins, opset: 13 })[0]!, { dims: [2, 2], data: [4, 4, 5, 5] });
  });
  it('Clip: attributes before opset 11, optional inputs after, ints from 12', () => {
    const x = f([4], [-3, -1, 1, 3]);
    expectClose(runRef({ op: 'Clip', inputs: [x], attrs: { min: -2, max: { float: 2.5 } }, opset: 6 })[0]!, [-2, -1, 1, 2.5]);
    expectClose(runRef({ op: 'Clip', inputs: [x], attrs: { max: 0 }, opset: 6 })[0]!, [-3, -1, 0, 0]);
    expectClose(runRef({ op: 'Clip', inputs: [x, f([], [0]), f([], [2])], opset: 13 })[0]!, [0, 0, 1, 2]);
    expectClose(runRef({ op: 'Clip', inputs: [x, undefined, f([], [0])], opset: 13 })[0]!, [-3, -1, 0, 0]);
    expectClose(runRef({ op: 'Clip', inputs: [x], opset: 13 })[0]!, [-3, -1, 1, 3]);
    expect(vals(runRef({ op: 'Clip', inputs: [i64([3], [-5, 2, 9]), i64([], [0]), i64([], [6])], opset: 13 })[0]!)).toEqual([0n, 2n, 6n]);
  });
});

describe('element-wise ops vs onnxruntime (float32)', () => {
  const x = randn([2, 3, 4], 11, 1.5);
  const unary: [string, number, Record<string, AttrValue>?][] = [
    ['Relu', 13], ['LeakyRelu', 16, { alpha: 0.2 }], ['Elu', 13, { alpha: 0.7 }], ['Selu', 13], ['Sigmoid', 13], ['HardSigmoid', 13, { alpha: 0.3, beta: 0.4 }],
    ['HardSwish', 14], ['Tanh', 13], ['Softplus', 13], ['Softsign', 13], ['Erf', 13], ['Exp', 13], ['Neg', 13], ['Abs', 13], ['Sign', 13],
    ['Gelu', 20], ['Gelu', 20, { approximate: 'tanh' }], ['Celu', 13, { alpha: 1.5 }], ['Mish', 18], ['ThresholdedRelu', 10, { alpha: 0.3 }],
    ['Floor', 13], ['Ceil', 13], ['Sin', 7], ['Cos', 7],
  ];
  it.each(unary)('%s (opset %d)', async (op, opset, attrs) => {
    await crossCheckOrt({ op, inputs: [x], attrs, opset });
  });
  const pos = { dims: x.dims, data: x.data.map((v) => Math.fround(Math.abs(v) + 0.1)) };
  it.each([['Sqrt'], ['Log'], ['Reciprocal']])('%s on positive input', async (op) => {
    await crossCheckOrt({ op, inputs: [pos], opset: 13 });
  });
  const y = randn([3, 1], 12);
  it.each([['Add'], ['Sub'], ['Mul'], ['Div'], ['PRelu'], ['Greater'], ['Less'], ['Equal'], ['GreaterOrEqual'], ['LessOrEqual']])('%s with broadcasting', async (op) => {
    await crossCheckOrt({ op, inputs: [x, y], opset: 16 });
  });
  it('Pow with broadcasting', async () => {
    await crossCheckOrt({ op: 'Pow', inputs: [pos, f([4], [2, 0.5, -1, 3])], opset: 15 });
  });
  it.each([['Sum'], ['Mean'], ['Min'], ['Max']])('%s of three broadcasting inputs', async (op) => {
    await crossCheckOrt({ op, inputs: [x, y, randn([4], 13)], opset: 13 });
  });
  it('Where', async () => {
    await crossCheckOrt({ op: 'Where', inputs: [b([3, 1], [1, 0, 1]), x, f([1], [0.25])], opset: 16 });
  });
  it('Clip both forms', async () => {
    await crossCheckOrt({ op: 'Clip', inputs: [x], attrs: { min: { float: -0.5 }, max: { float: 0.75 } }, opset: 6 });
    await crossCheckOrt({ op: 'Clip', inputs: [x, f([], [-0.5]), f([], [0.75])], opset: 13 });
    await crossCheckOrt({ op: 'Clip', inputs: [x, undefined, f([], [6])], opset: 13 });
  });
});
