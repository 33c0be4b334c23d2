// Ground truth on the shapes demo model: on the 60 images of samples/shapes-eval (one shape each, with a
// pixel mask), how often does each CAM method's peak (argmax of the normalised map upsampled to 64x64, at
// the default layer features.blur4, 16x16, explaining the labelled class) fall inside the object?
//
// Two figures are printed for every method: strict (the peak pixel is inside the mask, the issue's
// criterion) and within 4 px (a mask pixel lies within 4 px, one 16x16 cell, of the peak).
// The model (scripts/demo-models/train_shapes.py) keeps a 16x16 last feature map (two MaxPools, dilated
// conv3/conv4) and ends its features with a fixed 3x3 box blur (blur4) after relu4: class evidence peaks
// on the shapes' corners and tips, whose apex pixels sit on the mask border, and the blur pools each
// corner's evidence with its neighbourhood so the peak lands inside. (At features.relu4 itself Grad-CAM
// scores 88.3% strict; the former 8x8 model scored 63%.)
// Asserted: Grad-CAM's peak strictly inside the mask on >= 90% of the images (CAM and HiResCAM equal
// Grad-CAM on this GAP + linear head); every method >= 3x chance (the mean mask coverage).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openModel } from '../../../node/open-model.ts';
import { loadImage } from '../../../node/image-io.ts';
import { preprocessBatch } from '../../image/preprocess.ts';
import type { Lens } from '../../lens.ts';
import type { Raster } from '../../image/raster.ts';
import type { Tensor } from '../../tensor.ts';
import { camMethods, computeCam } from './index.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const EVAL = `${REPO}samples/shapes-eval/`;
const NEAR = 4;

let lens: Lens;
let input: Tensor<'float32'>;
let masks: Raster[];
let classes: number[];
let chance = 0;
const table = new Map<string, { strict: number; near: number }>();

beforeAll(async () => {
  lens = await openModel(`${REPO}models/shapes-cnn.onnx`);
  const labels = JSON.parse(readFileSync(`${EVAL}labels.json`, 'utf8')) as Record<string, string>;
  const files = Object.keys(labels).sort();
  const images = await Promise.all(files.map((f) => loadImage(EVAL + f)));
  masks = await Promise.all(files.map((f) => loadImage(EVAL + f.replace('.png', '.mask.png'))));
  input = preprocessBatch(images, lens.preprocessSpec());
  classes = files.map((f) => lens.labels!.indexOf(labels[f]!));
  expect(files.length).toBe(60);
  expect(classes.every((c) => c >= 0)).toBe(true);
  chance = masks.reduce((a, m) => a + m.data.filter((v, i) => i % m.channels === 0 && v > 127).length / (m.width * m.height), 0) / masks.length;
});
afterAll(async () => {
  if (table.size) {
    const rows = [...table].map(([m, r]) => `  ${m.padEnd(12)} ${(100 * r.strict).toFixed(1).padStart(5)}%   ${(100 * r.near).toFixed(1).padStart(5)}%`);
    console.log(`CAM peak on the object, samples/shapes-eval (60 images, labelled class, layer features.blur4); chance ${(100 * chance).toFixed(1)}%\n  method        strict   within ${NEAR} px\n${rows.join('\n')}`);
  }
  await lens.dispose();
});

function hitRates(normalized: Tensor): { strict: number; near: number } {
  const [n, , h, w] = normalized.dims as [number, number, number, number];
  const d = normalized.data as Float32Array;
  let strict = 0, near = 0;
  for (let b = 0; b < n; b++) {
    let arg = 0;
    for (let i = 1; i < h * w; i++) if (d[b * h * w + i]! > d[b * h * w + arg]!) arg = i;
    const m = masks[b]!;
    expect([m.width, m.height]).toEqual([w, h]);
    const inMask = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < w && y < h && m.data[(y * w + x) * m.channels]! > 127;
    const px = arg % w, py = Math.floor(arg / w);
    if (inMask(px, py)) strict++;
    let close = false;
    for (let dy = -NEAR; dy <= NEAR && !close; dy++) for (let dx = -NEAR; dx <= NEAR; dx++) if (dx * dx + dy * dy <= NEAR ** 2 && inMask(px + dx, py + dy)) { close = true; break; }
    if (close) near++;
  }
  return { strict: strict / n, near: near / n };
}

describe('CAM peaks fall on the object (samples/shapes-eval)', () => {
  for (const m of camMethods) {
    it(m.id, async () => {
      const res = await computeCam(m.def, { lens, input, target: classes });
      expect(res.normalized.dims).toEqual([60, 1, 64, 64]);
      expect(res.layers[0]!.tensor).toBe('/features/blur4/AveragePool_output_0');
      expect(res.layers[0]!.coarse.dims).toEqual([60, 1, 16, 16]);
      const r = hitRates(res.normalized);
      table.set(m.id, r);
      expect(r.strict).toBeGreaterThan(3 * chance);
      if (m.id === 'gradcam') expect(r.strict).toBeGreaterThanOrEqual(0.9);
    });
  }
});
