// The guided and deconvnet overrides against their defining formulas, computed here in plain JS
// (these rule sets are not gradients, so finite differences do not apply): guided R = f'(x)·max(g, 0)
// for every ReLU-like op, deconvnet R = max(g, 0) for Relu and Clip, and a two-layer chain showing that
// the rectification happens at every ReLU (not only at the last). Each graph runs in the float64
// reference evaluator and in onnxruntime-node float32. (Float attributes are float32 in ONNX: α = fround(α).)
import { describe, expect, it } from 'vitest';
import { makeNode, makeTensor, makeValueInfo } from '../../../onnx/build.ts';
import type { AttrValue } from '../../../onnx/build.ts';
import { DataType } from '../../../onnx/proto-types.ts';
import type { ModelProto, NodeProto, TensorProto } from '../../../onnx/proto-types.ts';
import { compileBackward } from '../../compiler.ts';
import { ortEngine, referenceEngine } from '../../../../../test/gradcheck/engines.ts';
import type { Engine } from '../../../../../test/gradcheck/engines.ts';
import { Rng, awayFrom } from '../../../../../test/gradcheck/index.ts';
import { SELU_ALPHA, SELU_GAMMA } from '../selu.ts';

type FT = 'float32' | 'float64';
const relu = (v: number): number => (v > 0 ? v : 0);

interface Case {
  name: string;
  ruleSet: 'guided' | 'deconvnet' | 'standard';
  opset: number;
  nodes: (ft: FT) => NodeProto[];
  inits?: (ft: FT) => TensorProto[];
  /** Data inputs (x first) with shapes. */
  inputs: [string, number[]][];
  shapes: Record<string, number[]>;
  prepare?: (d: Float64Array) => void;
  /** Expected gradients from the input values and the upstream gradient u. */
  expected: (x: Float64Array, u: Float64Array) => Record<string, Float64Array>;
  wrt?: string[];
}

function build(c: Case, ft: FT): ModelProto {
  const dt = ft === 'float32' ? DataType.FLOAT : DataType.DOUBLE;
  return {
    irVersion: 8, opsetImport: [{ domain: '', version: c.opset }],
    graph: { name: c.name, node: c.nodes(ft), initializer: c.inits?.(ft) ?? [], input: c.inputs.map(([n, s]) => makeValueInfo(n, dt, s)), output: [makeValueInfo('y', dt)] },
  };
}

async function run(c: Case, engine: Engine, ft: FT, x: Float64Array, u: Float64Array): Promise<Record<string, Float64Array>> {
  const wrt = c.wrt ?? ['x'];
  const compiled = compileBackward(build(c, ft), { shapes: c.shapes, seeds: ['y'], wrt, ruleSet: c.ruleSet });
  const res = await engine.run(compiled.model, { x: { dims: c.shapes.x!, data: x }, [compiled.gradInputs.y!]: { dims: c.shapes.y!, data: u } }, wrt.map((w) => compiled.gradOutputs[w]!));
  return Object.fromEntries(wrt.map((w) => [w, res[compiled.gradOutputs[w]!]!.data]));
}

function unaryCase(name: string, ruleSet: Case['ruleSet'], op: string, opset: number, localGuided: (x: number, g: number) => number,
  opts: { attrs?: Record<string, AttrValue>; extraInputs?: string[]; inits?: Case['inits']; prepare?: Case['prepare'] } = {}): Case {
  const shape = [2, 3, 2, 2];
  return {
    name, ruleSet, opset,
    nodes: () => [makeNode(op, ['x', ...(opts.extraInputs ?? [])], ['y'], opts.attrs ?? {})],
    inits: opts.inits, inputs: [['x', shape]], shapes: { x: shape, y: shape }, prepare: opts.prepare,
    expected: (x, u) => ({ x: Float64Array.from(x, (xi, i) => localGuided(xi, u[i]!)) }),
  };
}

const off0 = awayFrom([0], 0.05);
const scaled = (k: number, kinks: number[]) => (d: Float64Array): void => {
  for (let i = 0; i < d.length; i++) d[i] = d[i]! * k;
  awayFrom(kinks, 0.05)(d);
};
const hsPrime = (x: number): number => (x < -3 ? 0 : x <= 3 ? x / 3 + 0.5 : 1);

const CASES: Case[] = [
  unaryCase('guided Relu: g where x > 0 and g > 0', 'guided', 'Relu', 14, (x, g) => (x > 0 ? relu(g) : 0), { prepare: off0 }),
  unaryCase('guided Relu, opset 8 (no Where)', 'guided', 'Relu', 8, (x, g) => (x > 0 ? relu(g) : 0), { prepare: off0 }),
  unaryCase('guided LeakyRelu α = 0.1', 'guided', 'LeakyRelu', 16, (x, g) => relu(g) * (x > 0 ? 1 : Math.fround(0.1)), { attrs: { alpha: 0.1 }, prepare: off0 }),
  unaryCase('guided Elu α = 0.8', 'guided', 'Elu', 9, (x, g) => relu(g) * (x > 0 ? 1 : Math.fround(0.8) * Math.exp(x)), { attrs: { alpha: 0.8 }, prepare: off0 }),
  unaryCase('guided Selu', 'guided', 'Selu', 9, (x, g) => relu(g) * SELU_GAMMA * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)), { prepare: off0 }),
  unaryCase('guided Clip ReLU6 (inputs, opset 13)', 'guided', 'Clip', 13, (x, g) => (x >= 0 && x <= 6 ? relu(g) : 0), {
    extraInputs: ['lo', 'hi'], inits: (ft) => [makeTensor('lo', [], [0], ft), makeTensor('hi', [], [6], ft)], prepare: scaled(4, [0, 6]),
  }),
  unaryCase('guided Clip ReLU6 (attrs, opset 9)', 'guided', 'Clip', 9, (x, g) => (x >= 0 && x <= 6 ? relu(g) : 0), { attrs: { min: { float: 0 }, max: { float: 6 } }, prepare: scaled(4, [0, 6]) }),
  unaryCase('guided HardSwish', 'guided', 'HardSwish', 14, (x, g) => relu(g) * hsPrime(x), { prepare: scaled(3, [-3, 3]) }),
  unaryCase('guided Sigmoid is not overridden (standard)', 'guided', 'Sigmoid', 13, (x, g) => { const s = 1 / (1 + Math.exp(-x)); return g * s * (1 - s); }),
  unaryCase('deconvnet Relu: max(g, 0) regardless of x', 'deconvnet', 'Relu', 14, (_x, g) => relu(g), { prepare: off0 }),
  unaryCase('deconvnet Clip ReLU6: max(g, 0) regardless of x', 'deconvnet', 'Clip', 11, (_x, g) => relu(g), {
    extraInputs: ['lo', 'hi'], inits: (ft) => [makeTensor('lo', [], [0], ft), makeTensor('hi', [], [6], ft)], prepare: scaled(4, [0, 6]),
  }),
  unaryCase('deconvnet LeakyRelu keeps the standard rule', 'deconvnet', 'LeakyRelu', 16, (x, g) => g * (x > 0 ? 1 : 0.01), { prepare: off0 }),
  unaryCase('standard Relu is untouched by the overrides', 'standard', 'Relu', 14, (x, g) => (x > 0 ? g : 0), { prepare: off0 }),
  {
    name: 'guided PRelu: data and per-channel slope see max(g, 0)', ruleSet: 'guided', opset: 9,
    nodes: () => [makeNode('PRelu', ['x', 'slope'], ['y'])],
    inits: (ft) => [makeTensor('slope', [3, 1, 1], [0.1, -0.3, 0.5], ft)],
    inputs: [['x', [2, 3, 2, 2]]], shapes: { x: [2, 3, 2, 2], slope: [3, 1, 1], y: [2, 3, 2, 2] }, prepare: off0, wrt: ['x', 'slope'],
    expected: (x, u) => {
      const slope = [0.1, -0.3, 0.5];
      const gs = new Float64Array(3);
      const gx = Float64Array.from(x, (xi, i) => {
        const c = Math.floor(i / 4) % 3;
        if (xi <= 0) gs[c] += relu(u[i]!) * xi;
        return relu(u[i]!) * (xi > 0 ? 1 : slope[c]!);
      });
      return { x: gx, slope: gs };
    },
  },
  {
    name: 'guided two-layer chain x → Relu → ·w → Relu: rectified at both ReLUs', ruleSet: 'guided', opset: 13,
    nodes: () => [makeNode('Relu', ['x'], ['h1']), makeNode('Mul', ['h1', 'w'], ['h2']), makeNode('Relu', ['h2'], ['y'])],
    inits: (ft) => [makeTensor('w', [4], [1.5, -2, 0.7, -0.4], ft)],
    inputs: [['x', [3, 4]]], shapes: { x: [3, 4], h1: [3, 4], w: [4], h2: [3, 4], y: [3, 4] }, prepare: off0,
    expected: (x, u) => {
      const w = [1.5, -2, 0.7, -0.4];
      return {
        x: Float64Array.from(x, (xi, i) => {
          const h2 = relu(xi) * w[i % 4]!;
          const g2 = h2 > 0 ? relu(u[i]!) : 0;
          const g1 = g2 * w[i % 4]!;
          return xi > 0 ? relu(g1) : 0;
        }),
      };
    },
  },
];

describe('guided / deconvnet rule sets', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const ref = await referenceEngine();
      const rng = new Rng(4242);
      const x = rng.normals(c.shapes.x!.reduce((a, b) => a * b, 1));
      c.prepare?.(x);
      const u = rng.normals(c.shapes.y!.reduce((a, b) => a * b, 1));
      const want = c.expected(x, u);
      const engines: [Engine, FT, number][] = [[ortEngine(), 'float32', 2e-5]];
      if (ref) engines.push([ref, 'float64', 1e-12]);
      for (const [engine, ft, tol] of engines) {
        const got = await run(c, engine, ft, x, u);
        for (const [w, exp] of Object.entries(want)) {
          const g = got[w]!;
          expect(g.length, `${engine.name} ${w} length`).toBe(exp.length);
          for (let i = 0; i < exp.length; i++) {
            if (!(Math.abs(g[i]! - exp[i]!) <= tol * (1 + Math.abs(exp[i]!)))) {
              expect.fail(`${c.name} [${engine.name}, seed 4242]: d/d${w}[${i}] = ${g[i]} but the formula gives ${exp[i]} (x = ${x[i]}, g = ${u[i]})`);
            }
          }
        }
      }
    });
  }
});
