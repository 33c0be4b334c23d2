// Gradient checks of the smooth elementwise ops: Neg Abs Reciprocal Sqrt Exp Log Erf Tanh Sigmoid
// Softplus Gelu (opset 20, approximate none/tanh). Batch > 1 throughout; inputs seeded N(0,1), moved off
// the kinks/poles (Abs at 0, Reciprocal at 0) and into the domain (Sqrt, Log: x > 0).
import { awayFrom, gradCases, positive } from '../../../../test/gradcheck/index.ts';
import type { CaseInput, GradCase } from '../../../../test/gradcheck/index.ts';

const x = (shape: number[], prepare?: CaseInput['prepare']): CaseInput => ({ name: 'x', shape, kind: 'data', prepare });

function unary(op: string, opsets: number[], prepare?: CaseInput['prepare'], attrs?: GradCase['attrs'], label = ''): GradCase[] {
  return opsets.flatMap((opset) => [
    { name: `${op}${label} [2,3,4], opset ${opset}`, op, opset, attrs, inputs: [x([2, 3, 4], prepare)], wrt: ['x'] },
    { name: `${op}${label} batch 3 NCHW [3,2,3,3], opset ${opset}`, op, opset, attrs, inputs: [x([3, 2, 3, 3], prepare)], wrt: ['x'] },
  ]);
}

gradCases('Neg backward', unary('Neg', [9, 13]));
gradCases('Abs backward', unary('Abs', [9, 13], awayFrom([0], 0.05)));
gradCases('Reciprocal backward', unary('Reciprocal', [9, 13], awayFrom([0], 0.4)));
gradCases('Sqrt backward', unary('Sqrt', [9, 13], positive));
gradCases('Exp backward', unary('Exp', [9, 13]));
gradCases('Log backward', unary('Log', [9, 13], positive));
gradCases('Erf backward', unary('Erf', [9, 13]));
gradCases('Tanh backward', unary('Tanh', [9, 13]));
gradCases('Sigmoid backward', unary('Sigmoid', [9, 13]));
gradCases('Softplus backward', unary('Softplus', [9, 13]));
gradCases('Gelu backward', [
  ...unary('Gelu', [20], undefined, undefined, ' (default approximate)'),
  ...unary('Gelu', [20], undefined, { approximate: 'none' }, ' approximate=none'),
  ...unary('Gelu', [20], (d) => d.forEach((v, i) => (d[i] = 2 * v)), { approximate: 'tanh' }, ' approximate=tanh'),
]);
