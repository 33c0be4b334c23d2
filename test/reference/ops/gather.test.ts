/**
 * Gather/Scatter family and Pad of the reference evaluator: hand-checked values (negative indices,
 * duplicate-index reductions, every pad mode and opset form) and onnxruntime cross-checks.
 */
import { describe, expect, it } from 'vitest';
import { crossCheckOrt, expectClose, f, i64, randn, runRef } from '../testing.ts';

describe('indexing ops: hand-checked values', () => {
  const d = f([3, 2], [1, 2, 3, 4, 5, 6]);
  it('Gather with negative indices on axis 0 and 1', () => {
    expectClose(runRef({ op: 'Gather', inputs: [d, i64([1, 2], [0, -1])], opset: 13 })[0]!, { dims: [1, 2, 2], data: [1, 2, 5, 6] });
    expectClose(runRef({ op: 'Gather', inputs: [d, i64([1], [1])], attrs: { axis: 1 }, opset: 13 })[0]!, { dims: [3, 1], data: [2, 4, 6] });
    const s = runRef({ op: 'Gather', inputs: [d, i64([], [2])], opset: 13 })[0]!;
    expectClose(s, { dims: [2], data: [5, 6] });
    expect(() => runRef({ op: 'Gather', inputs: [d, i64([1], [3])], opset: 13 })).toThrow(/Gather node 'n0'.*index 3 is out of range/);
  });
  it('GatherElements', () => {
    const y = runRef({ op: 'GatherElements', inputs: [f([2, 2], [1, 2, 3, 4]), i64([2, 2], [0, 0, 1, 0])], attrs: { axis: 1 }, opset: 13 })[0]!;
    expectClose(y, [1, 1, 4, 3]);
  });
  it('GatherND with batch_dims', () => {
    expectClose(runRef({ op: 'GatherND', inputs: [f([2, 2], [0, 1, 2, 3]), i64([2, 2], [0, 0, 1, 1])], opset: 13 })[0]!, { dims: [2], data: [0, 3] });
    const b = runRef({ op: 'GatherND', inputs: [f([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]), i64([2, 1], [1, 0])], attrs: { batch_dims: 1 }, opset: 13 })[0]!;
    expectClose(b, { dims: [2, 2], data: [2, 3, 4, 5] });
  });
  it('ScatterElements (ONNX spec example) and reduction add with duplicate indices', () => {
    const y = runRef({
      op: 'ScatterElements',
      inputs: [f([3, 3], new Array(9).fill(0)), i64([2, 3], [1, 0, 2, 0, 2, 1]), f([2, 3], [1, 1.1, 1.2, 2, 2.1, 2.2])], opset: 13,
    })[0]!;
    expectClose(y, [2, 1.1, 0, 1, 0, 2.2, 0, 2.1, 1.2].map(Math.fround));
    const a = runRef({ op: 'ScatterElements', inputs: [f([1, 5], [1, 2, 3, 4, 5]), i64([1, 2], [1, 1]), f([1, 2], [1.5, 2.5])], attrs: { axis: 1, reduction: 'add' }, opset: 16 })[0]!;
    expectClose(a, [1, 6, 3, 4, 5]);
  });
  it('ScatterND: none and add (duplicates accumulate)', () => {
    const data = f([8], [1, 2, 3, 4, 5, 6, 7, 8]);
    expectClose(runRef({ op: 'ScatterND', inputs: [data, i64([4, 1], [4, 3, 1, 7]), f([4], [9, 10, 11, 12])], opset: 13 })[0]!, [1, 11, 3, 10, 9, 6, 7, 12]);
    expectClose(runRef({ op: 'ScatterND', inputs: [data, i64([2, 1], [4, 4]), f([2], [1, 2])], attrs: { reduction: 'add' }, opset: 16 })[0]!, [1, 2, 3, 4, 8, 6, 7, 8]);
    const rows = runRef({ op: 'ScatterND', inputs: [f([2, 2], [0, 0, 0, 0]), i64([1, 1], [1]), f([1, 2], [5, 6])], opset: 13 })[0]!;
    expectClose(rows, [0, 0, 5, 6]);
  });
});

describe('Pad: hand-checked values', () => {
  const x = f([1, 3], [1, 2, 3]);
  const pads = i64([4], [0, 2, 0, 2]);
  it.each([
    ['constant', [0, 0, 1, 2, 3, 0, 0]], ['reflect', [3, 2, 1, 2, 3, 2, 1]], ['edge', [1, 1, 1, 2, 3, 3, 3]],
  ])('mode %s (input form, opset 13)', (mode, expected) => {
    expectClose(runRef({ op: 'Pad', inputs: [x, pads], attrs: { mode }, opset: 13 })[0]!, { dims: [1, 7], data: expected as number[] });
  });
  it('wrap (opset 19), constant_value, negative pads crop', () => {
    expectClose(runRef({ op: 'Pad', inputs: [x, pads], attrs: { mode: 'wrap' }, opset: 19 })[0]!, [2, 3, 1, 2, 3, 1, 2]);
    expectClose(runRef({ op: 'Pad', inputs: [x, i64([4], [0, 1, 0, 0]), f([], [9])], opset: 13 })[0]!, [9, 1, 2, 3]);
    expectClose(runRef({ op: 'Pad', inputs: [x, i64([4], [0, -1, 0, 1])], opset: 13 })[0]!, [2, 3, 0]);
  });
  it('attribute form (opset 2) and axes input (opset 18)', () => {
    expectClose(runRef({ op: 'Pad', inputs: [x], attrs: { pads: [1, 0, 0, 1], value: { float: -1 } }, opset: 2 })[0]!, { dims: [2, 4], data: [-1, -1, -1, -1, 1, 2, 3, -1] });
    expectClose(runRef({ op: 'Pad', inputs: [x, i64([2], [1, 0]), undefined, i64([1], [-1])], attrs: { mode: 'edge' }, opset: 18 })[0]!, [1, 1, 2, 3]);
  });
});

describe('indexing and Pad vs onnxruntime', () => {
  const x = randn([2, 3, 4, 5], 71);
  it('Gather / GatherElements / GatherND', async () => {
    await crossCheckOrt({ op: 'Gather', inputs: [x, i64([2, 2], [0, -1, 2, 1])], attrs: { axis: 2 }, opset: 13 });
    await crossCheckOrt({ op: 'GatherElements', inputs: [x, i64([2, 3, 2, 5], Array.from({ length: 60 }, (_, i) => (i * 7) % 4))], attrs: { axis: 2 }, opset: 13 });
    await crossCheckOrt({ op: 'GatherND', inputs: [x, i64([2, 2], [1, 2, 0, 1])], opset: 13 });
  });
  it('ScatterElements (none, add) / ScatterND (none, add)', async () => {
    const idx = i64([2, 3, 4, 2], Array.from({ length: 48 }, (_, i) => (i * 3) % 5));
    const upd = randn([2, 3, 4, 2], 72);
    await crossCheckOrt({ op: 'ScatterElements', inputs: [x, i64([2, 3, 4, 1], Array.from({ length: 24 }, (_, i) => i % 5)), randn([2, 3, 4, 1], 73)], attrs: { axis: 3 }, opset: 13 });
    await crossCheckOrt({ op: 'ScatterElements', inputs: [x, idx, upd], attrs: { axis: 3, reduction: 'add' }, opset: 16 });
    await crossCheckOrt({ op: 'ScatterND', inputs: [x, i64([2, 2], [0, 1, 1, 2]), randn([2, 4, 5], 74)], opset: 13 });
    await crossCheckOrt({ op: 'ScatterND', inputs: [x, i64([3, 2], [0, 1, 1, 2, 0, 1]), randn([3, 4, 5], 75)], attrs: { reduction: 'add' }, opset: 16 });
  });
  it.each([['constant'], ['reflect'], ['edge']])('Pad %s, attribute (opset 2) and input (opset 13) forms', async (mode) => {
    await crossCheckOrt({ op: 'Pad', inputs: [x], attrs: { mode, pads: [0, 0, 1, 2, 0, 0, 2, 1] }, opset: 2 });
    await crossCheckOrt({ op: 'Pad', inputs: [x, i64([8], [0, 1, 2, 1, 0, 0, 1, 3]), f([], [0.5])], attrs: { mode }, opset: 13 });
  });
  it('Pad with axes (opset 18) and wrap (opset 19)', async () => {
    await crossCheckOrt({ op: 'Pad', inputs: [x, i64([4], [1, 2, 3, 0]), undefined, i64([2], [-1, 2])], attrs: { mode: 'reflect' }, opset: 18 });
    await crossCheckOrt({ op: 'Pad', inputs: [x, i64([8], [0, 0, 2, 1, 0, 0, 1, 3])], attrs: { mode: 'wrap' }, opset: 19 });
  });
});
