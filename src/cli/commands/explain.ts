/**
 * `convlens explain`: CAM family, gradient attributions and perturbation methods for any ONNX model.
 * Per input and method it writes an overlay PNG, the raw map as .npy (and the per-channel attribution,
 * NCHW, where the method has one), and a JSON run manifest (model hash, layer, target, method with every
 * parameter, seed, timing, top-k predictions) that makes the run reproducible. `--compare` adds one
 * side-by-side figure per input; a folder or glob runs the batch with a progress bar and a summary.
 */
import { readFileSync } from 'node:fs';
import { ConvlensError, ErrorCodes } from '../../core/errors.ts';
import { getMethods } from '../../core/methods/registry.ts';
import type { ExplainMethod, ExplainResult } from '../../core/methods/types.ts';
import { scoreTensor } from '../../core/methods/target.ts';
import { buildRunRecord } from '../../core/methods/record.ts';
import type { TargetSpec } from '../../core/methods/target.ts';
import { renderExplanation, attributionToNchw } from '../../core/methods/render/explanation.ts';
import { makeGrid } from '../../core/image/grid.ts';
import { toRgb } from '../../core/image/raster.ts';
import type { RgbaImage } from '../../core/image/raster.ts';
import { loadImage } from '../../node/image-io.ts';
import { readLabelsFile } from '../../node/labels.ts';
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

export async function run(opts: ExplainFlags): Promise<void> {
  const methods = getMethods(opts.method ?? 'gradcam');
  const formats = parseFormats(opts.format);
  const inputs = await expandInputs(opts.input ?? opts.image);
  const target = await parseTarget(opts);
  const labels = opts.labels ? readLabelsFile(opts.labels) : undefined;
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
      if (!input.raster || !input.spec) {
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
        const files: Record<string, string> = {};
        const record = buildRunRecord({ meta: res.meta, modelPath: lens.source, modelSha256: modelHash, input: { path }, preprocess: input.spec, predictions, files });
        const picture = renderExplanation(method, res, input.raster, {
          layout: lens.input.layout,
          ...(opts.colormap ? { colormap: parseColormap(opts.colormap) } : {}),
          ...(opts.imageWeight !== undefined ? { imageWeight: Number(opts.imageWeight) } : {}),
          ...(opts.render ? { render: opts.render } : {}),
          ...(opts.sign ? { sign: opts.sign } : {}),
        });
        if (formats.has('png')) files.png = await out.png(`${base}.png`, picture);
        if (formats.has('npy')) {
          files.map = await out.npy(`${base}.npy`, res.map);
          if (res.attribution) files.attribution = await out.npy(`${base}.attribution.npy`, attributionToNchw(res.attribution, lens.input.layout));
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
