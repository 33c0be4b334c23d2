/**
 * Resize / Upsample of the reference evaluator: hand-checked nearest modes and coordinate transforms,
 * and onnxruntime cross-checks over every mode × transform, scales and sizes, opsets 10/11/13/18/19.
 */
import { describe, expect, it } from 'vitest';
import type { AttrValue } from '../../../src/core/onnx/build.ts';
import type { RefTensor } from '../evaluator.ts';
import { crossCheckOrt, expectClose, f, i64, randn, runOrt, runRef, singleNodeModel, vals } from '../testing.ts';

const none = undefined;

describe('Resize: hand-checked values', () => {
  const x = f([1, 1, 1, 2], [1, 2]);
  const up2 = f([4], [1, 1, 1, 2]);
  it('nearest, asymmetric, round_prefer_floor repeats each pixel', () => {
    const y = runRef({ op: 'Resize', inputs: [x, none, up2], attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric' }, opset: 13 })[0]!;
    expectClose(y, { dims: [1, 1, 1, 4], data: [1, 1, 2, 2] });
  });
  it('nearest modes differ on exact halves', () => {
    // half_pixel, scale 2 on length 2 → x_orig = -0.25, 0.25, 0.75, 1.25; with scale 4/3 on length 3 we hit exact .5
    const x3 = f([1, 1, 1, 3], [10, 20, 30]);
    const sizes = i64([4], [1, 1, 1, 2]);
    // downsample 3 → 2 with asymmetric: x_orig = o · 1.5 → 0, 1.5
    const run = (nearest_mode: string) => vals(runRef({
      op: 'Resize', inputs: [x3, none, none, sizes], attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode }, opset: 13,
    })[0]!);
    expect(run('round_prefer_floor')).toEqual([10, 20]);
    expect(run('round_prefer_ceil')).toEqual([10, 30]);
    expect(run('floor')).toEqual([10, 20]);
    expect(run('ceil')).toEqual([10, 30]);
  });
  it('linear half_pixel clamps at the borders', () => {
    const y = runRef({ op: 'Resize', inputs: [x, none, up2], attrs: { mode: 'linear' }, opset: 13 })[0]!;
    expectClose(y, [1, 1.25, 1.75, 2]);
  });
  it('linear align_corners and pytorch_half_pixel with sizes', () => {
    const sizes = i64([4], [1, 1, 1, 4]);
    expectClose(runRef({ op: 'Resize', inputs: [x, none, none, sizes], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, opset: 13 })[0]!, [1, 4 / 3, 5 / 3, 2], { rtol: 1e-15 });
    const one = runRef({ op: 'Resize', inputs: [f([1, 1, 1, 3], [1, 2, 4]), none, none, i64([4], [1, 1, 1, 1])], attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, opset: 13 })[0]!;
    expectClose(one, [1]); // length 1 output samples x_orig = 0
  });
  it('cubic reproduces a linear ramp away from the borders', () => {
    const ramp = f([1, 1, 1, 8], [0, 1, 2, 3, 4, 5, 6, 7]);
    const y = runRef({ op: 'Resize', inputs: [ramp, none, up2], attrs: { mode: 'cubic', coordinate_transformation_mode: 'asymmetric' }, opset: 13 })[0]!;
    // x_orig = o / 2; interior samples are exact for a cubic with A = -0.75 (it reproduces linear functions)
    for (let o = 2; o < 12; o++) expect(y.data[o]).toBeCloseTo(o / 2, 12);
  });
  it('tf_crop_and_resize samples the roi and extrapolates outside', () => {
    const x4 = f([1, 1, 1, 4], [0, 10, 20, 30]);
    const y = runRef({
      op: 'Resize', inputs: [x4, f([8], [0, 0, 0, 0.5, 1, 1, 1, 1.5]), none, i64([4], [1, 1, 1, 3])],
      attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { float: -1 } }, opset: 13,
    })[0]!;
    // x_orig = 0.5·3 + o·(1.0·3)/2 = 1.5, 3, 4.5 → 15, 30, outside
    expectClose(y, [15, 30, -1]);
  });
  it('axes and keep_aspect_ratio_policy (opset 18)', () => {
    const x4 = randn([1, 1, 4, 6], 1);
    const y = runRef({ op: 'Resize', inputs: [x4, none, none, i64([2], [2, 2])], attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, opset: 18 })[0]!;
    expect(y.dims).toEqual([1, 1, 1, 2]); // scale = min(2/4, 2/6) = 1/3 → round(4/3)=1, round(6/3)=2
    const z = runRef({ op: 'Resize', inputs: [x4, none, none, i64([2], [2, 2])], attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller' }, opset: 18 })[0]!;
    expect(z.dims).toEqual([1, 1, 2, 3]);
  });
  it('Upsample (opset 9 input, opset 7 attribute) and Resize-10 are asymmetric; nearest floors when upsampling', () => {
    const s = f([4], [1, 1, 1, 2]);
    expectClose(runRef({ op: 'Upsample', inputs: [x, s], opset: 9 })[0]!, [1, 1, 2, 2]);
    expectClose(runRef({ op: 'Upsample', inputs: [x], attrs: { scales: { floats: [1, 1, 1, 2] } }, opset: 7 })[0]!, [1, 1, 2, 2]);
    expectClose(runRef({ op: 'Upsample', inputs: [x, s], attrs: { mode: 'linear' }, opset: 9 })[0]!, [1, 1.5, 2, 2]);
    expectClose(runRef({ op: 'Resize', inputs: [x, s], attrs: { mode: 'linear' }, opset: 10 })[0]!, [1, 1.5, 2, 2]);
  });
});

describe('Resize vs onnxruntime (float32)', () => {
  const x = randn([1, 2, 4, 5], 121);
  const scaleSets: [string, number[]][] = [['x2', [1, 1, 2, 2]], ['x1.5/x1.7', [1, 1, 1.5, 1.7]], ['x0.6/x0.5', [1, 1, 0.6, 0.5]]];
  const coords = ['half_pixel', 'align_corners', 'asymmetric', 'pytorch_half_pixel'];
  const modes: [string, Record<string, AttrValue>][] = [
    ['nearest round_prefer_floor', { mode: 'nearest', nearest_mode: 'round_prefer_floor' }],
    ['nearest round_prefer_ceil', { mode: 'nearest', nearest_mode: 'round_prefer_ceil' }],
    ['nearest floor', { mode: 'nearest', nearest_mode: 'floor' }],
    ['nearest ceil', { mode: 'nearest', nearest_mode: 'ceil' }],
    ['linear', { mode: 'linear' }],
    ['cubic', { mode: 'cubic' }],
    ['cubic a=-0.5 exclude_outside', { mode: 'cubic', cubic_coeff_a: { float: -0.5 }, exclude_outside: 1 }],
  ];
  const cases = modes.flatMap(([m, attrs]) => coords.map((c) => [m, c, attrs] as const));
  it.each(cases)('%s, %s, scales and sizes (opset 13)', async (_m, coordinate_transformation_mode, attrs) => {
    for (const [, scales] of scaleSets) {
      await crossCheckOrt({ op: 'Resize', inputs: [x, none, f([4], scales)], attrs: { ...attrs, coordinate_transformation_mode }, opset: 13, constInputs: [2] });
    }
    await crossCheckOrt({ op: 'Resize', inputs: [x, none, none, i64([4], [1, 2, 7, 3])], attrs: { ...attrs, coordinate_transformation_mode }, opset: 13, constInputs: [3] });
  });
  it('opset 11 form (roi and scales inputs present, empty)', async () => {
    await crossCheckOrt({ op: 'Resize', inputs: [x, f([0], []), f([4], [1, 1, 2, 1.5])], attrs: { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, opset: 11, constInputs: [1, 2] });
    await crossCheckOrt({ op: 'Resize', inputs: [x, f([0], []), f([0], []), i64([4], [1, 2, 3, 9])], attrs: { mode: 'nearest' }, opset: 11, constInputs: [1, 2, 3] });
    await crossCheckOrt({ op: 'Resize', inputs: [x, f([0], []), f([4], [1, 1, 2, 1.5])], attrs: { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, opset: 11, constInputs: [1, 2] });
  });
  it('opset 10 (asymmetric, legacy nearest) for upsampling and downsampling', async () => {
    for (const scales of [[1, 1, 2, 3], [1, 1, 0.5, 0.6]]) {
      await crossCheckOrt({ op: 'Resize', inputs: [x, f([4], scales)], attrs: { mode: 'nearest' }, opset: 10, constInputs: [1] });
      await crossCheckOrt({ op: 'Resize', inputs: [x, f([4], scales)], attrs: { mode: 'linear' }, opset: 10, constInputs: [1] });
    }
  });
  it('tf_crop_and_resize with roi and extrapolation (linear and nearest)', async () => {
    const roi = f([8], [0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3]);
    for (const mode of ['linear', 'nearest']) {
      await crossCheckOrt({
        op: 'Resize', inputs: [x, roi, none, i64([4], [1, 2, 5, 6])],
        attrs: { mode, coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { float: 0.5 } }, opset: 13, constInputs: [1, 3],
      });
    }
  });
  it('opset 18 axes / keep_aspect_ratio_policy and opset 19 half_pixel_symmetric', async () => {
    await crossCheckOrt({ op: 'Resize', inputs: [x, none, none, i64([2], [6, 6])], attrs: { mode: 'linear', axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, opset: 18, constInputs: [3] });
    await crossCheckOrt({ op: 'Resize', inputs: [x, none, f([2], [1.5, 0.7])], attrs: { mode: 'linear', axes: [-2, -1] }, opset: 18, constInputs: [2] });
    for (const mode of ['linear', 'nearest', 'cubic']) {
      await crossCheckOrt({ op: 'Resize', inputs: [x, none, f([4], [1, 1, 1.5, 1.7])], attrs: { mode, coordinate_transformation_mode: 'half_pixel_symmetric' }, opset: 19, constInputs: [2] });
    }
  });
  it('linear on a 5-D tensor (3 spatial dims) with scales', async () => {
    await crossCheckOrt({ op: 'Resize', inputs: [randn([1, 2, 3, 4, 3], 122), none, f([5], [1, 1, 2, 1.5, 2])], attrs: { mode: 'linear' }, opset: 13, constInputs: [2] });
  });
  it('linear on a 3-D tensor (1 spatial dim) equals ORT on the same data as [N, C, 1, W]', async () => {
    const x3 = randn([2, 3, 5], 123);
    for (const coordinate_transformation_mode of coords) {
      const attrs = { mode: 'linear', coordinate_transformation_mode };
      const ours = runRef({ op: 'Resize', inputs: [x3, none, f([3], [1, 1, 1.6])], attrs, opset: 13 })[0]!;
      const x4: RefTensor = { dims: [2, 3, 1, 5], data: x3.data };
      const c = { op: 'Resize', inputs: [x4, none, f([4], [1, 1, 1, 1.6])], attrs, opset: 13, constInputs: [2] };
      const { model, feeds } = singleNodeModel(c, [ours]);
      const got = (await runOrt(model, feeds, ['y0'])).y0!;
      expect(got.dims).toEqual([2, 3, 1, 8]);
      expectClose({ dims: ours.dims, data: got.data as Float32Array }, ours, { rtol: 1e-4, atol: 1e-5 }, coordinate_transformation_mode);
    }
  });
  it('Upsample opset 9 and 7, nearest and linear', async () => {
    for (const mode of ['nearest', 'linear']) {
      await crossCheckOrt({ op: 'Upsample', inputs: [x, f([4], [1, 1, 2, 3])], attrs: { mode }, opset: 9, constInputs: [1] });
      await crossCheckOrt({ op: 'Upsample', inputs: [x], attrs: { mode, scales: { floats: [1, 1, 2, 2] } }, opset: 7 });
    }
  });
});
