// Gradient checks of the ReLU-like and piecewise activations: Relu LeakyRelu PRelu Elu Selu HardSigmoid
// HardSwish Clip (ReLU6; attribute bounds ≤ opset 10, optional inputs ≥ 11). Inputs seeded N(0,1) and
// pushed ≥ 0.05 (≫ 10·h) away from every kink; scaled where the interesting region is wider than N(0,1).
import { awayFrom, gradCases } from '../../../../test/gradcheck/index.ts';
import type { CaseInput, GradCase } from '../../../../test/gradcheck/index.ts';

const x = (shape: number[], prepare?: CaseInput['prepare']): CaseInput => ({ name: 'x', shape, kind: 'data', prepare });
const scaled = (k: number, kinks: number[]) => (d: Float64Array): void => {
  for (let i = 0; i < d.length; i++) d[i] = d[i]! * k;
  awayFrom(kinks, 0.05)(d);
};
const offZero = awayFrom([0], 0.05);

function unary(op: string, opsets: number[], prepare: CaseInput['prepare'], attrs?: GradCase['attrs'], label = ''): GradCase[] {
  return opsets.flatMap((opset) => [
    { name: `${op}${label} [2,3,4], opset ${opset}`, op, opset, attrs, inputs: [x([2, 3, 4], prepare)], wrt: ['x'] },
    { name: `${op}${label} batch 3 NCHW [3,2,3,3], opset ${opset}`, op, opset, attrs, inputs: [x([3, 2, 3, 3], prepare)], wrt: ['x'] },
  ]);
}

gradCases('Relu backward', unary('Relu', [8, 9, 14], offZero));
gradCases('LeakyRelu backward', [...unary('LeakyRelu', [9, 16], offZero), ...unary('LeakyRelu', [16], offZero, { alpha: 0.2 }, ' alpha=0.2')]);
gradCases('Elu backward', [...unary('Elu', [9], offZero), ...unary('Elu', [9], offZero, { alpha: 0.7 }, ' alpha=0.7')]);
gradCases('Selu backward', [...unary('Selu', [9], offZero), ...unary('Selu', [9], offZero, { alpha: 1.5, gamma: 1.2 }, ' alpha=1.5 gamma=1.2')]);
gradCases('HardSigmoid backward', [
  ...unary('HardSigmoid', [9], scaled(3, [-2.5, 2.5])),
  ...unary('HardSigmoid', [9], scaled(4, [-3, 3]), { alpha: 1 / 6, beta: 0.5 }, ' alpha=1/6 (PyTorch)'),
]);
gradCases('HardSwish backward', unary('HardSwish', [14], scaled(3, [-3, 3])));

const slope = (shape: number[]): CaseInput => ({ name: 'slope', shape, kind: 'const' });
gradCases('PRelu backward', [
  { name: 'PRelu per-channel slope [C,1,1], batch 2', op: 'PRelu', opset: 9, inputs: [x([2, 3, 2, 2], offZero), slope([3, 1, 1])], wrt: ['x', 'slope'] },
  { name: 'PRelu single slope [1], opset 16', op: 'PRelu', opset: 16, inputs: [x([2, 3, 4], offZero), slope([1])], wrt: ['x', 'slope'] },
  { name: 'PRelu slope over last axis [4], batch 3', op: 'PRelu', opset: 9, inputs: [x([3, 2, 4], offZero), slope([4])], wrt: ['x', 'slope'] },
  { name: 'PRelu full-shape slope', op: 'PRelu', opset: 9, inputs: [x([2, 3], offZero), slope([2, 3])], wrt: ['x', 'slope'] },
  { name: 'PRelu slope as graph input [C,1,1], batch 2', op: 'PRelu', opset: 9, inputs: [x([2, 3, 2, 2], offZero), { name: 'slope', shape: [3, 1, 1], kind: 'data' }], wrt: ['x', 'slope'] },
]);

const relu6 = scaled(4, [0, 6]);
const bound = (name: string, v: number): CaseInput => ({ name, shape: [], kind: 'const', values: [v] });
gradCases('Clip backward', [
  { name: 'Clip ReLU6 attrs, opset 8 (no Where yet)', op: 'Clip', opset: 8, attrs: { min: { float: 0 }, max: { float: 6 } }, inputs: [x([2, 3, 4], relu6)], wrt: ['x'] },
  { name: 'Clip attrs min -0.5 max 0.5, batch 3, opset 9', op: 'Clip', opset: 9, attrs: { min: -0.5, max: 0.5 }, inputs: [x([3, 2, 3, 3], awayFrom([-0.5, 0.5], 0.05))], wrt: ['x'] },
  { name: 'Clip attr max only, opset 9', op: 'Clip', opset: 9, attrs: { max: 0.3 }, inputs: [x([2, 3, 4], awayFrom([0.3], 0.05))], wrt: ['x'] },
  { name: 'Clip ReLU6 inputs, batch 2 NCHW, opset 11', op: 'Clip', opset: 11, inputs: [x([2, 3, 2, 2], relu6), bound('lo', 0), bound('hi', 6)], wrt: ['x'] },
  { name: 'Clip ReLU6 inputs, opset 13', op: 'Clip', opset: 13, inputs: [x([2, 3, 4], relu6), bound('lo', 0), bound('hi', 6)], wrt: ['x'] },
  { name: 'Clip min input only, opset 13', op: 'Clip', opset: 13, inputs: [x([2, 3, 4], awayFrom([-0.2], 0.05)), bound('lo', -0.2)], wrt: ['x'] },
  { name: 'Clip max input only (min omitted), opset 13', op: 'Clip', opset: 13, inputs: [x([2, 3, 4], awayFrom([0.4], 0.05)), { name: '', shape: [], kind: 'const' }, bound('hi', 0.4)], wrt: ['x'] },
  { name: 'Clip ReLU6 bounds as graph inputs, opset 13', op: 'Clip', opset: 13, inputs: [x([2, 3, 4], relu6), { name: 'lo', shape: [], kind: 'data', values: [0] }, { name: 'hi', shape: [], kind: 'data', values: [6] }], wrt: ['x'] },
  { name: 'Clip no bounds, opset 12', op: 'Clip', opset: 12, inputs: [x([2, 3])], wrt: ['x'] },
  { name: 'Clip min > max (output ≡ max, zero gradient), opset 13', op: 'Clip', opset: 13, inputs: [x([2, 3, 4], awayFrom([-0.5, 0.5], 0.05)), bound('lo', 0.5), bound('hi', -0.5)], wrt: ['x'] },
]);
