/**
 * Constant (every value attribute), ConstantOfShape, Range, OneHot, Cast/CastLike, EyeLike, Trilu and
 * NonZero of the reference evaluator, hand-checked and against onnxruntime.
 */
import { describe, expect, it } from 'vitest';
import { makeTensor } from '../../../src/core/onnx/build.ts';
import { AttributeType, DataType } from '../../../src/core/onnx/proto-types.ts';
import { evaluateNode } from '../evaluator.ts';
import { b, crossCheckOrt, expectClose, f, i64, randn, runRef, vals } from '../testing.ts';

describe('Constant: every value attribute', () => {
  const run = (attribute: object[]) => evaluateNode({ opType: 'Constant', attribute, output: ['y'] }, [], 13)[0]!;
  it('value (tensor), value_float(s), value_int(s)', () => {
    expectClose(run([{ name: 'value', type: AttributeType.TENSOR, t: makeTensor('', [2], [1.5, -2]) }]), { dims: [2], data: [1.5, -2] });
    expectClose(run([{ name: 'value_float', type: AttributeType.FLOAT, f: 0.25 }]), { dims: [], data: [0.25] });
    expectClose(run([{ name: 'value_floats', type: AttributeType.FLOATS, floats: [1, 2] }]), { dims: [2], data: [1, 2] });
    const i = run([{ name: 'value_int', type: AttributeType.INT, i: 7 }]);
    expect(i.dims).toEqual([]);
    expect(i.data[0]).toBe(7n);
    expect(vals(run([{ name: 'value_ints', type: AttributeType.INTS, ints: [3, -4] }]))).toEqual([3n, -4n]);
  });
  it('sparse_value with linearised and coordinate indices', () => {
    const values = makeTensor('v', [2], [5, 6]);
    const lin = run([{ name: 'sparse_value', type: AttributeType.SPARSE_TENSOR, sparseTensor: { values, indices: makeTensor('i', [2], [1, 3], 'int64'), dims: [2, 2] } }]);
    expectClose(lin, { dims: [2, 2], data: [0, 5, 0, 6] });
    const coo = run([{ name: 'sparse_value', type: AttributeType.SPARSE_TENSOR, sparseTensor: { values, indices: makeTensor('i', [2, 2], [0, 0, 1, 1], 'int64'), dims: [2, 2] } }]);
    expectClose(coo, [5, 0, 0, 6]);
  });
});

describe('generators and casts: hand-checked values', () => {
  it('ConstantOfShape: default float 0 and an int64 value', () => {
    expectClose(runRef({ op: 'ConstantOfShape', inputs: [i64([2], [2, 1])], opset: 13 })[0]!, { dims: [2, 1], data: [0, 0] });
    const y = runRef({ op: 'ConstantOfShape', inputs: [i64([1], [3])], attrs: { value: makeTensor('', [1], [7], 'int64') }, opset: 13 })[0]!;
    expect(vals(y)).toEqual([7n, 7n, 7n]);
  });
  it('Range: int, float, negative delta, empty', () => {
    expect(vals(runRef({ op: 'Range', inputs: [i64([], [1]), i64([], [10]), i64([], [3])], opset: 11 })[0]!)).toEqual([1n, 4n, 7n]);
    expectClose(runRef({ op: 'Range', inputs: [f([], [0]), f([], [1]), f([], [0.25])], opset: 11 })[0]!, { dims: [4], data: [0, 0.25, 0.5, 0.75] });
    expect(vals(runRef({ op: 'Range', inputs: [i64([], [10]), i64([], [4]), i64([], [-2])], opset: 11 })[0]!)).toEqual([10n, 8n, 6n]);
    expect(runRef({ op: 'Range', inputs: [i64([], [5]), i64([], [1]), i64([], [1])], opset: 11 })[0]!.dims).toEqual([0]);
  });
  it('OneHot with negative indices, axis -1 and 0', () => {
    const idx = i64([3], [0, 2, -1]);
    expectClose(runRef({ op: 'OneHot', inputs: [idx, i64([], [3]), f([2], [0, 1])], opset: 11 })[0]!, { dims: [3, 3], data: [1, 0, 0, 0, 0, 1, 0, 0, 1] });
    expectClose(runRef({ op: 'OneHot', inputs: [idx, f([], [3]), f([2], [-1, 5])], attrs: { axis: 0 }, opset: 11 })[0]!, { dims: [3, 3], data: [5, -1, -1, -1, -1, -1, -1, 5, 5] });
  });
  it('Cast: float → int8 truncates and wraps, → bool; int → float; CastLike', () => {
    expect(vals(runRef({ op: 'Cast', inputs: [f([3], [1.7, -1.7, 300])], attrs: { to: DataType.INT8 }, opset: 13 })[0]!)).toEqual([1n, -1n, 44n]);
    expect(vals(runRef({ op: 'Cast', inputs: [f([3], [0, -0.5, 2])], attrs: { to: DataType.BOOL }, opset: 13 })[0]!)).toEqual([0, 1, 1]);
    expectClose(runRef({ op: 'Cast', inputs: [i64([2], [-3, 4])], attrs: { to: DataType.FLOAT }, opset: 13 })[0]!, [-3, 4]);
    const d = runRef({ op: 'Cast', inputs: [f([1], [0.1])], attrs: { to: DataType.DOUBLE }, opset: 13 })[0]!;
    expect(d.data[0]).toBe(Math.fround(0.1)); // float types stay float64, no re-rounding
    expect(vals(runRef({ op: 'CastLike', inputs: [f([2], [2.9, -2.9]), i64([1], [0])], opset: 15 })[0]!)).toEqual([2n, -2n]);
    expectClose(runRef({ op: 'CastLike', inputs: [b([2], [1, 0]), f([1], [0])], opset: 15 })[0]!, [1, 0]);
  });
  it('EyeLike with k and dtype, Trilu upper/lower with k', () => {
    expectClose(runRef({ op: 'EyeLike', inputs: [f([2, 3], [0, 0, 0, 0, 0, 0])], attrs: { k: 1 }, opset: 9 })[0]!, [0, 1, 0, 0, 0, 1]);
    expect(vals(runRef({ op: 'EyeLike', inputs: [f([2, 2], [0, 0, 0, 0])], attrs: { dtype: DataType.INT64 }, opset: 9 })[0]!)).toEqual([1n, 0n, 0n, 1n]);
    const m = f([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expectClose(runRef({ op: 'Trilu', inputs: [m], opset: 14 })[0]!, [1, 2, 3, 0, 5, 6, 0, 0, 9]);
    expectClose(runRef({ op: 'Trilu', inputs: [m, i64([], [-1])], attrs: { upper: 0 }, opset: 14 })[0]!, [0, 0, 0, 4, 0, 0, 7, 8, 0]);
  });
  it('NonZero', () => {
    const y = runRef({ op: 'NonZero', inputs: [f([2, 2], [1, 0, 0, 3])], opset: 13 })[0]!;
    expect(y.dims).toEqual([2, 2]);
    expect(vals(y)).toEqual([0n, 1n, 0n, 1n]);
  });
});

describe('generators and casts vs onnxruntime', () => {
  it('Range / OneHot / Cast / EyeLike / Trilu / ConstantOfShape', async () => {
    await crossCheckOrt({ op: 'Range', inputs: [f([], [-1]), f([], [2]), f([], [0.375])], opset: 11 });
    await crossCheckOrt({ op: 'OneHot', inputs: [i64([2, 2], [0, 3, -1, 1]), i64([], [4]), f([2], [0, 1])], attrs: { axis: 1 }, opset: 11 });
    await crossCheckOrt({ op: 'Cast', inputs: [randn([5], 81, 10)], attrs: { to: DataType.INT64 }, opset: 13 });
    await crossCheckOrt({ op: 'EyeLike', inputs: [randn([3, 4], 82)], attrs: { k: -1 }, opset: 9 });
    await crossCheckOrt({ op: 'Trilu', inputs: [randn([2, 3, 4], 83), i64([], [1])], attrs: { upper: 0 }, opset: 14 });
    await crossCheckOrt({ op: 'ConstantOfShape', inputs: [i64([2], [2, 3])], attrs: { value: makeTensor('', [1], [0.5]) }, opset: 13 });
  });
});
