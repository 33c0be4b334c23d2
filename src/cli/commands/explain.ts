/**
 * `convlens explain`: CAM family, gradient attributions and perturbation methods for any ONNX model.
 * Per input and method it writes an overlay PNG, the raw map as .npy (and the per-channel attribution,
 * NCHW, where the method has one), and a JSON run manifest (model hash, layer, target, method with every
 * parameter, seed, timing, top-k predictions) that makes the run reproducible. `--compare` adds one
 * side-by-side figure per input; a folder or glob runs the batch with a progress bar and a summary.
 */
import { readFileSync } from 'node:fs';
import { ConvlensError, ErrorCodes } from '../../core/errors.ts';
import type { Tensor } from '../../core/tensor.ts';
import { getMethods } from '../../core/methods/registry.ts';
import type { ExplainMethod, ExplainResult } from '../../core/methods/types.ts';
import { scoreTensor } from '../../core/methods/target.ts';
import type { TargetSpec } from '../../core/methods/target.ts';
import { renderAttribution, ATTRIBUTION_RENDER_METHODS, ATTRIBUTION_SIGNS } from '../../core/methods/render/attribution.ts';
import type { AttributionRenderMethod, AttributionVisualSign } from '../../core/methods/render/attribution.ts';
import { overlayHeatmap } from '../../core/image/overlay.ts';
import { normalizeMinMax } from '../../core/image/normalize.ts';
import { makeGrid } from '../../core/image/grid.ts';
import { toRgb } from '../../core/image/raster.ts';
import type { Raster, RgbaImage } from '../../core/image/raster.ts';
import { loadImage } from '../../node/image-io.ts';
import { upscaleNearest } from '../../core/maps/upscale.ts';
import { parseColormap } from './features.ts';
import { expandInputs, formatTable, loadInput, OutputDir, openLens, parseFormats, printJson, progress, safeName } from '../shared.ts';
import type { InputFlags, ModelFlags } from '../shared.ts';

export interface ExplainFlags extends ModelFlags, InputFlags {
  input?: string;
  image?: string;
  method?: string;
  layer?: string;
  target?: string;
  targetRegion?: string;
  targetMask?: string;
  targetChannel?: string;
  labels?: string;
  output?: string;
  reshape?: string;
  param?: string[];
  seed?: number;
  batchSize?: number;
  out?: string;
  format?: string;
  compare?: boolean;
  colormap?: string;
  imageWeight?: string;
  render?: string;
  sign?: string;
  augSmooth?: boolean;
  eigenSmooth?: boolean;
}

/** `--param name=value` (repeatable; `method.name=value` applies to one method only). */
export function parseParams(list: readonly string[] | undefined): { method?: string; name: string; value: string }[] {
  return (list ?? []).map((p) => {
    const m = /^(?:([\w+-]+)\.)?([A-Za-z_][\w]*)=(.*)$/s.exec(p);
    if (!m) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--param "${p}" is not name=value`, { hint: 'e.g. --param steps=64 or --param ig.method=riemann_trapezoid' });
    return { method: m[1], name: m[2]!, value: m[3]! };
  });
}

function paramsFor(method: ExplainMethod, opts: ExplainFlags): Record<string, unknown> {
  const declared = new Set(method.params.map((p) => p.name));
  const out: Record<string, unknown> = {};
  const setIf = (name: string, v: unknown) => { if (v !== undefined && declared.has(name)) out[name] = v; };
  setIf('layer', opts.layer);
  setIf('reshape', opts.reshape);
  setIf('augSmooth', opts.augSmooth);
  setIf('eigenSmooth', opts.eigenSmooth);
  for (const p of parseParams(opts.param)) {
    if (p.method && p.method !== method.id) continue;
    if (!declared.has(p.name)) {
      if (p.method) {
        throw new ConvlensError(ErrorCodes.BAD_USAGE, `${method.id} has no parameter "${p.name}"`, { hint: `its parameters: ${method.params.map((x) => x.name).join(', ') || 'none'}` });
      }
      continue; // a shared --param that this method does not take
    }
    out[p.name] = p.value;
  }
  return out;
}

async function parseTarget(opts: ExplainFlags): Promise<TargetSpec> {
  const channel = opts.targetChannel === undefined ? undefined : /^\d+$/.test(opts.targetChannel) ? Number(opts.targetChannel) : opts.targetChannel;
  if (opts.targetRegion) {
    const box = opts.targetRegion.split(',').map(Number);
    if (box.length !== 4 || box.some((v) => !Number.isInteger(v))) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `--target-region "${opts.targetRegion}" is not x0,y0,x1,y1`, { hint: 'integers in output-grid pixels, e.g. --target-region 10,10,40,30' });
    }
    return { region: box as [number, number, number, number], ...(channel !== undefined ? { channel } : {}) };
  }
  if (opts.targetMask) {
    const m = await loadImage(opts.targetMask, { keepGray: true });
    const data = new Float32Array(m.width * m.height);
    for (let i = 0; i < data.length; i++) data[i] = m.data[i * m.channels]! > 127 ? 1 : 0;
    return { mask: { width: m.width, height: m.height, data }, ...(channel !== undefined ? { channel } : {}) };
  }
  const t = opts.target ?? 'top1';
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

function readLabels(path: string | undefined): string[] | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s, i, a) => s !== '' || i < a.length - 1);
  } catch {
    throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `cannot read labels file ${path}`, { hint: 'one class name per line, in output order' });
  }
}

/** The per-method picture: CAMs as pytorch-grad-cam's show_cam_on_image, attributions as Captum's visualize_image_attr. */
function renderResult(method: ExplainMethod, res: ExplainResult, image: Raster, layout: 'NCHW' | 'NHWC', opts: ExplainFlags): RgbaImage {
  const rgb = toRgb(image);
  const colormap = opts.colormap ? parseColormap(opts.colormap) : undefined;
  if (method.family === 'cam') {
    // pytorch-grad-cam's output (normalized per layer, layers averaged, augmentations merged) when the
    // method provides it; otherwise the raw map min-max normalized.
    const normalized = res.arrays?.normalized;
    const [h, w] = (normalized ?? res.map).dims.slice(-2) as [number, number];
    const norm = normalized ? (normalized.data as Float32Array).subarray(0, h * w) : normalizeMinMax(res.map.data).values;
    const imageWeight = opts.imageWeight !== undefined ? Number(opts.imageWeight) : 0.5;
    return overlayHeatmap(rgb, norm, w, h, { colormap: colormap ?? 'jet', imageWeight, min: 0, max: 1 });
  }
  const renderMethod = (opts.render ?? 'blended_heat_map') as AttributionRenderMethod;
  if (!(ATTRIBUTION_RENDER_METHODS as readonly string[]).includes(renderMethod)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `--render ${opts.render} is not one of ${ATTRIBUTION_RENDER_METHODS.join(', ')}`);
  }
  const signed = method.family === 'perturbation' || method.id === 'gradient' || method.id === 'gradxinput' || method.id === 'ig';
  const sign = (opts.sign ?? (signed && renderMethod !== 'masked_image' && renderMethod !== 'alpha_scaling' ? 'all' : 'absolute_value')) as AttributionVisualSign;
  if (!(ATTRIBUTION_SIGNS as readonly string[]).includes(sign)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--sign ${opts.sign} is not one of ${ATTRIBUTION_SIGNS.join(', ')}`);
  const attr = res.attribution ?? res.map;
  return renderAttribution(attr, { method: renderMethod, sign, image: rgb, layout: res.attribution ? layout : 'NCHW', ...(colormap ? { colormap } : {}) });
}

/** An NHWC attribution transposed to NCHW for the .npy output (the documented layout). */
function toNchw(t: Tensor<'float32'>, layout: 'NCHW' | 'NHWC'): Tensor<'float32'> {
  if (layout === 'NCHW' || t.dims.length !== 4) return t;
  const [n, h, w, c] = t.dims as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
    out[((b * c + k) * h + y) * w + x] = t.data[((b * h + y) * w + x) * c + k]!;
  }
  return { dtype: 'float32', dims: [n, c, h, w], data: out };
}

export async function run(opts: ExplainFlags): Promise<void> {
  const methods = getMethods(opts.method ?? 'gradcam');
  const formats = parseFormats(opts.format);
  const inputs = await expandInputs(opts.input ?? opts.image);
  const target = await parseTarget(opts);
  const labels = readLabels(opts.labels);
  const lens = await openLens(opts);
  try {
    const score = scoreTensor(lens, opts.output ? { output: opts.output } : {});
    if (!opts.json) process.stderr.write(`convlens: explaining ${score.tensor} — ${score.reason}\n`);
    const modelHash = await lens.modelHash();
    const out = new OutputDir(opts.out ?? 'convlens-out');
    const bar = progress(inputs.length * methods.length, 'explain');
    const summary: Record<string, unknown>[] = [];
    for (const path of inputs) {
      const input = await loadInput(lens, path, opts);
      if (!input.raster) {
        throw new ConvlensError(ErrorCodes.BAD_USAGE, `${path}: explanations need an image input (got a tensor)`, { hint: 'pass the image; convlens preprocesses it with --preprocess' });
      }
      const outputs = await lens.run(input.tensor, [score.tensor]);
      const predictions = lens.predictions(outputs[score.tensor]!, 5).map((p) => ({ ...p, label: labels?.[p.index] ?? p.label }));
      const tiles: RgbaImage[] = [];
      const tileLabels: string[] = [];
      for (const method of methods) {
        const params = paramsFor(method, opts);
        const res = await method.explain(
          { lens, input: input.tensor, image: input.raster, target, output: score.tensor, ...(labels ? { labels } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.batchSize ? { batchSize: opts.batchSize } : {}) },
          params,
        );
        const base = `${safeName(input.stem)}.${safeName(method.id)}`;
        const record: Record<string, unknown> = {
          convlens: '0.1.0',
          model: { path: lens.source, sha256: modelHash },
          ...res.meta,
          input: { path, ...res.meta.input, preprocess: input.spec },
          predictions,
          files: {} as Record<string, string>,
        };
        const files = record.files as Record<string, string>;
        const picture = renderResult(method, res, input.raster, lens.input.layout, opts);
        if (formats.has('png')) files.png = await out.png(`${base}.png`, picture);
        if (formats.has('npy')) {
          files.map = await out.npy(`${base}.npy`, res.map);
          if (res.attribution) files.attribution = await out.npy(`${base}.attribution.npy`, toNchw(res.attribution, lens.input.layout));
        }
        if (formats.has('json')) files.json = await out.json(`${base}.json`, record);
        tiles.push(picture);
        tileLabels.push(method.id);
        const t = res.meta.target as { label?: string; index?: number };
        summary.push({ input: path, method: method.id, target: t.label ?? t.index ?? '', ms: Math.round(res.meta.timing.totalMs), samples: res.meta.timing.samples, ...(res.meta.extras.relativeDelta !== undefined ? { delta: res.meta.extras.relativeDelta } : {}) });
        bar.tick(`${input.stem} ${method.id}`);
      }
      if (opts.compare && tiles.length > 0) {
        const original = toRgb(input.raster);
        const factor = Math.max(1, Math.floor(192 / Math.max(original.width, original.height)));
        const fig = makeGrid([original, ...tiles].map((t) => upscaleNearest(t, factor)), { labels: ['input', ...tileLabels], columns: tiles.length + 1, fontScale: 2, title: `${input.stem}: ${predictions[0]!.label} (${(predictions[0]!.probability * 100).toFixed(1)}%)` });
        await out.png(`${safeName(input.stem)}.compare.png`, fig);
      }
    }
    bar.stop();
    if (opts.json) {
      printJson({ model: lens.source, score, out: out.dir, results: summary });
    } else {
      process.stdout.write(formatTable(['input', 'method', 'target', 'ms', 'samples'], summary.map((s) => [String(s.input), String(s.method), String(s.target), Number(s.ms), Number(s.samples)])) + '\n');
      process.stdout.write(`wrote ${out.written.length} files to ${out.dir}\n`);
    }
  } finally {
    await lens.dispose();
  }
}
