// Ground truth on the shapes demo model: on the 60 images of samples/shapes-eval (one shape each, with a
// pixel mask), how often does each CAM method's peak (argmax of the normalised map at the default layer
// features.relu4, 8x8, explaining the labelled class) fall on the object?
//
// Two criteria are measured and printed for every method:
// - strict: the peak pixel is inside the mask (the wording);
// - half-cell: a mask pixel lies within half a target-layer cell (4 px: relu4 has stride 8) of the peak.
// This model's last-layer detectors respond most to object edges, so its 8x8 maps often peak on a
// border cell whose centre lies just outside the mask: Grad-CAM scores 63% strict, CAM — identical to
// Grad-CAM on a GAP + linear head — the same, and the PyTorch references (parity.test.ts) give the same
// maps, so the strict figure is the model's, not the pipeline's.
// Asserted: Grad-CAM ≥ 90% half-cell and ≥ 60% strict; every method ≥ 3× chance (mean mask coverage).
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
const HALF_CELL = 4;

let lens: Lens;
let input: Tensor<'float32'>;
let masks: Raster[];
let classes: number[];
let chance = 0;
const table = new Map<string, { strict: number; halfCell: number }>();

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
    const rows = [...table].map(([m, r]) => `  ${m.padEnd(12)} ${(100 * r.strict).toFixed(1).padStart(5)}%   ${(100 * r.halfCell).toFixed(1).padStart(5)}%`);
    console.log(`CAM peak on the object, samples/shapes-eval (60 images, labelled class, layer features.relu4); chance ${(100 * chance).toFixed(1)}%\n  method        strict   within ${HALF_CELL} px\n${rows.join('\n')}`);
  }
  await lens.dispose();
});

function hitRates(normalized: Tensor): { strict: number; halfCell: number } {
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
    for (let dy = -HALF_CELL; dy <= HALF_CELL && !close; dy++) for (let dx = -HALF_CELL; dx <= HALF_CELL; dx++) if (dx * dx + dy * dy <= HALF_CELL ** 2 && inMask(px + dx, py + dy)) { close = true; break; }
    if (close) near++;
  }
  return { strict: strict / n, halfCell: near / n };
}

describe('CAM peaks fall on the object (samples/shapes-eval)', () => {
  for (const m of camMethods) {
    it(m.id, async () => {
      const res = await computeCam(m.def, { lens, input, target: classes });
      expect(res.normalized.dims).toEqual([60, 1, 64, 64]);
      expect(res.layers[0]!.tensor).toBe('/features/relu4/Relu_output_0');
      const r = hitRates(res.normalized);
      table.set(m.id, r);
      expect(r.strict).toBeGreaterThan(3 * chance);
      if (m.id === 'gradcam') {
        expect(r.halfCell).toBeGreaterThanOrEqual(0.9);
        expect(r.strict).toBeGreaterThanOrEqual(0.6);
      }
    });
  }
});
