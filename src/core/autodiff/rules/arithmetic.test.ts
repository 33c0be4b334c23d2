// Gradient checks of Add, Sub, Mul, Div and Pow (RELIABILITY.md protocol via test/gradcheck): numpy
// broadcasting with rank differences, size-1 dims, scalars, batch > 1, ReduceSum attr (opset < 13) and
// input (opset ≥ 13) forms.
import { awayFrom, gradCases, positive } from '../../../../test/gradcheck/index.ts';
import type { CaseInput, GradCase } from '../../../../test/gradcheck/index.ts';

const data = (name: string, shape: number[], prepare?: CaseInput['prepare']): CaseInput => ({ name, shape, kind: 'data', prepare });
const konst = (name: string, shape: number[], prepare?: CaseInput['prepare']): CaseInput => ({ name, shape, kind: 'const', prepare });
const awayFromZero = awayFrom([0], 0.4);

/** [a shape, b shape, label] pairs every binary op is checked on. */
const BROADCASTS: [number[], number[], string][] = [
  [[2, 3, 4], [2, 3, 4], 'same shape'],
  [[2, 3, 4], [4], 'rank difference (b is [4])'],
  [[3, 1], [2, 3, 4], 'a has size-1 dim and lower rank'],
  [[2, 3, 4], [], 'b scalar'],
  [[2, 1, 4], [1, 3, 1], 'both stretched'],
  [[3, 2, 3, 3], [1, 2, 1, 1], 'batch 3, per-channel b [1,C,1,1]'],
  [[1], [2, 3], 'a is [1]'],
];

function binaryCases(op: string, opsets: number[], bPrepare?: CaseInput['prepare'], aPrepare?: CaseInput['prepare']): GradCase[] {
  const out: GradCase[] = [];
  for (const opset of opsets) {
    for (const [as, bs, label] of BROADCASTS) {
      out.push({ name: `${op} ${label}, opset ${opset}`, op, opset, inputs: [data('a', as, aPrepare), data('b', bs, bPrepare)], wrt: ['a', 'b'] });
    }
  }
  // b as a constant initializer (bias-like), only a differentiated; and only b differentiated.
  out.push({ name: `${op} const b [C,1,1], wrt a only, opset 13`, op, opset: 13, inputs: [data('a', [2, 3, 2, 2], aPrepare), konst('b', [3, 1, 1], bPrepare)], wrt: ['a'] });
  out.push({ name: `${op} wrt const b only (weight gradient), opset 13`, op, opset: 13, inputs: [data('a', [2, 3, 2, 2], aPrepare), konst('b', [3, 1, 1], bPrepare)], wrt: ['b'] });
  return out;
}

gradCases('Add backward', binaryCases('Add', [9, 13]));
gradCases('Sub backward', binaryCases('Sub', [11, 14]));
gradCases('Mul backward', binaryCases('Mul', [7, 13]));
gradCases('Div backward', binaryCases('Div', [9, 13], awayFromZero));

const posA = (shape: number[]): CaseInput => data('a', shape, positive);
gradCases('Pow backward', [
  { name: 'Pow both data, same shape, opset 13', op: 'Pow', opset: 13, inputs: [posA([2, 3, 4]), data('b', [2, 3, 4])], wrt: ['a', 'b'] },
  { name: 'Pow exponent broadcast [4], opset 12', op: 'Pow', opset: 12, inputs: [posA([2, 3, 4]), data('b', [4])], wrt: ['a', 'b'] },
  { name: 'Pow base broadcast [3,1], batch 2, opset 15', op: 'Pow', opset: 15, inputs: [posA([3, 1]), data('b', [2, 3, 4])], wrt: ['a', 'b'] },
  { name: 'Pow scalar exponent, opset 9', op: 'Pow', opset: 9, inputs: [posA([2, 5]), data('b', [])], wrt: ['a', 'b'] },
  { name: 'Pow const exponent 2 on signed base (x²)', op: 'Pow', opset: 13, inputs: [data('a', [2, 3, 4]), { name: 'b', shape: [], kind: 'const', values: [2] }], wrt: ['a'] },
  { name: 'Pow const exponent 3 on signed base (tanh-GELU x³), batch 2', op: 'Pow', opset: 11, inputs: [data('a', [2, 4, 3]), { name: 'b', shape: [1], kind: 'const', values: [3] }], wrt: ['a'] },
  { name: 'Pow const exponent 0.5', op: 'Pow', opset: 13, inputs: [posA([3, 4]), { name: 'b', shape: [], kind: 'const', values: [0.5] }], wrt: ['a'] },
  { name: 'Pow const exponent 1', op: 'Pow', opset: 13, inputs: [data('a', [3, 4]), { name: 'b', shape: [], kind: 'const', values: [1] }], wrt: ['a'] },
  { name: 'Pow const exponent [1,1,1] raises rank', op: 'Pow', opset: 13, inputs: [posA([3, 4]), { name: 'b', shape: [1, 1, 1], kind: 'const', values: [-1.5] }], wrt: ['a'] },
  { name: 'Pow int64 exponent 2 (opset 13 mixed types)', op: 'Pow', opset: 13, inputs: [data('a', [2, 3]), { name: 'b', shape: [], kind: 'const', dtype: 'int64', values: [2] }], wrt: ['a'] },
  { name: 'Pow const exponent tensor (per-element)', op: 'Pow', opset: 13, inputs: [posA([2, 3]), konst('b', [3])], wrt: ['a'] },
]);
