// Unit checks of the broadcast-axes computation behind every broadcasting rule (the emitted graphs are
// gradient-checked in arithmetic.test.ts); and of the Slice normalization against brute force.
import { describe, expect, it } from 'vitest';
import { broadcastAxes } from './unbroadcast.ts';
import { normalizeSlice } from '../slice.ts';

describe('broadcastAxes', () => {
  it.each([
    [[2, 3, 4], [2, 3, 4], [], []],
    [[2, 3, 4], [4], [0, 1], []],
    [[2, 3, 4], [3, 1], [0], [2]],
    [[2, 3, 4], [], [0, 1, 2], []],
    [[2, 3, 4], [1, 3, 1], [], [0, 2]],
    [[1, 1], [1], [0], []],
    [[5, 1, 3], [1, 1, 3], [], [0]],
  ])('from %j to %j', (from, target, lead, stretched) => {
    expect(broadcastAxes(from, target)).toEqual({ lead, stretched });
  });
  it('rejects shapes that do not broadcast', () => {
    expect(() => broadcastAxes([2, 3], [4])).toThrow(/does not broadcast/);
    expect(() => broadcastAxes([3], [2, 3])).toThrow(/exceeds/);
  });
});

describe('normalizeSlice matches brute-force index enumeration', () => {
  /**
   * Slicing of range(dim) by enumeration, with the ONNX spec's clamping (start to [0, dim−1] for negative
   * steps — unlike Python, where x[-100::-1] is empty, ONNX and onnxruntime take element 0).
   */
  function brute(start: number, end: number, step: number, dim: number): number[] {
    const idx: number[] = [];
    let s = start < 0 ? start + dim : start;
    let e = end < 0 ? end + dim : end;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), dim); e = Math.min(Math.max(e, 0), dim);
      for (let i = s; i < e; i += step) idx.push(i);
    } else {
      s = Math.min(Math.max(s, 0), dim - 1); e = Math.min(Math.max(e, -1), dim - 1);
      for (let i = s; i > e; i += step) idx.push(i);
    }
    return idx;
  }
  it('over every start/end in [-9, 9] plus ±2^62, steps ±1..3, dims 0..5', () => {
    const bounds = [-(2 ** 62), ...Array.from({ length: 19 }, (_, i) => i - 9), 2 ** 62];
    for (const dim of [0, 1, 2, 5]) for (const step of [-3, -2, -1, 1, 2, 3]) for (const st of bounds) for (const en of bounds) {
      const want = brute(st, en, step, dim);
      const got = normalizeSlice(st, en, step, dim);
      expect(got.count, `dim ${dim} [${st}:${en}:${step}]`).toBe(want.length);
      if (want.length > 0) expect(got.start, `dim ${dim} [${st}:${en}:${step}]`).toBe(want[0]);
    }
  });
});
