// Whole-model gradient parity with PyTorch autograd (RELIABILITY.md: float32, relative error ≤ 1e-4 of
// the gradient's max magnitude). Fixtures: test/fixtures/grad/<model>.json + .npy, written by
// scripts/fixtures/export_gradients.py from the models in test/fixtures/models (fixed random weights).
// For each fixture, ONE compiled graph (seed: logits; wrt: the input and every inner activation listed)
// runs in onnxruntime-node, and — to check that compiled graphs use only ops both runtimes have — the
// same graph runs in onnxruntime-web (wasm) in Node and must agree.
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileBackward } from '../src/core/autodiff/compiler.ts';
import { parseNpy } from '../src/core/io/npy.ts';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.ts';
import { inferShapesByRunning } from '../src/core/runtime/infer-shapes.ts';
import type { Tensor } from '../src/core/tensor.ts';
import { ortNodeBackend } from '../src/node/ort-node-backend.ts';
import { createOrtWebBackend } from '../src/web/ort-web-backend.ts';

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, 'fixtures/grad');
const wasmFile = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
const web = createOrtWebBackend({ wasmPaths: `${pathToFileURL(dirname(wasmFile)).href}/` });

interface Fixture {
  model: string;
  onnx: string;
  input_name: string;
  output_name: string;
  input: string;
  input_shape: number[];
  classes: number[];
  grad_input: string;
  activations: { tag: string; onnx_tensor: string; act: string; grad: string; shape: number[] }[];
}

const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

function npy(name: string): Tensor {
  return parseNpy(new Uint8Array(readFileSync(join(dir, name))));
}

/** max |a − b| / max |b| */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let maxB = 0;
  let maxD = 0;
  for (let i = 0; i < b.length; i++) {
    maxB = Math.max(maxB, Math.abs(b[i]!));
    maxD = Math.max(maxD, Math.abs(a[i]! - b[i]!));
  }
  return maxD / Math.max(maxB, 1e-30);
}

describe('whole-model gradients match PyTorch autograd', () => {
  it('has fixtures', () => expect(fixtures.length).toBeGreaterThan(0));
  for (const file of fixtures) {
    const fx = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Fixture;
    it(`${file.replace('.json', '')}: d logit/d input and d logit/d ${fx.activations.map((a) => a.tag).join(', ')}`, async () => {
      const model = decodeModel(new Uint8Array(readFileSync(join(dir, fx.onnx))));
      const x = npy(fx.input);
      const infos = await inferShapesByRunning(ortNodeBackend, model, { inputShapes: { [fx.input_name]: fx.input_shape } });
      const shapes = new Map([...infos].map(([k, v]) => [k, [...v.dims]]));
      const acts = fx.activations.map((a) => a.onnx_tensor);
      const compiled = compileBackward(model, { shapes, seeds: [fx.output_name], wrt: [fx.input_name, ...acts], activations: acts });
      const logitsShape = shapes.get(fx.output_name)!;
      const seed = new Float32Array(logitsShape[0]! * logitsShape[1]!);
      fx.classes.forEach((k, i) => (seed[i * logitsShape[1]! + k] = 1));
      const feeds: Record<string, Tensor> = {
        [fx.input_name]: x,
        [compiled.gradInputs[fx.output_name]!]: { dtype: 'float32', dims: logitsShape, data: seed },
      };
      const outs = [compiled.gradOutputs[fx.input_name]!, ...acts.map((a) => compiled.gradOutputs[a]!), ...acts];
      const bytes = encodeModel(compiled.model);
      const s = await ortNodeBackend.createSession(bytes, { source: fx.model });
      const r = await s.run(feeds, outs);
      await s.release();
      const errs: Record<string, number> = {};
      errs.grad_input = relErr(r[outs[0]!]!.data as Float32Array, npy(fx.grad_input).data as Float32Array);
      fx.activations.forEach((a, i) => {
        errs[`grad_${a.tag}`] = relErr(r[outs[1 + i]!]!.data as Float32Array, npy(a.grad).data as Float32Array);
        errs[`act_${a.tag}`] = relErr(r[a.onnx_tensor]!.data as Float32Array, npy(a.act).data as Float32Array);
      });
      if (process.env.PARITY_LOG) appendFileSync(process.env.PARITY_LOG, JSON.stringify({ model: file, stats: compiled.stats, errs }) + '\n');
      for (const [k, v] of Object.entries(errs)) expect(v, `${fx.model} ${k}: relative error ${v.toExponential(2)}`).toBeLessThanOrEqual(1e-4);

      // The same compiled graph under onnxruntime-web (wasm): same numbers to float32 rounding.
      const ws = await web.createSession(bytes, { source: fx.model });
      const rw = await ws.run(feeds, outs);
      await ws.release();
      for (const o of outs) {
        const e = relErr(rw[o]!.data as Float32Array, r[o]!.data as Float32Array);
        expect(e, `${fx.model}: onnxruntime-web vs onnxruntime-node on ${o}: ${e.toExponential(2)}`).toBeLessThanOrEqual(1e-5);
      }
    });
  }
});
