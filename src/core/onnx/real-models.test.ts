// The ONNX layer on real exports: the repo's demo models (models/) and the torchvision fixtures written
// by scripts/fixtures/export_architectures.py (test/fixtures/models/, with PyTorch module names and
// shapes in the .json beside each model). Models that are not present are skipped.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from './codec.ts';
import { ModelView } from './model-view.ts';
import { validateModel } from './validate.ts';
import { readTensor } from './tensor-data.ts';
import { humanNames, moduleName } from './layer-names.ts';
import { layerEntries, selectLayer } from './select-layer.ts';
import { addOutputs, allIntermediateTensors } from './rewrite/add-outputs.ts';
import { foldShapeSubgraphs, staticShapes } from './rewrite/fold-constants.ts';
import { sizeOf } from '../tensor.ts';

const root = path.resolve(new URL('../../..', import.meta.url).pathname);
const list = (dir: string) => (existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.onnx')).map((f) => path.join(dir, f)) : []);
const files = [...list('models'), ...list('test/fixtures/models')];

interface FixtureInfo { input_shape: number[]; layers: { name: string; onnx_nodes?: string[] }[] }
const fixtureInfo = (file: string): FixtureInfo | undefined => {
  const j = path.join(root, file.replace(/\.onnx$/, '.json'));
  return existsSync(j) ? JSON.parse(readFileSync(j, 'utf8')) as FixtureInfo : undefined;
};

describe.runIf(files.length > 0)('real models', () => {
  for (const file of files) {
    describe(file, () => {
      const bytes = readFileSync(path.join(root, file));
      const model = decodeModel(bytes, { source: file });
      const view = new ModelView(model, { source: file });

      it('re-encodes byte-identically, validates, and orders every node', () => {
        expect(Buffer.from(encodeModel(model)).equals(bytes)).toBe(true);
        expect(() => validateModel(model, { source: file })).not.toThrow();
        const order = view.topoOrder;
        expect(order.length).toBe(view.nodes.length);
        const pos = new Map(order.map((n, i) => [n, i]));
        for (const n of order) for (const t of n.inputs) {
          const p = view.producer(t);
          if (p) expect(pos.get(p.node)!).toBeLessThan(pos.get(n)!);
        }
      });

      it('reads every initializer to dims × element count', () => {
        for (const t of view.initializers.values()) {
          const r = readTensor(t, { source: file });
          expect(r.data.length).toBe(sizeOf(r.dims));
        }
      });

      it('gives unique human names that match the PyTorch module names', () => {
        const names = [...humanNames(view).values()];
        expect(new Set(names).size).toBe(names.length);
        const info = fixtureInfo(file);
        if (!info) return;
        const entries = layerEntries(view);
        for (const layer of info.layers) {
          if (!layer.onnx_nodes || layer.onnx_nodes.length === 0) continue;
          const sel = selectLayer(view, layer.name);
          expect(moduleName(sel.node), layer.name).toBe(layer.name);
          const inModule = entries.filter((e) => e.module === layer.name);
          if (inModule.length === 1) expect(sel.humanName).toBe(layer.name);
          expect(selectLayer(view, layer.onnx_nodes[0]!).node.name).toBe(layer.onnx_nodes[0]);
        }
      });

      it('static shapes agree with ONNX Runtime, and folding shape chains keeps the outputs', async () => {
        const info = fixtureInfo(file);
        const input = view.inputs[0]!;
        const declared = view.shape(input.name!) ?? [];
        const shape = info?.input_shape ?? declared.map((d) => (typeof d === 'number' ? d : 1));
        const x = Float32Array.from({ length: sizeOf(shape) }, (_, i) => Math.sin(i * 0.37));
        const names = allIntermediateTensors(model);
        const session = await ort.InferenceSession.create(encodeModel(addOutputs(model, names, { unknownType: 'omit' })));
        let ref: Record<string, ort.Tensor>;
        try { ref = await session.run({ [input.name!]: new ort.Tensor('float32', x, shape) }); } finally { await session.release(); }
        const shapes = staticShapes(model, { [input.name!]: shape });
        let compared = 0;
        for (const [t, s] of shapes) {
          if (!ref[t]) continue;
          expect([t, s], t).toEqual([t, [...ref[t]!.dims]]);
          compared++;
        }
        expect(compared).toBeGreaterThan(names.length * 0.9); // the inference covers (almost) every tensor
        // ORT's graph optimizations fuse differently once shapes are constant (changing the last bits of
        // the results), so compare the folded and the unmodified model with optimizations off.
        const runPlain = async (m: typeof model) => {
          const s2 = await ort.InferenceSession.create(encodeModel(m), { graphOptimizationLevel: 'disabled' });
          try { return await s2.run({ [input.name!]: new ort.Tensor('float32', x, shape) }); } finally { await s2.release(); }
        };
        const folded = foldShapeSubgraphs(model, { [input.name!]: shape });
        const [plain, out] = [await runPlain(model), await runPlain(folded)];
        for (const o of view.outputs) expect(Array.from(out[o.name!]!.data as Float32Array)).toEqual(Array.from(plain[o.name!]!.data as Float32Array));
      });
    });
  }
});
