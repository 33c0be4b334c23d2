// CAM parity with PyTorch: every CAM method, eigenSmooth, augSmooth and several target layers on two
// committed models (models/shapes-cnn.onnx at features.blur4 on two sample images, top-1 targets;
// test/fixtures/models/resnet18_narrow.onnx at layer4 / layer3+layer4 on two random inputs, classes
// 3 and 7). References: scripts/fixtures/cam_refs.py (own PyTorch implementations of the published
// equations with pytorch-grad-cam's conventions) → test/fixtures/explain/cam/. Tolerances from the issue:
// raw maps (layer resolution, after ReLU, before normalisation) within 1e-4 of their max; normalised
// maps (input resolution) within 1e-3.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openModel } from '../../../node/open-model.ts';
import type { Lens } from '../../lens.ts';
import { parseNpy } from '../../io/npy.ts';
import type { Tensor } from '../../tensor.ts';
import { camMethod, computeCam } from './index.ts';
import { resizePlaneBilinear } from '../../image/resize.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const DIR = `${REPO}test/fixtures/explain/cam/`;
const npy = (f: string): Tensor => parseNpy(readFileSync(DIR + f));

interface Case { id: string; model: string; method: string; params: Record<string, unknown>; layers: string[]; target: 'top1' | number[]; classes: number[]; raw: string[]; normalized: string }
interface Refs { models: Record<string, { onnx: string; input: string; layers: Record<string, string> }>; cases: Case[] }
const refs = JSON.parse(readFileSync(DIR + 'cases.json', 'utf8')) as Refs;

/** max |a − b| / max |b| and max |a − b|, with the index of the worst element. */
function compare(a: ArrayLike<number>, b: ArrayLike<number>): { rel: number; abs: number; at: number } {
  expect(a.length).toBe(b.length);
  let mb = 0, md = 0, at = -1;
  for (let i = 0; i < b.length; i++) {
    mb = Math.max(mb, Math.abs(b[i]!));
    const d = Math.abs(a[i]! - b[i]!);
    if (d > md) { md = d; at = i; }
  }
  return { rel: md / Math.max(mb, 1e-30), abs: md, at };
}

const lenses = new Map<string, Lens>();
async function lensFor(model: string): Promise<Lens> {
  let l = lenses.get(model);
  if (!l) { l = await openModel(REPO + refs.models[model]!.onnx); lenses.set(model, l); }
  return l;
}
afterAll(async () => { for (const l of lenses.values()) { await l.dispose(); } });

describe('CAM maps match the PyTorch references', () => {
  it('has cases for every method on both models', () => {
    for (const m of ['shapes', 'resnet18_narrow']) {
      const methods = new Set(refs.cases.filter((c) => c.model === m).map((c) => c.method));
      expect([...methods].sort()).toEqual(['ablationcam', 'cam', 'eigencam', 'gradcam', 'gradcam++', 'hirescam', 'layercam', 'scorecam', 'xgradcam']);
    }
  });
  for (const c of refs.cases) {
    it(c.id, async () => {
      const lens = await lensFor(c.model);
      const model = refs.models[c.model]!;
      const input = npy(model.input) as Tensor<'float32'>;
      const def = camMethod(c.method)!.def;
      const res = await computeCam(def, {
        lens, input, target: c.target === 'top1' ? 'top1' : c.target,
        params: { ...c.params, layer: c.layers.map((l) => model.layers[l]!).join(',') } as never,
      });
      expect(res.targets.map((t) => (t.kind === 'class' ? t.index : -1))).toEqual(c.classes);
      c.raw.forEach((f, i) => {
        const ref = npy(f);
        const got = res.layers[i]!.coarse;
        expect(got.dims).toEqual([ref.dims[0], 1, ...ref.dims.slice(1)]);
        const e = compare(got.data as Float32Array, ref.data as Float32Array);
        if (process.env.CONVLENS_PARITY_REPORT) console.log(`parity ${c.method} ${c.model} raw[${i}] rel ${e.rel.toExponential(2)}`);
        expect(e.rel, `raw map of layer ${i}: worst at ${e.at}`).toBeLessThan(1e-4);
      });
      if (c.raw.length === 1) {
        // The method's `map`: the raw map upsampled (cv2 INTER_LINEAR convention), not normalised.
        const r = npy(c.raw[0]!);
        const [n, h, w] = r.dims as [number, number, number];
        const [H, W] = res.raw.dims.slice(2) as [number, number];
        const want = new Float32Array(n * H * W);
        for (let b = 0; b < n; b++) want.set(resizePlaneBilinear((r.data as Float32Array).slice(b * h * w, (b + 1) * h * w), h, w, H, W), b * H * W);
        const e = compare(res.raw.data as Float32Array, want);
        expect(e.rel, `upsampled raw map: worst at ${e.at}`).toBeLessThan(1e-4);
      }
      const ref = npy(c.normalized);
      expect(res.normalized.dims).toEqual([ref.dims[0], 1, ...ref.dims.slice(1)]);
      const e = compare(res.normalized.data as Float32Array, ref.data as Float32Array);
      if (process.env.CONVLENS_PARITY_REPORT) console.log(`parity ${c.method} ${c.model} normalized abs ${e.abs.toExponential(2)}`);
      expect(e.abs, `normalized map: worst at ${e.at}`).toBeLessThan(1e-3);
    });
  }
});
