// Gradient checks of Resize, Upsample and Pad.
import { gradCases } from '../../../../test/gradcheck/index.ts';
import type { GradCase } from '../../../../test/gradcheck/index.ts';

const d = (name: string, shape: number[]) => ({ name, shape, kind: 'data' as const });
const f = (name: string, values: number[]) => ({ name, shape: [values.length], kind: 'const' as const, values });
const i64 = (name: string, values: number[]) => ({ name, shape: [values.length], kind: 'const' as const, dtype: 'int64' as const, values });
const none = { name: '', shape: [], kind: 'const' as const };

const resize: GradCase[] = [
  { name: 'Resize nearest ×2 (asymmetric, floor) batch 2', op: 'Resize', opset: 13, attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, inputs: [d('x', [2, 2, 2, 3]), none, f('scales', [1, 1, 2, 2])], wrt: ['x'] },
  { name: 'Resize nearest half_pixel round_prefer_floor sizes', op: 'Resize', opset: 13, attrs: { mode: 'nearest' }, inputs: [d('x', [1, 1, 3, 4]), none, none, i64('sizes', [1, 1, 7, 5])], wrt: ['x'] },
  { name: 'Resize linear half_pixel ×2', op: 'Resize', opset: 13, attrs: { mode: 'linear' }, inputs: [d('x', [1, 2, 3, 3]), none, f('scales', [1, 1, 2, 2])], wrt: ['x'] },
  { name: 'Resize linear align_corners sizes (non-integer)', op: 'Resize', opset: 11, attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, inputs: [d('x', [1, 1, 4, 3]), f('roi', []), f('scales', []), i64('sizes', [1, 1, 6, 7])], wrt: ['x'] },
  { name: 'Resize linear pytorch_half_pixel downsample', op: 'Resize', opset: 13, attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, inputs: [d('x', [1, 1, 6, 5]), none, none, i64('sizes', [1, 1, 4, 1])], wrt: ['x'] },
  { name: 'Resize cubic half_pixel', op: 'Resize', opset: 13, attrs: { mode: 'cubic' }, inputs: [d('x', [1, 1, 4, 4]), none, f('scales', [1, 1, 1.5, 2])], wrt: ['x'] },
  { name: 'Resize cubic exclude_outside a=-0.5 asymmetric', op: 'Resize', opset: 13, attrs: { mode: 'cubic', exclude_outside: 1, cubic_coeff_a: -0.5, coordinate_transformation_mode: 'asymmetric' }, inputs: [d('x', [1, 1, 3, 5]), none, f('scales', [1, 1, 2, 0.8])], wrt: ['x'] },
  { name: 'Resize nearest opset 10 ×2', op: 'Resize', opset: 10, attrs: { mode: 'nearest' }, inputs: [d('x', [1, 2, 2, 2]), f('scales', [1, 1, 2, 2])], wrt: ['x'] },
  { name: 'Resize linear opset 10 ×1.5', op: 'Resize', opset: 10, attrs: { mode: 'linear' }, inputs: [d('x', [1, 1, 4, 4]), f('scales', [1, 1, 1.5, 1.5])], wrt: ['x'] },
  { name: 'Resize linear tf_crop_and_resize roi', op: 'Resize', opset: 13, attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { float: 0 } }, inputs: [d('x', [1, 1, 4, 5]), f('roi', [0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3]), none, i64('sizes', [1, 1, 5, 4])], wrt: ['x'] },
  { name: 'Resize nearest 3-D tensor, last axis only (opset 18 axes)', op: 'Resize', opset: 18, attrs: { mode: 'nearest', axes: [2], coordinate_transformation_mode: 'half_pixel' }, inputs: [d('x', [2, 3, 4]), none, f('scales', [1.75])], wrt: ['x'] },
];

const upsample: GradCase[] = [
  { name: 'Upsample nearest opset 9 ×2', op: 'Upsample', opset: 9, attrs: { mode: 'nearest' }, inputs: [d('x', [2, 1, 2, 3]), f('scales', [1, 1, 2, 2])], wrt: ['x'] },
  { name: 'Upsample linear opset 9 ×(2,3)', op: 'Upsample', opset: 9, attrs: { mode: 'linear' }, inputs: [d('x', [1, 1, 3, 2]), f('scales', [1, 1, 2, 3])], wrt: ['x'] },
  { name: 'Upsample nearest opset 7 attribute scales', op: 'Upsample', opset: 7, attrs: { mode: 'nearest', scales: { floats: [1, 1, 3, 2] } }, inputs: [d('x', [1, 2, 2, 2])], wrt: ['x'] },
];

const pad: GradCase[] = [
  { name: 'Pad constant opset 13, asymmetric', op: 'Pad', opset: 13, attrs: { mode: 'constant' }, inputs: [d('x', [2, 2, 3, 3]), i64('pads', [0, 0, 1, 2, 0, 0, 2, 0]), f('v', [0.5])], wrt: ['x'] },
  { name: 'Pad constant negative pads (crop)', op: 'Pad', opset: 11, inputs: [d('x', [1, 2, 4, 5]), i64('pads', [0, 0, -1, 2, 0, 0, 1, -2])], wrt: ['x'] },
  { name: 'Pad reflect opset 13', op: 'Pad', opset: 13, attrs: { mode: 'reflect' }, inputs: [d('x', [1, 2, 4, 4]), i64('pads', [0, 0, 2, 1, 0, 0, 1, 3])], wrt: ['x'] },
  { name: 'Pad edge opset 11', op: 'Pad', opset: 11, attrs: { mode: 'edge' }, inputs: [d('x', [2, 1, 3, 3]), i64('pads', [0, 0, 2, 0, 0, 0, 1, 3])], wrt: ['x'] },
  { name: 'Pad reflect opset 2 attribute pads', op: 'Pad', opset: 9, attrs: { mode: 'reflect', pads: [0, 0, 1, 1, 0, 0, 1, 1] }, inputs: [d('x', [1, 1, 3, 4])], wrt: ['x'] },
  { name: 'Pad constant opset 9 attribute pads 3-D', op: 'Pad', opset: 9, attrs: { pads: [0, 1, 2, 0, 2, 0] }, inputs: [d('x', [2, 3, 2])], wrt: ['x'] },
  { name: 'Pad edge opset 18 axes input', op: 'Pad', opset: 18, attrs: { mode: 'edge' }, inputs: [d('x', [1, 2, 3, 3]), i64('pads', [1, 2, 2, 0]), none, i64('axes', [2, -1])], wrt: ['x'] },
  { name: 'Pad wrap opset 19', op: 'Pad', opset: 19, attrs: { mode: 'wrap' }, inputs: [d('x', [1, 1, 3, 3]), i64('pads', [0, 0, 1, 2, 0, 0, 2, 1])], wrt: ['x'] },
];

gradCases('Resize backward', resize);
gradCases('Upsample backward', upsample);
gradCases('Pad backward', pad);
