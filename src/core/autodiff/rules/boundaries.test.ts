// Subgradient conventions at the kinks, where finite differences say nothing: each rule must give
// exactly what PyTorch autograd gives at x on the kink (relu: 0 at 0; leaky_relu/elu/prelu: the
// negative-side slope at 0; hardswish: x/3 + 1/2 on [-3, 3]; hardsigmoid: strict corners; abs: 0 at 0;
// pow: 0 where the exponent is 0, and no NaN in d/dexponent at base 0).
// Clip is two PyTorch functions in one ONNX op (clip.ts): Clip(0, 6) is ReLU6 — nn.ReLU6/F.relu6, i.e.
// hardtanh, whose backward is STRICT at 0 and 6 (hardtanh_backward; TensorFlow's Relu6Grad likewise),
// and what torchvision's MobileNetV2 exports. The rule used to apply torch.clamp's inclusive
// convention to it too; it now follows ReLU6's own, because the strict mask can be read from the
// output (0 < y < 6), which lets ONNX Runtime fuse Conv + Clip (bench/README.md). Every other Clip is
// a clamp and stays inclusive like torch.clamp (clamp_backward) — e.g. clamp(0, 1) of images, whose
// saturated pixels sit exactly on a bound.
// Run in the float64 reference evaluator and in onnxruntime-node float32.
import { describe, expect, it } from 'vitest';
import { makeNode, makeTensor, makeValueInfo } from '../../onnx/build.ts';
import type { AttrValue } from '../../onnx/build.ts';
import { DataType } from '../../onnx/proto-types.ts';
import type { ModelProto, TensorProto } from '../../onnx/proto-types.ts';
import { compileBackward } from '../compiler.ts';
import { ortEngine, referenceEngine } from '../../../../test/gradcheck/engines.ts';
import type { Engine, Feed } from '../../../../test/gradcheck/engines.ts';

type FT = 'float32' | 'float64';
const X = [-6, -3, -1, -0.5, 0, 0.5, 1, 3, 6, 7];
const G = X.map((_, i) => 1 + i / 10); // distinct upstream values, all positive

interface Case {
  name: string;
  op: string;
  opset: number;
  attrs?: Record<string, AttrValue>;
  /** Extra inputs after x: constants (scalars) or data inputs fed with given values. */
  extra?: { name: string; value: number; data?: boolean }[];
  wrt?: string[];
  /** Expected d/dx per element (and d/d<extra> when in wrt). */
  expected: Record<string, (x: number, g: number) => number>;
  xs?: number[];
}

const CASES: Case[] = [
  { name: 'Relu: 0 at x = 0', op: 'Relu', opset: 14, expected: { x: (x, g) => (x > 0 ? g : 0) } },
  { name: 'LeakyRelu: α·g at x = 0', op: 'LeakyRelu', opset: 16, attrs: { alpha: { float: 0.25 } }, expected: { x: (x, g) => (x > 0 ? g : 0.25 * g) } },
  { name: 'Elu: α·g at x = 0', op: 'Elu', opset: 9, attrs: { alpha: { float: 0.5 } }, expected: { x: (x, g) => (x > 0 ? g : 0.5 * Math.exp(x) * g) } },
  { name: 'LeakyRelu α = −0.5: the mask reads x, not y (α·x > 0 for x < 0)', op: 'LeakyRelu', opset: 16, attrs: { alpha: { float: -0.5 } }, expected: { x: (x, g) => (x > 0 ? g : -0.5 * g) } },
  { name: 'Clip ReLU6 inputs: strict at 0 and 6 (nn.ReLU6 = hardtanh_backward)', op: 'Clip', opset: 13, extra: [{ name: 'lo', value: 0 }, { name: 'hi', value: 6 }], expected: { x: (x, g) => (x > 0 && x < 6 ? g : 0) } },
  { name: 'Clip ReLU6 attrs opset 9: strict at 0 and 6', op: 'Clip', opset: 9, attrs: { min: { float: 0 }, max: { float: 6 } }, expected: { x: (x, g) => (x > 0 && x < 6 ? g : 0) } },
  { name: 'Clip(0, 1) inputs: inclusive at 0 and 1 (torch.clamp)', op: 'Clip', opset: 13, extra: [{ name: 'lo', value: 0 }, { name: 'hi', value: 1 }], expected: { x: (x, g) => (x >= 0 && x <= 1 ? g : 0) } },
  { name: 'Clip(0, 7) inputs: inclusive at 0 (torch.clamp; only exactly (0, 6) is ReLU6)', op: 'Clip', opset: 13, extra: [{ name: 'lo', value: 0 }, { name: 'hi', value: 7 }], expected: { x: (x, g) => (x >= 0 && x <= 7 ? g : 0) } },
  { name: 'Clip attrs opset 9: inclusive at -1 and 1', op: 'Clip', opset: 9, attrs: { min: { float: -1 }, max: { float: 1 } }, expected: { x: (x, g) => (x >= -1 && x <= 1 ? g : 0) } },
  { name: 'Clip opset 11 max only: inclusive at 3', op: 'Clip', opset: 11, extra: [{ name: '', value: 0 }, { name: 'hi', value: 3 }], expected: { x: (x, g) => (x <= 3 ? g : 0) } },
  { name: 'HardSwish: x/3 + 1/2 on [-3, 3] inclusive (PyTorch hardswish_backward)', op: 'HardSwish', opset: 14, expected: { x: (x, g) => (x < -3 ? 0 : x <= 3 ? (x / 3 + 0.5) * g : g) } },
  { name: 'HardSigmoid α = β = 1/2: strict corners at -1 and 1', op: 'HardSigmoid', opset: 9, attrs: { alpha: { float: 0.5 }, beta: { float: 0.5 } }, expected: { x: (x, g) => (x > -1 && x < 1 ? 0.5 * g : 0) } },
  { name: 'Abs: 0 at x = 0', op: 'Abs', opset: 13, expected: { x: (x, g) => Math.sign(x) * g } },
  { name: 'PRelu: slope·g at x = 0, d/dslope counts x ≤ 0', op: 'PRelu', opset: 16, extra: [{ name: 'slope', value: 0.3, data: true }], wrt: ['x', 'slope'],
    expected: { x: (x, g) => (x > 0 ? g : 0.3 * g), slope: (x, g) => (x > 0 ? 0 : x * g) } },
  { name: 'Pow exponent 0 (data): d/dbase = 0 even at base 0, d/dexp = 0 at base 0', op: 'Pow', opset: 13, extra: [{ name: 'e', value: 0, data: true }], wrt: ['x', 'e'],
    xs: [0, 0.5, 1, 2, 3], expected: { x: () => 0, e: (x, g) => (x === 0 ? 0 : Math.log(x) * g) } },
  { name: 'Pow exponent 2 (data) at base 0: d/dbase = 0, d/dexp = 0 (not NaN)', op: 'Pow', opset: 13, extra: [{ name: 'e', value: 2, data: true }], wrt: ['x', 'e'],
    xs: [0, 0.5, 1, 2, 3], expected: { x: (x, g) => 2 * x * g, e: (x, g) => (x === 0 ? 0 : x * x * Math.log(x) * g) } },
];

function build(c: Case, ft: FT, n: number): ModelProto {
  const dt = ft === 'float32' ? DataType.FLOAT : DataType.DOUBLE;
  const inits: TensorProto[] = [];
  const inputs = [makeValueInfo('x', dt, [n])];
  for (const e of c.extra ?? []) {
    if (!e.name) continue;
    if (e.data) inputs.push(makeValueInfo(e.name, dt, [1]));
    else inits.push(makeTensor(e.name, [], [e.value], ft));
  }
  return {
    irVersion: 8, opsetImport: [{ domain: '', version: c.opset }],
    graph: { name: c.name, node: [makeNode(c.op, ['x', ...(c.extra ?? []).map((e) => e.name)], ['y'], c.attrs ?? {})], initializer: inits, input: inputs, output: [makeValueInfo('y', dt)] },
  };
}

async function grads(c: Case, engine: Engine, ft: FT, xs: number[], gs: number[]): Promise<Record<string, Float64Array>> {
  const wrt = c.wrt ?? ['x'];
  const shapes: Record<string, number[]> = { x: [xs.length], y: [xs.length] };
  for (const e of c.extra ?? []) if (e.name) shapes[e.name] = e.data ? [1] : [];
  const compiled = compileBackward(build(c, ft, xs.length), { shapes, seeds: ['y'], wrt });
  const feeds: Record<string, Feed> = { x: { dims: [xs.length], data: Float64Array.from(xs) }, [compiled.gradInputs.y!]: { dims: [xs.length], data: Float64Array.from(gs) } };
  for (const e of c.extra ?? []) if (e.data) feeds[e.name] = { dims: [1], data: Float64Array.from([e.value]) };
  const res = await engine.run(compiled.model, feeds, wrt.map((w) => compiled.gradOutputs[w]!));
  return Object.fromEntries(wrt.map((w) => [w, res[compiled.gradOutputs[w]!]!.data]));
}

describe('subgradients at kinks match PyTorch autograd', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const xs = c.xs ?? X;
      const gs = G.slice(0, xs.length);
      const ref = await referenceEngine();
      const engines: [Engine, FT, number][] = [[ortEngine(), 'float32', 1e-6]];
      if (ref) engines.push([ref, 'float64', 1e-12]);
      for (const [engine, ft, tol] of engines) {
        const got = await grads(c, engine, ft, xs, gs);
        for (const [w, f] of Object.entries(c.expected)) {
          const g = got[w]!;
          // A scalar-shaped input (PRelu slope, Pow exponent) sums the per-element terms.
          const want = w === 'x' ? xs.map((x, i) => f(x, gs[i]!)) : [xs.reduce((s, x, i) => s + f(x, gs[i]!), 0)];
          expect(g.length).toBe(want.length);
          want.forEach((v, i) => {
            if (!(Math.abs(g[i]! - v) <= tol * (1 + Math.abs(v)))) expect.fail(`${c.name} [${engine.name}]: d/d${w}[${i}] = ${g[i]}, PyTorch gives ${v} (x = ${xs[i]})`);
          });
        }
      }
    });
  }
});
