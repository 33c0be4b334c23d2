/**
 * Shape and data-movement ops of the reference evaluator: hand-checked values for every opset form
 * (Squeeze/Unsqueeze/Split/Slice attributes vs inputs, INT64 extremes) and onnxruntime cross-checks.
 */
import { describe, expect, it } from 'vitest';
import { crossCheckOrt, expectClose, f, i64, randn, runRef, vals } from '../testing.ts';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const arange = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('shape ops: hand-checked values', () => {
  const x = f([2, 3, 4], arange(24));
  it('Reshape: 0 copies a dim, -1 is inferred, allowzero keeps a literal 0', () => {
    expect(runRef({ op: 'Reshape', inputs: [x, i64([2], [0, -1])], opset: 13 })[0]!.dims).toEqual([2, 12]);
    expect(runRef({ op: 'Reshape', inputs: [x, i64([3], [-1, 0, 2])], opset: 13 })[0]!.dims).toEqual([4, 3, 2]);
    const empty = f([0, 3], []);
    expect(runRef({ op: 'Reshape', inputs: [empty, i64([2], [3, 0])], attrs: { allowzero: 1 }, opset: 14 })[0]!.dims).toEqual([3, 0]);
    expect(() => runRef({ op: 'Reshape', inputs: [x, i64([2], [5, -1])], opset: 13 })).toThrow(/Reshape node 'n0'/);
  });
  it('Flatten at an axis, negative axis', () => {
    expect(runRef({ op: 'Flatten', inputs: [x], opset: 13 })[0]!.dims).toEqual([2, 12]);
    expect(runRef({ op: 'Flatten', inputs: [x], attrs: { axis: -1 }, opset: 13 })[0]!.dims).toEqual([6, 4]);
    expect(runRef({ op: 'Flatten', inputs: [x], attrs: { axis: 0 }, opset: 13 })[0]!.dims).toEqual([1, 24]);
  });
  it('Transpose with perm and the default reversal', () => {
    const t = runRef({ op: 'Transpose', inputs: [f([2, 3], arange(6))], opset: 13 })[0]!;
    expectClose(t, { dims: [3, 2], data: [0, 3, 1, 4, 2, 5] });
    expect(runRef({ op: 'Transpose', inputs: [x], attrs: { perm: [1, 2, 0] }, opset: 13 })[0]!.data[1]).toBe(12);
  });
  it('Squeeze / Unsqueeze: axes attribute (opset 11) and input (opset 13), negative axes', () => {
    const s = f([1, 3, 1], [1, 2, 3]);
    expect(runRef({ op: 'Squeeze', inputs: [s], attrs: { axes: [-1] }, opset: 11 })[0]!.dims).toEqual([1, 3]);
    expect(runRef({ op: 'Squeeze', inputs: [s, i64([1], [0])], opset: 13 })[0]!.dims).toEqual([3, 1]);
    expect(runRef({ op: 'Squeeze', inputs: [s], opset: 13 })[0]!.dims).toEqual([3]);
    expect(runRef({ op: 'Unsqueeze', inputs: [f([3], [1, 2, 3])], attrs: { axes: [0, -1] }, opset: 11 })[0]!.dims).toEqual([1, 3, 1]);
    expect(runRef({ op: 'Unsqueeze', inputs: [f([3], [1, 2, 3]), i64([2], [2, 0])], opset: 13 })[0]!.dims).toEqual([1, 3, 1]);
    expect(() => runRef({ op: 'Squeeze', inputs: [s, i64([1], [1])], opset: 13 })).toThrow(/cannot squeeze axis 1/);
  });
  it('Concat along a negative axis, with an empty input', () => {
    const c = runRef({ op: 'Concat', inputs: [f([2, 1], [1, 2]), f([2, 0], []), f([2, 2], [3, 4, 5, 6])], attrs: { axis: -1 }, opset: 13 })[0]!;
    expectClose(c, { dims: [2, 3], data: [1, 3, 4, 2, 5, 6] });
  });
  it('Split: attribute (opset 11), input (opset 13), equal, num_outputs (opset 18)', () => {
    const v = f([5], [1, 2, 3, 4, 5]);
    const a = runRef({ op: 'Split', inputs: [v], attrs: { split: [2, 3] }, opset: 11, outputs: 2 });
    expectClose(a[1]!, [3, 4, 5]);
    const b = runRef({ op: 'Split', inputs: [v, i64([2], [4, 1])], opset: 13, outputs: 2 });
    expectClose(b[0]!, [1, 2, 3, 4]);
    const c = runRef({ op: 'Split', inputs: [v], attrs: { num_outputs: 2 }, opset: 18, outputs: 2 });
    expectClose(c[0]!, [1, 2, 3]);
    expectClose(c[1]!, [4, 5]);
    const d = runRef({ op: 'Split', inputs: [f([2, 4], arange(8))], attrs: { axis: 1 }, opset: 13, outputs: 2 });
    expectClose(d[1]!, { dims: [2, 2], data: [2, 3, 6, 7] });
  });
  it('Slice: steps, negative indices, clamping and INT64 extremes (opset 10+)', () => {
    const v = f([10], arange(10));
    const sl = (s: bigint, e: bigint, step: bigint) => vals(runRef({ op: 'Slice', inputs: [v, i64([1], [s]), i64([1], [e]), i64([1], [0]), i64([1], [step])], opset: 13 })[0]!);
    expect(sl(-1n, INT64_MIN, -1n)).toEqual(arange(10).reverse());
    expect(sl(2n, INT64_MAX, 3n)).toEqual([2, 5, 8]);
    expect(sl(-100n, 3n, 1n)).toEqual([0, 1, 2]);
    expect(sl(100n, -100n, -4n)).toEqual([9, 5, 1]);
    expect(sl(5n, 2n, 1n)).toEqual([]);
    const m = runRef({ op: 'Slice', inputs: [f([3, 4], arange(12)), i64([1], [1]), i64([1], [-1]), i64([1], [-1])], opset: 13 })[0]!;
    expectClose(m, { dims: [3, 2], data: [1, 2, 5, 6, 9, 10] });
  });
  it('Slice opset 9 takes starts/ends/axes attributes', () => {
    const m = runRef({ op: 'Slice', inputs: [f([3, 4], arange(12))], attrs: { starts: [1, 0], ends: [1000, 2], axes: [0, 1] }, opset: 9 })[0]!;
    expectClose(m, { dims: [2, 2], data: [4, 5, 8, 9] });
  });
  it('Expand broadcasts both ways, Tile repeats', () => {
    expectClose(runRef({ op: 'Expand', inputs: [f([3, 1], [1, 2, 3]), i64([3], [2, 1, 2])], opset: 13 })[0]!, { dims: [2, 3, 2], data: [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3] });
    expectClose(runRef({ op: 'Tile', inputs: [f([2], [1, 2]), i64([1], [3])], opset: 13 })[0]!, [1, 2, 1, 2, 1, 2]);
  });
  it('Shape with start/end, Size', () => {
    expect(vals(runRef({ op: 'Shape', inputs: [x], opset: 13 })[0]!)).toEqual([2n, 3n, 4n]);
    expect(vals(runRef({ op: 'Shape', inputs: [x], attrs: { start: -2 }, opset: 15 })[0]!)).toEqual([3n, 4n]);
    expect(vals(runRef({ op: 'Shape', inputs: [x], attrs: { start: 1, end: -1 }, opset: 15 })[0]!)).toEqual([3n]);
    const s = runRef({ op: 'Size', inputs: [x], opset: 13 })[0]!;
    expect(s.dims).toEqual([]);
    expect(s.data[0]).toBe(24n);
  });
  it('DepthToSpace DCR / CRD and SpaceToDepth', () => {
    // DCR: out[c, 2h+i, 2w+j] = in[(2i+j)·C/4 + c, h, w]; CRD: out[c, 2h+i, 2w+j] = in[4c + 2i + j, h, w]
    const d = f([1, 8, 2, 3], arange(48));
    const dcr = runRef({ op: 'DepthToSpace', inputs: [d], attrs: { blocksize: 2, mode: 'DCR' }, opset: 13 })[0]!;
    expect(dcr.dims).toEqual([1, 2, 4, 6]);
    expect(vals(dcr).slice(0, 12)).toEqual([0, 12, 1, 13, 2, 14, 24, 36, 25, 37, 26, 38]);
    const crd = runRef({ op: 'DepthToSpace', inputs: [d], attrs: { blocksize: 2, mode: 'CRD' }, opset: 13 })[0]!;
    expect(vals(crd).slice(0, 12)).toEqual([0, 6, 1, 7, 2, 8, 12, 18, 13, 19, 14, 20]);
    const back = runRef({ op: 'SpaceToDepth', inputs: [dcr], attrs: { blocksize: 2 }, opset: 13 })[0]!;
    expectClose(back, d);
  });
  it('Identity and Dropout (inference) copy; Dropout mask is all true', () => {
    expectClose(runRef({ op: 'Identity', inputs: [x], opset: 13 })[0]!, x);
    const [y, mask] = runRef({ op: 'Dropout', inputs: [x, f([], [0.5])], opset: 13, outputs: 2 });
    expectClose(y!, x);
    expect(mask!.data.every((v) => v === 1)).toBe(true);
  });
});

describe('shape ops vs onnxruntime', () => {
  const x = randn([2, 3, 4, 5], 61);
  it('Reshape / Flatten / Transpose / Squeeze / Unsqueeze', async () => {
    await crossCheckOrt({ op: 'Reshape', inputs: [x, i64([3], [0, -1, 5])], opset: 13 });
    await crossCheckOrt({ op: 'Flatten', inputs: [x], attrs: { axis: 2 }, opset: 13 });
    await crossCheckOrt({ op: 'Transpose', inputs: [x], attrs: { perm: [0, 2, 3, 1] }, opset: 13 });
    await crossCheckOrt({ op: 'Squeeze', inputs: [randn([1, 3, 1, 2], 62)], attrs: { axes: [0, 2] }, opset: 11 });
    await crossCheckOrt({ op: 'Squeeze', inputs: [randn([1, 3, 1, 2], 62), i64([1], [-2])], opset: 13 });
    await crossCheckOrt({ op: 'Unsqueeze', inputs: [x], attrs: { axes: [1, -1] }, opset: 11 });
    await crossCheckOrt({ op: 'Unsqueeze', inputs: [x, i64([2], [0, 3])], opset: 13 });
  });
  it('Concat / Split', async () => {
    await crossCheckOrt({ op: 'Concat', inputs: [x, randn([2, 1, 4, 5], 63), randn([2, 2, 4, 5], 64)], attrs: { axis: 1 }, opset: 13 });
    await crossCheckOrt({ op: 'Split', inputs: [x], attrs: { axis: 3, split: [1, 4] }, opset: 11, outputs: 2 });
    await crossCheckOrt({ op: 'Split', inputs: [x, i64([3], [1, 1, 2])], attrs: { axis: 2 }, opset: 13, outputs: 3 });
    await crossCheckOrt({ op: 'Split', inputs: [x], attrs: { axis: 3, num_outputs: 3 }, opset: 18, outputs: 3 });
  });
  it('Slice forms', async () => {
    await crossCheckOrt({ op: 'Slice', inputs: [x], attrs: { starts: [1, -3], ends: [3, 1000], axes: [1, 3] }, opset: 9 });
    await crossCheckOrt({ op: 'Slice', inputs: [x, i64([2], [-1, 0]), i64([2], [INT64_MIN, INT64_MAX]), i64([2], [3, 2]), i64([2], [-2, 3])], opset: 13 });
    await crossCheckOrt({ op: 'Slice', inputs: [x, i64([1], [1]), i64([1], [3])], opset: 10 });
  });
  it('Expand / Tile / Shape / Size / DepthToSpace / SpaceToDepth', async () => {
    await crossCheckOrt({ op: 'Expand', inputs: [randn([3, 1], 65), i64([3], [2, 3, 4])], opset: 13 });
    await crossCheckOrt({ op: 'Tile', inputs: [x, i64([4], [1, 2, 1, 3])], opset: 13 });
    await crossCheckOrt({ op: 'Shape', inputs: [x], attrs: { start: 1, end: -1 }, opset: 15 });
    await crossCheckOrt({ op: 'Size', inputs: [x], opset: 13 });
    await crossCheckOrt({ op: 'DepthToSpace', inputs: [randn([2, 8, 3, 2], 66)], attrs: { blocksize: 2, mode: 'DCR' }, opset: 13 });
    await crossCheckOrt({ op: 'DepthToSpace', inputs: [randn([2, 8, 3, 2], 66)], attrs: { blocksize: 2, mode: 'CRD' }, opset: 13 });
    await crossCheckOrt({ op: 'SpaceToDepth', inputs: [randn([2, 3, 4, 6], 67)], attrs: { blocksize: 2 }, opset: 13 });
  });
});
