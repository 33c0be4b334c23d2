// Every rules-B backward rule, in each opset form it emits differently, compiled to a float32 graph and
// run in onnxruntime-web (wasm, in Node) and onnxruntime-node: the web session must load (every emitted
// op has a wasm kernel at the model's opset) and agree with node. Correctness itself is checked by the
// gradient checks beside this file; this pins the "both runtimes" requirement of the compiler.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../../onnx/codec.ts';
import { inferShapesByRunning } from '../../runtime/infer-shapes.ts';
import type { Session } from '../../runtime/backend.ts';
import type { Tensor } from '../../tensor.ts';
import { ortNodeBackend } from '../../../node/ort-node-backend.ts';
import { createOrtWebBackend } from '../../../web/ort-web-backend.ts';
import { compileBackward } from '../compiler.ts';
import { caseModel, caseValues } from '../../../../test/gradcheck/model.ts';
import { Rng, awayFrom, positive } from '../../../../test/gradcheck/index.ts';
import type { CaseInput, GradCase } from '../../../../test/gradcheck/index.ts';

const wasmFile = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
const web = createOrtWebBackend({ wasmPaths: `${pathToFileURL(dirname(wasmFile)).href}/` });

const x = (shape: number[], prepare?: CaseInput['prepare']): CaseInput => ({ name: 'x', shape, kind: 'data', prepare });
const d = (name: string, shape: number[], prepare?: CaseInput['prepare']): CaseInput => ({ name, shape, kind: 'data', prepare });
const ints = (name: string, values: number[], shape: number[] = [values.length]): CaseInput => ({ name, shape, kind: 'const', dtype: 'int64', values });
const fconst = (name: string, values: number[], shape: number[] = []): CaseInput => ({ name, shape, kind: 'const', values });
const off0 = awayFrom([0], 0.05);
const u = (op: string, opset: number, attrs?: GradCase['attrs'], prepare?: CaseInput['prepare'], ruleSet?: string): GradCase =>
  ({ name: `${ruleSet ?? 'standard'} ${op} opset ${opset}`, op, opset, attrs, inputs: [x([2, 3, 4], prepare)], wrt: ['x'], ruleSet });
const bin = (op: string, opset: number, prepare?: CaseInput['prepare']): GradCase =>
  ({ name: `${op} broadcast opset ${opset}`, op, opset, inputs: [d('a', [2, 3, 4]), d('b', [3, 1], prepare)], wrt: ['a', 'b'] });

const CASES: GradCase[] = [
  bin('Add', 9), bin('Add', 13), bin('Sub', 13), bin('Mul', 9), bin('Div', 13, awayFrom([0], 0.4)),
  { name: 'Pow opset 9 (==0 via Less/Greater)', op: 'Pow', opset: 9, inputs: [d('a', [2, 3], positive), d('b', [3])], wrt: ['a', 'b'] },
  { name: 'Pow opset 13', op: 'Pow', opset: 13, inputs: [d('a', [2, 3], positive), d('b', [3])], wrt: ['a', 'b'] },
  { name: 'Pow const exponent 3', op: 'Pow', opset: 13, inputs: [d('a', [2, 3]), fconst('b', [3])], wrt: ['a'] },
  u('Neg', 13), u('Abs', 13, undefined, off0), u('Reciprocal', 13, undefined, awayFrom([0], 0.4)), u('Sqrt', 13, undefined, positive),
  u('Exp', 13), u('Log', 13, undefined, positive), u('Erf', 13), u('Tanh', 13), u('Sigmoid', 13), u('Softplus', 13),
  u('Gelu', 20), u('Gelu', 20, { approximate: 'tanh' }), u('HardSigmoid', 9), u('HardSwish', 14),
  u('Relu', 8, undefined, off0), u('Relu', 14, undefined, off0), u('LeakyRelu', 16, undefined, off0), u('Elu', 9, undefined, off0), u('Selu', 9, undefined, off0),
  { name: 'PRelu', op: 'PRelu', opset: 16, inputs: [x([2, 3, 2], off0), d('slope', [3, 1])], wrt: ['x', 'slope'] },
  u('Clip', 9, { min: -0.5, max: 0.5 }),
  { name: 'Clip opset 13 inputs', op: 'Clip', opset: 13, inputs: [x([2, 3, 4]), fconst('lo', [0]), fconst('hi', [0.5])], wrt: ['x'] },
  { name: 'Clip opset 13 ReLU6 (strict mask from the output)', op: 'Clip', opset: 13, inputs: [x([2, 3, 4], (v) => v.forEach((e, i) => (v[i] = 4 * e))), fconst('lo', [0]), fconst('hi', [6])], wrt: ['x'] },
  u('Flatten', 13), { name: 'Reshape', op: 'Reshape', opset: 13, inputs: [x([2, 3, 4]), ints('s', [4, 6])], wrt: ['x'] },
  u('Transpose', 13, { perm: [1, 2, 0] }), u('Identity', 13), u('Dropout', 13),
  { name: 'Squeeze 11', op: 'Squeeze', opset: 11, attrs: { axes: [1] }, inputs: [x([2, 1, 3])], wrt: ['x'] },
  { name: 'Unsqueeze 13', op: 'Unsqueeze', opset: 13, inputs: [x([2, 3]), ints('axes', [1])], wrt: ['x'] },
  { name: 'Unsqueeze of a scalar (back via Squeeze)', op: 'Unsqueeze', opset: 13, inputs: [x([]), ints('axes', [0])], wrt: ['x'] },
  { name: 'Add with a scalar and a [1,3,1] operand', op: 'Add', opset: 13, inputs: [d('a', [1, 3, 1]), d('b', [])], wrt: ['a', 'b'] },
  { name: 'Concat 9 (Slice attrs)', op: 'Concat', opset: 9, attrs: { axis: 1 }, inputs: [d('a', [2, 1]), d('b', [2, 3])], wrt: ['a', 'b'] },
  { name: 'Concat 13', op: 'Concat', opset: 13, attrs: { axis: 1 }, inputs: [d('a', [2, 1]), d('b', [2, 3])], wrt: ['a', 'b'] },
  { name: 'Split 13 (zeros for an unseeded output)', op: 'Split', opset: 13, attrs: { axis: 1 }, outputs: 2, seedOutputs: [1], inputs: [x([2, 4])], wrt: ['x'] },
  { name: 'Slice 9 (Pad attrs)', op: 'Slice', opset: 9, attrs: { starts: [1], ends: [3], axes: [1] }, inputs: [x([2, 4])], wrt: ['x'] },
  { name: 'Slice 10 step 2 (Pad input)', op: 'Slice', opset: 10, inputs: [x([2, 7]), ints('s', [1]), ints('e', [7]), ints('a', [1]), ints('p', [2])], wrt: ['x'] },
  { name: 'Slice 13 step -2', op: 'Slice', opset: 13, inputs: [x([2, 7]), ints('s', [6]), ints('e', [0]), ints('a', [1]), ints('p', [-2])], wrt: ['x'] },
  { name: 'Gather 11 (one-hot MatMul)', op: 'Gather', opset: 11, inputs: [x([5, 3]), ints('i', [2, -1, 2])], wrt: ['x'] },
  { name: 'Gather 16 (ScatterElements add)', op: 'Gather', opset: 16, inputs: [x([5, 3]), ints('i', [2, -1, 2])], wrt: ['x'] },
  { name: 'Expand', op: 'Expand', opset: 13, inputs: [x([3, 1]), ints('s', [2, 3, 4])], wrt: ['x'] },
  { name: 'Tile', op: 'Tile', opset: 13, inputs: [x([2, 3]), ints('r', [2, 2])], wrt: ['x'] },
  { name: 'DepthToSpace CRD', op: 'DepthToSpace', opset: 13, attrs: { blocksize: 2, mode: 'CRD' }, inputs: [x([1, 4, 2, 2])], wrt: ['x'] },
  { name: 'SpaceToDepth', op: 'SpaceToDepth', opset: 13, attrs: { blocksize: 2 }, inputs: [x([1, 1, 4, 4])], wrt: ['x'] },
  u('Relu', 14, undefined, off0, 'guided'), u('Clip', 9, { min: { float: 0 }, max: { float: 6 } }, undefined, 'guided'),
  u('Relu', 14, undefined, off0, 'deconvnet'), u('Clip', 9, { min: { float: 0 }, max: { float: 6 } }, undefined, 'deconvnet'),
];

const sessions: Session[] = [];
afterAll(async () => { await Promise.all(sessions.map((s) => s.release())); });

describe('rules-B backward graphs run in onnxruntime-web (wasm) like in onnxruntime-node', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const values = caseValues(c, new Rng(99));
      const model = caseModel(c, values, 'float32');
      const feeds: Record<string, Tensor> = {};
      for (const i of c.inputs) if (i.kind === 'data') feeds[i.name] = { dtype: 'float32', dims: i.shape, data: Float32Array.from(values.floats.get(i.name)!) };
      const infos = await inferShapesByRunning(ortNodeBackend, model, { feeds });
      const shapes = new Map([...infos].map(([k, v]) => [k, [...v.dims]]));
      const seeds = (c.seedOutputs ?? [0]).map((i) => `y${i}`);
      const compiled = compileBackward(model, { shapes, seeds, wrt: c.wrt, ruleSet: c.ruleSet });
      const rng = new Rng(7);
      for (const s of seeds) {
        const dims = shapes.get(s)!;
        feeds[compiled.gradInputs[s]!] = { dtype: 'float32', dims, data: Float32Array.from(rng.normals(dims.reduce((a, b) => a * b, 1))) };
      }
      const bytes = encodeModel(compiled.model);
      const [sw, sn] = [await web.createSession(bytes, { source: c.name }), await ortNodeBackend.createSession(bytes)];
      sessions.push(sw, sn);
      const outs = c.wrt.map((w) => compiled.gradOutputs[w]!);
      const [rw, rn] = [await sw.run(feeds, outs), await sn.run(feeds, outs)];
      for (const o of outs) {
        const a = rw[o]!.data as Float32Array, b = rn[o]!.data as Float32Array;
        expect(rw[o]!.dims).toEqual(rn[o]!.dims);
        for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!), `${o}[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[i]!)));
      }
    });
  }
});
