// Gradient checks of the pooling rules: MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool; and
// MaxPool ties (where finite differences say nothing): exactly one winner per window, the first
// maximal element in row-major scan order as in PyTorch — including windows whose max is 0 next to
// the padding (the padding never wins), overlapping windows and ceil_mode windows past the end.
import { describe, expect, it } from 'vitest';
import { makeNode, makeValueInfo } from '../../onnx/build.ts';
import { DataType } from '../../onnx/proto-types.ts';
import type { ModelProto } from '../../onnx/proto-types.ts';
import { compileBackward } from '../compiler.ts';
import { ortEngine, ortWebEngine, referenceEngine } from '../../../../test/gradcheck/engines.ts';
import type { Engine } from '../../../../test/gradcheck/engines.ts';
import { Rng, distinctValues, gradCases } from '../../../../test/gradcheck/index.ts';
import type { GradCase } from '../../../../test/gradcheck/index.ts';

const x = (shape: number[]) => ({ name: 'x', shape, kind: 'data' as const, prepare: distinctValues });

const maxPool: GradCase[] = [
  { name: 'MaxPool 3x3 stride 2 pad 1 (ResNet stem), batch 2', op: 'MaxPool', opset: 13, attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, inputs: [x([2, 2, 7, 6])], wrt: ['x'] },
  { name: 'MaxPool 2x2 stride 2', op: 'MaxPool', opset: 11, attrs: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [x([1, 3, 4, 6])], wrt: ['x'] },
  { name: 'MaxPool ceil_mode, asymmetric pads', op: 'MaxPool', opset: 12, attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [0, 1, 1, 0], ceil_mode: 1 }, inputs: [x([1, 2, 6, 5])], wrt: ['x'] },
  { name: 'MaxPool dilation 2', op: 'MaxPool', opset: 12, attrs: { kernel_shape: [2, 2], dilations: [2, 2], strides: [1, 2] }, inputs: [x([1, 1, 6, 7])], wrt: ['x'] },
  { name: 'MaxPool auto_pad SAME_UPPER (opset 9)', op: 'MaxPool', opset: 9, attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }, inputs: [x([1, 2, 5, 6])], wrt: ['x'] },
  { name: 'MaxPool storage_order 1', op: 'MaxPool', opset: 13, attrs: { kernel_shape: [2, 3], strides: [1, 2], storage_order: 1 }, inputs: [x([2, 1, 4, 5])], wrt: ['x'] },
  { name: 'MaxPool 1-D', op: 'MaxPool', opset: 13, attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] }, inputs: [x([2, 2, 9])], wrt: ['x'] },
  { name: 'MaxPool 3-D', op: 'MaxPool', opset: 13, attrs: { kernel_shape: [2, 2, 2], strides: [2, 1, 2] }, inputs: [x([1, 2, 4, 3, 4])], wrt: ['x'] },
];

const avgPool: GradCase[] = [
  { name: 'AveragePool 3x3 stride 2 pad 1 exclude pad', op: 'AveragePool', opset: 13, attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, inputs: [x([2, 2, 7, 6])], wrt: ['x'] },
  { name: 'AveragePool count_include_pad=1 asymmetric pads', op: 'AveragePool', opset: 13, attrs: { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1], count_include_pad: 1 }, inputs: [x([1, 2, 6, 5])], wrt: ['x'] },
  { name: 'AveragePool ceil_mode exclude pad', op: 'AveragePool', opset: 11, attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0], ceil_mode: 1 }, inputs: [x([1, 1, 6, 6])], wrt: ['x'] },
  { name: 'AveragePool ceil_mode include pad', op: 'AveragePool', opset: 11, attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 }, inputs: [x([1, 1, 6, 6])], wrt: ['x'] },
  { name: 'AveragePool SAME_LOWER (opset 9)', op: 'AveragePool', opset: 9, attrs: { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER' }, inputs: [x([1, 2, 5, 5])], wrt: ['x'] },
  { name: 'AveragePool 1-D', op: 'AveragePool', opset: 13, attrs: { kernel_shape: [3], strides: [2], pads: [1, 0] }, inputs: [x([2, 2, 8])], wrt: ['x'] },
  { name: 'AveragePool dilations (opset 19)', op: 'AveragePool', opset: 19, attrs: { kernel_shape: [2, 2], dilations: [2, 1], strides: [1, 1] }, inputs: [x([1, 1, 5, 4])], wrt: ['x'] },
];

const global: GradCase[] = [
  { name: 'GlobalAveragePool batch 2', op: 'GlobalAveragePool', opset: 13, inputs: [x([2, 3, 4, 5])], wrt: ['x'] },
  { name: 'GlobalAveragePool 1-D', op: 'GlobalAveragePool', opset: 13, inputs: [x([1, 2, 7])], wrt: ['x'] },
  { name: 'GlobalMaxPool batch 2', op: 'GlobalMaxPool', opset: 13, inputs: [x([2, 3, 3, 4])], wrt: ['x'] },
  { name: 'GlobalMaxPool 3-D', op: 'GlobalMaxPool', opset: 11, inputs: [x([1, 2, 2, 3, 2])], wrt: ['x'] },
];

gradCases('MaxPool backward', maxPool);
gradCases('AveragePool backward', avgPool);
gradCases('GlobalAveragePool/GlobalMaxPool backward', global);

interface TieCase { name: string; opset: number; xShape: [number, number, number, number]; k: [number, number]; s: [number, number]; pads: [number, number, number, number]; d?: [number, number]; ceil?: boolean }

const TIES: TieCase[] = [
  { name: '3x3 stride 2 pad 1 (ResNet stem), batch 2', opset: 13, xShape: [2, 3, 7, 8], k: [3, 3], s: [2, 2], pads: [1, 1, 1, 1] },
  { name: '3x3 stride 2 pad 1, opset 10 (Indices path)', opset: 10, xShape: [2, 3, 7, 8], k: [3, 3], s: [2, 2], pads: [1, 1, 1, 1] },
  { name: '3x3 stride 1 pad 1 (flipped-kernel scatter)', opset: 13, xShape: [1, 2, 5, 6], k: [3, 3], s: [1, 1], pads: [1, 1, 1, 1] },
  { name: '2x3 stride [1, 2] dilation 2, asymmetric pads', opset: 12, xShape: [1, 2, 7, 9], k: [2, 3], s: [1, 2], pads: [1, 0, 0, 2], d: [2, 2] },
  { name: '3x3 stride 2 ceil_mode', opset: 13, xShape: [1, 2, 6, 6], k: [3, 3], s: [2, 2], pads: [0, 0, 0, 0], ceil: true },
];

/** PyTorch's max_pool2d backward: per window, the first maximal tap (row-major) inside the input gets ȳ. */
function tiesExpected(c: TieCase, x: Float64Array, g: Float64Array, outHW: [number, number]): Float64Array {
  const [N, C, H, W] = c.xShape;
  const d = c.d ?? [1, 1];
  const out = new Float64Array(x.length);
  for (let nc = 0; nc < N * C; nc++) {
    for (let oh = 0; oh < outHW[0]; oh++) {
      for (let ow = 0; ow < outHW[1]; ow++) {
        let best = -Infinity;
        let at = -1;
        for (let i = 0; i < c.k[0]; i++) {
          for (let j = 0; j < c.k[1]; j++) {
            const h = oh * c.s[0] - c.pads[0] + i * d[0];
            const w = ow * c.s[1] - c.pads[1] + j * d[1];
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            const v = x[nc * H * W + h * W + w]!;
            if (v > best) {
              best = v;
              at = nc * H * W + h * W + w;
            }
          }
        }
        out[at] += g[(nc * outHW[0] + oh) * outHW[1] + ow]!;
      }
    }
  }
  return out;
}

describe('MaxPool backward with ties: first maximal element wins', () => {
  for (const c of TIES) {
    it(c.name, async () => {
      const rng = new Rng(31);
      const n = c.xShape.reduce((a, b) => a * b, 1);
      // Few distinct values, mostly 0 and negative (post-ReLU plateaus; all-≤0 windows at the border).
      const x = Float64Array.from({ length: n }, () => [-2, -1, 0, 0, 0, 1, 1, 2][Math.floor(rng.uniform() * 8)]!);
      const attrs = { kernel_shape: c.k, strides: c.s, pads: c.pads, ...(c.d ? { dilations: c.d } : {}), ...(c.ceil ? { ceil_mode: 1 } : {}) };
      const out = (a: number) => {
        const span = c.xShape[2 + a]! + c.pads[a]! + c.pads[2 + a]! - ((c.k[a]! - 1) * (c.d?.[a] ?? 1) + 1);
        let o = (c.ceil ? Math.ceil(span / c.s[a]!) : Math.floor(span / c.s[a]!)) + 1;
        if (c.ceil && (o - 1) * c.s[a]! >= c.xShape[2 + a]! + c.pads[a]!) o--;
        return o;
      };
      const outHW: [number, number] = [out(0), out(1)];
      const yShape = [c.xShape[0], c.xShape[1], ...outHW];
      const g = rng.normals(yShape.reduce((a, b) => a * b, 1));
      const want = tiesExpected(c, x, g, outHW);
      const engines: [Engine, 'float32' | 'float64', number][] = [[ortEngine(), 'float32', 1e-6], [ortWebEngine(), 'float32', 1e-6]];
      const ref = await referenceEngine();
      if (ref) engines.push([ref, 'float64', 1e-12]);
      for (const [engine, ft, tol] of engines) {
        const dt = ft === 'float32' ? DataType.FLOAT : DataType.DOUBLE;
        const model: ModelProto = {
          irVersion: 8, opsetImport: [{ domain: '', version: c.opset }],
          graph: { name: c.name, node: [makeNode('MaxPool', ['x'], ['y'], attrs)], input: [makeValueInfo('x', dt, c.xShape)], output: [makeValueInfo('y', dt)] },
        };
        const compiled = compileBackward(model, { shapes: { x: c.xShape, y: yShape }, seeds: ['y'], wrt: ['x'] });
        const res = await engine.run(compiled.model, { x: { dims: c.xShape, data: x }, [compiled.gradInputs.y!]: { dims: yShape, data: g } }, [compiled.gradOutputs.x!]);
        const got = res[compiled.gradOutputs.x!]!.data;
        expect(got.length).toBe(want.length);
        want.forEach((v, i) => {
          if (!(Math.abs(got[i]! - v) <= tol * (1 + Math.abs(v)))) expect.fail(`${c.name} [${engine.name}]: d/dx[${i}] = ${got[i]}, PyTorch's first-maximum rule gives ${v} (x = ${x[i]})`);
        });
      }
    });
  }
});
