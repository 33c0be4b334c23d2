// Ground truth on the shapes demo model: how often the peak of each gradient method's map (the method's
// channel reduction, absolute value) falls inside the object's mask in samples/shapes-eval, and within
// 2 px of it (gradients peak on edges, and the mask keeps pixels ≥ 50% covered). The default run scores
// 12 images (2 per class) with lighter SmoothGrad/IG settings and checks the rates beat chance (the mean
// mask area, ~11%); CONVLENS_GT_FULL=1 scores all 60 images with the methods' defaults and prints the
// table that the report quotes.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocess } from '../../image/preprocess.ts';
import type { Raster } from '../../image/raster.ts';
import type { Lens } from '../../lens.ts';
import type { Tensor } from '../../tensor.ts';
import { loadImage } from '../../../node/image-io.ts';
import { openModel } from '../../../node/open-model.ts';
import type { ExplainMethod } from '../types.ts';
import { GRADIENT_METHODS } from './index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const dir = join(root, 'samples/shapes-eval');
const FULL = process.env.CONVLENS_GT_FULL === '1';

/** Whether pixel `at` of a W×H mask is within `r` px (Chebyshev) of an object pixel. */
function near(mask: Raster, at: number, r: number): boolean {
  const W = mask.width, H = mask.height, ch = mask.channels;
  const x0 = at % W, y0 = Math.floor(at / W);
  for (let y = Math.max(0, y0 - r); y <= Math.min(H - 1, y0 + r); y++) {
    for (let x = Math.max(0, x0 - r); x <= Math.min(W - 1, x0 + r); x++) if (mask.data[(y * W + x) * ch]! > 127) return true;
  }
  return false;
}

describe(`ground truth on shapes-eval (${FULL ? 'all 60 images, default parameters' : '12 images, light parameters'})`, () => {
  let lens: Lens;
  const labels = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as Record<string, string>;
  const all = Object.keys(labels).sort();
  const files = FULL ? all : all.filter((f) => /-0[01]\.png$/.test(f));
  beforeAll(async () => { lens = await openModel(join(root, 'models/shapes-cnn.onnx')); });
  afterAll(async () => { await lens.dispose(); });

  it('the peak of every gradient map falls inside (or next to) the object far more often than chance', async () => {
    const spec = lens.preprocessSpec();
    const light: Record<string, object> = FULL ? {} : { smoothgrad: { n: 10 }, ig: { steps: 16 } };
    const rows: { id: string; inside: number; near2: number; msPerImage: number }[] = [];
    let area = 0, correct = 0;
    const masks: Raster[] = [];
    const xs: Float32Array[] = [];
    for (const f of files) {
      xs.push(preprocess(await loadImage(join(dir, f)), spec).data as Float32Array);
      const m = await loadImage(join(dir, f.replace('.png', '.mask.png')));
      masks.push(m);
      let a = 0;
      for (let i = 0; i < m.width * m.height; i++) if (m.data[i * m.channels]! > 127) a++;
      area += a / (m.width * m.height);
    }
    const B = 12;
    for (const [id, method] of Object.entries(GRADIENT_METHODS) as [string, ExplainMethod<never>][]) {
      let inside = 0, near2 = 0, ms = 0;
      for (let s = 0; s < files.length; s += B) {
        const n = Math.min(B, files.length - s);
        const input: Tensor = { dtype: 'float32', dims: [n, 3, 64, 64], data: new Float32Array(n * 3 * 64 * 64) };
        for (let b = 0; b < n; b++) (input.data as Float32Array).set(xs[s + b]!, b * 3 * 64 * 64);
        const r = await method.explain({ lens, input }, (light[id] ?? {}) as never);
        ms += r.meta.timing.totalMs;
        const P = 64 * 64;
        for (let b = 0; b < n; b++) {
          const map = r.map.data.subarray(b * P, (b + 1) * P);
          let best = -1, at = 0;
          for (let i = 0; i < P; i++) { const v = Math.abs(map[i]!); if (v > best) { best = v; at = i; } }
          if (near(masks[s + b]!, at, 0)) inside++;
          if (near(masks[s + b]!, at, 2)) near2++;
          if (id === 'gradient') {
            const t = (r.meta.extras.targets as { label?: string }[] | undefined)?.[b] ?? (r.meta.target as { label?: string });
            if (t.label === labels[files[s + b]!]) correct++;
          }
        }
      }
      rows.push({ id, inside, near2, msPerImage: ms / files.length });
    }
    const chance = area / files.length;
    const pct = (k: number) => `${((100 * k) / files.length).toFixed(1)}%`;
    console.log(`shapes-eval: ${files.length} images, model correct on ${correct}, mean mask area ${(100 * chance).toFixed(1)}% (chance level)\n`
      + rows.map((r) => `  ${r.id.padEnd(15)} peak in mask ${String(r.inside).padStart(2)}/${files.length} (${pct(r.inside)})  within 2 px ${String(r.near2).padStart(2)}/${files.length} (${pct(r.near2)})  ${r.msPerImage.toFixed(0)} ms/image`).join('\n'));
    for (const r of rows) {
      expect(r.inside / files.length, `${r.id}: peak in mask`).toBeGreaterThan(chance);
      // DeconvNet back-propagates through ReLUs by the sign of the incoming gradient only (Zeiler & Fergus),
      // never by where the forward pass was active, so its map is not gated to the object; the dilated
      // convs of the shapes model spread it further (measured on all 60 images: 66.7% within 2 px; every
      // other method 95–100%). Its bar is lower for that stated reason, still ~6× chance.
      const bar = r.id === 'deconvnet' ? 0.6 : 0.8;
      expect(r.near2 / files.length, `${r.id}: peak within 2 px`).toBeGreaterThanOrEqual(bar);
    }
  }, FULL ? 900_000 : 120_000);
});
