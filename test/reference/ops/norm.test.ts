/**
 * Normalisation, Softmax-family and reduction ops of the reference evaluator: hand-checked values,
 * axis semantics before/after opset 13, axes attribute vs input forms, and onnxruntime cross-checks.
 */
import { describe, expect, it } from 'vitest';
import { crossCheckOrt, expectClose, f, i64, randn, runRef, vals } from '../testing.ts';

describe('normalisation: hand-checked values', () => {
  it('BatchNormalization (inference) per channel', () => {
    const x = f([1, 2, 1, 2], [1, 3, 10, 20]);
    const y = runRef({
      op: 'BatchNormalization',
      inputs: [x, f([2], [2, 1]), f([2], [0, 1]), f([2], [2, 10]), f([2], [4, 25])],
      attrs: { epsilon: 0 }, opset: 15,
    })[0]!;
    expectClose(y, { dims: [1, 2, 1, 2], data: [-1, 1, 1, 3] }); // (x - mean) / sqrt(var) · scale + B
  });
  it('InstanceNormalization normalises each (n, c) over space', () => {
    const y = runRef({ op: 'InstanceNormalization', inputs: [f([1, 1, 4], [1, 2, 3, 4]), f([1], [2]), f([1], [1])], attrs: { epsilon: 0 }, opset: 6 })[0]!;
    const s = Math.sqrt(1.25);
    expectClose(y, [1 - 3 / s, 1 - 1 / s, 1 + 1 / s, 1 + 3 / s], { rtol: 1e-14 });
  });
  it('LayerNormalization over the last axis with Mean and InvStdDev outputs', () => {
    const [y, mean, inv] = runRef({
      op: 'LayerNormalization', inputs: [f([2, 2], [1, 3, 2, 6]), f([2], [1, 2]), f([2], [0, 1])], attrs: { epsilon: 0 }, opset: 17, outputs: 3,
    });
    expectClose(y!, [-1, 3, -1, 3]);
    expectClose(mean!, { dims: [2, 1], data: [2, 4] });
    expectClose(inv!, { dims: [2, 1], data: [1, 0.5] });
  });
  it('LayerNormalization axis=1 normalises over all trailing dims', () => {
    const [y] = runRef({ op: 'LayerNormalization', inputs: [f([1, 2, 2], [1, 2, 3, 4]), f([], [1])], attrs: { axis: 1, epsilon: 0 }, opset: 17 });
    const s = Math.sqrt(1.25);
    expectClose(y!, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], { rtol: 1e-14 });
  });
  it('LRN sums squares over a channel window clipped at the edges', () => {
    const x = f([1, 3, 1, 1], [1, 2, 3]);
    const y = runRef({ op: 'LRN', inputs: [x], attrs: { size: 3, alpha: { float: 0.3 }, beta: { float: 0.5 }, bias: 1 }, opset: 13 })[0]!;
    const sq = [1 + 4, 1 + 4 + 9, 4 + 9];
    expectClose(y, [1, 2, 3].map((v, i) => v / Math.sqrt(1 + (0.3 / 3) * sq[i]!)), { rtol: 1e-7 }); // alpha stored as float32
  });
  it('LpNormalization p=2 and p=1', () => {
    expectClose(runRef({ op: 'LpNormalization', inputs: [f([1, 2], [3, 4])], opset: 1 })[0]!, [0.6, 0.8], { rtol: 1e-15 });
    expectClose(runRef({ op: 'LpNormalization', inputs: [f([2, 1], [3, -1])], attrs: { axis: 0, p: 1 }, opset: 1 })[0]!, [0.75, -0.25]);
  });
});

describe('Softmax family: axis semantics per opset', () => {
  const x = f([1, 2, 2], [0, 1, 2, 3]);
  const z = 1 + Math.exp(2);
  it('opset 13: softmax over the single axis', () => {
    expectClose(runRef({ op: 'Softmax', inputs: [x], attrs: { axis: 1 }, opset: 13 })[0]!, [1 / z, 1 / z, Math.exp(2) / z, Math.exp(2) / z], { rtol: 1e-15 });
  });
  it('opset 11: the input is coerced to 2-D at axis and normalised over the flattened block', () => {
    const s = [0, 1, 2, 3].reduce((a, v) => a + Math.exp(v), 0);
    expectClose(runRef({ op: 'Softmax', inputs: [x], attrs: { axis: 1 }, opset: 11 })[0]!, [0, 1, 2, 3].map((v) => Math.exp(v) / s), { rtol: 1e-15 });
    // default axis before 13 is 1, after 13 is -1
    expectClose(runRef({ op: 'Softmax', inputs: [x], opset: 11 })[0]!, [0, 1, 2, 3].map((v) => Math.exp(v) / s), { rtol: 1e-15 });
  });
  it('LogSoftmax and Hardmax', () => {
    const l = runRef({ op: 'LogSoftmax', inputs: [f([2], [1, 2])], opset: 13 })[0]!;
    expectClose(l, [1 - Math.log(Math.E + Math.E ** 2), 2 - Math.log(Math.E + Math.E ** 2)], { rtol: 1e-15 });
    expectClose(runRef({ op: 'Hardmax', inputs: [f([2, 3], [1, 3, 3, 5, 0, 1])], opset: 13 })[0]!, [0, 1, 0, 1, 0, 0]);
  });
});

describe('reductions: hand-checked values and opset forms', () => {
  const x = f([2, 3], [1, 2, 3, 4, 5, 6]);
  it('ReduceSum: axes attribute (opset 11) and input (opset 13)', () => {
    expectClose(runRef({ op: 'ReduceSum', inputs: [x], attrs: { axes: [1], keepdims: 0 }, opset: 11 })[0]!, { dims: [2], data: [6, 15] });
    expectClose(runRef({ op: 'ReduceSum', inputs: [x, i64([1], [-1])], attrs: { keepdims: 0 }, opset: 13 })[0]!, { dims: [2], data: [6, 15] });
    expectClose(runRef({ op: 'ReduceSum', inputs: [x], opset: 13 })[0]!, { dims: [1, 1], data: [21] });
  });
  it('noop_with_empty_axes returns the input unchanged', () => {
    expectClose(runRef({ op: 'ReduceSum', inputs: [x, i64([0], [])], attrs: { noop_with_empty_axes: 1 }, opset: 13 })[0]!, x);
    expectClose(runRef({ op: 'ReduceMean', inputs: [x], attrs: { noop_with_empty_axes: 1 }, opset: 18 })[0]!, x);
  });
  it('ReduceMean/Max/Min/Prod/SumSquare/L1/L2/LogSumExp: attribute (opset 13) and input (opset 18)', () => {
    const cases: [string, number[]][] = [
      ['ReduceMean', [2.5, 3.5, 4.5]], ['ReduceMax', [4, 5, 6]], ['ReduceMin', [1, 2, 3]], ['ReduceProd', [4, 10, 18]],
      ['ReduceSumSquare', [17, 29, 45]], ['ReduceL1', [5, 7, 9]], ['ReduceL2', [Math.sqrt(17), Math.sqrt(29), Math.sqrt(45)]],
      ['ReduceLogSumExp', [Math.log(Math.E + Math.E ** 4), Math.log(Math.E ** 2 + Math.E ** 5), Math.log(Math.E ** 3 + Math.E ** 6)]],
      ['ReduceLogSum', [Math.log(5), Math.log(7), Math.log(9)]],
    ];
    for (const [op, expected] of cases) {
      expectClose(runRef({ op, inputs: [x], attrs: { axes: [0] }, opset: 13 })[0]!, { dims: [1, 3], data: expected }, { rtol: 1e-14 });
      expectClose(runRef({ op, inputs: [x, i64([1], [0])], attrs: { keepdims: 0 }, opset: 18 })[0]!, { dims: [3], data: expected }, { rtol: 1e-14 });
    }
  });
  it('ArgMax / ArgMin with keepdims and select_last_index', () => {
    const t = f([2, 3], [1, 5, 5, 7, 0, 7]);
    expect(vals(runRef({ op: 'ArgMax', inputs: [t], attrs: { axis: 1 }, opset: 13 })[0]!)).toEqual([1n, 0n]);
    expect(vals(runRef({ op: 'ArgMax', inputs: [t], attrs: { axis: 1, select_last_index: 1 }, opset: 13 })[0]!)).toEqual([2n, 2n]);
    const m = runRef({ op: 'ArgMin', inputs: [t], attrs: { axis: 0, keepdims: 0 }, opset: 13 })[0]!;
    expect(m.dims).toEqual([3]);
    expect(vals(m)).toEqual([0n, 1n, 0n]);
  });
  it('CumSum with exclusive and reverse', () => {
    const v = f([4], [1, 2, 3, 4]);
    const axis = i64([], [0]);
    expectClose(runRef({ op: 'CumSum', inputs: [v, axis], opset: 14 })[0]!, [1, 3, 6, 10]);
    expectClose(runRef({ op: 'CumSum', inputs: [v, axis], attrs: { exclusive: 1, reverse: 1 }, opset: 14 })[0]!, [9, 7, 4, 0]);
  });
});

describe('normalisation, softmax and reductions vs onnxruntime (float32)', () => {
  const x4 = randn([2, 3, 4, 5], 51);
  it('BatchNormalization', async () => {
    const varc = { dims: [3], data: Float64Array.from([0.5, 1.5, 2.5]) };
    await crossCheckOrt({ op: 'BatchNormalization', inputs: [x4, randn([3], 52), randn([3], 53), randn([3], 54), varc], attrs: { epsilon: { float: 1e-3 } }, opset: 15 });
  });
  it('InstanceNormalization', async () => {
    await crossCheckOrt({ op: 'InstanceNormalization', inputs: [x4, randn([3], 55), randn([3], 56)], opset: 6 });
  });
  it('LayerNormalization (axis -1 and 1, all outputs)', async () => {
    await crossCheckOrt({ op: 'LayerNormalization', inputs: [x4, randn([5], 57), randn([5], 58)], opset: 17, outputs: 3 });
    await crossCheckOrt({ op: 'LayerNormalization', inputs: [x4, randn([3, 4, 5], 59)], attrs: { axis: 1 }, opset: 17, outputs: 3 });
  });
  it('LRN', async () => {
    await crossCheckOrt({ op: 'LRN', inputs: [x4], attrs: { size: 3, alpha: { float: 1e-2 }, beta: { float: 0.75 }, bias: { float: 2 } }, opset: 13 });
  });
  it('LpNormalization', async () => {
    await crossCheckOrt({ op: 'LpNormalization', inputs: [x4], attrs: { axis: 1 }, opset: 1 });
  });
  it.each([['Softmax', 11], ['Softmax', 13], ['LogSoftmax', 11], ['LogSoftmax', 13], ['Hardmax', 13]])('%s opset %d, axis 1 and -1', async (op, opset) => {
    await crossCheckOrt({ op, inputs: [x4], attrs: { axis: 1 }, opset: opset as number });
    await crossCheckOrt({ op, inputs: [x4], attrs: { axis: -1 }, opset: opset as number });
  });
  const reducers = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceSumSquare', 'ReduceL1', 'ReduceL2', 'ReduceLogSumExp'];
  it.each(reducers.map((r) => [r]))('%s with axes attribute (opset 13) and input (opset 18)', async (op) => {
    const small = { dims: x4.dims, data: x4.data.map((v) => Math.fround(1 + 0.1 * v)) }; // keep ReduceProd tame
    if (op !== 'ReduceSum') await crossCheckOrt({ op, inputs: [small], attrs: { axes: [1, -1] }, opset: 13 });
    await crossCheckOrt({ op, inputs: [small, i64([2], [1, -1])], attrs: { keepdims: 0 }, opset: 18 });
    await crossCheckOrt({ op, inputs: [small], opset: 18 });
  });
  it('ReduceSum axes attribute (opset 11) and ArgMax', async () => {
    await crossCheckOrt({ op: 'ReduceSum', inputs: [x4], attrs: { axes: [0, 2], keepdims: 0 }, opset: 11 });
    await crossCheckOrt({ op: 'ArgMax', inputs: [x4], attrs: { axis: 2, keepdims: 0 }, opset: 13 });
  });
});
