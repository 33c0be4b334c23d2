/**
 * `convlens visualize`: feature visualization (seed §1.3, issue 5) — images optimized so that a unit
 * fires strongly: channels of a layer (`--channel 12`, `--channels 0-63` or `all`: a batched atlas),
 * classes (`--class 3`), or any objective expression (`--objective "layer4:12 - 0.5*layer3:7"`).
 * Writes one PNG per image, an animation strip of the `--thresholds` snapshots, a grid of all units,
 * and `visualize.json` (settings, seed, per-image objective trajectory, final and transformed values).
 * The optimization itself is `visualizeFeatures` in src/core/methods/featurevis.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ConvlensError, ErrorCodes } from '../../core/errors.ts';
import type { Lens } from '../../core/lens.ts';
import { selectLayer } from '../../core/onnx/select-layer.ts';
import { makeGrid } from '../../core/image/grid.ts';
import { upscaleNearest } from '../../core/maps/upscale.ts';
import { parseNpy } from '../../core/io/npy.ts';
import { modelActLayout, visualizeFeatures, visualizeRecord } from '../../core/methods/featurevis/index.ts';
import type { FeatureVisImage, FeatureVisResult, SpatialParam } from '../../core/methods/featurevis/index.ts';
import { scoreTensor } from '../../core/methods/target.ts';
import { OutputDir, openLens, parseFormats, parseShape, printJson, safeName, stepProgress } from '../shared.ts';
import type { ModelFlags } from '../shared.ts';

export interface VisualizeFlags extends ModelFlags {
  layer?: string;
  channel?: string;
  channels?: string;
  class?: string;
  objective?: string;
  batch?: number;
  steps?: number;
  lr?: string;
  size?: string;
  param?: string;
  decorrelate?: boolean;
  transforms?: boolean;
  seed?: number;
  thresholds?: string;
  diversity?: string;
  imagesPerCall?: number;
  vector?: string[];
  out?: string;
  format?: string;
}

/** One unit to visualize: its objective expression and a file-name stem. */
interface Unit { objective: string; name: string; label: string }

/** Parses `0-63`, `1,4,9-12` or `all` (= 0..count-1). */
export function parseIndexList(s: string, count: number | undefined, what: string): number[] {
  if (s.trim() === 'all') {
    if (count === undefined) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--${what} all needs a layer with a known channel count`);
    return Array.from({ length: count }, (_, i) => i);
  }
  const out: number[] = [];
  for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--${what} "${s}": "${part}" is not an index or a range a-b`, { hint: `e.g. --${what} 0-63 or --${what} 1,4,9-12 or --${what} all` });
    const a = Number(m[1]), b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--${what} "${part}": the range is empty`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  if (out.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--${what} is empty`);
  return [...new Set(out)];
}

function parseNumber(s: string | undefined, flag: string, positive = true): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || (positive && !(n > 0))) throw new ConvlensError(ErrorCodes.BAD_USAGE, `${flag} "${s}" is not a ${positive ? 'positive ' : ''}number`);
  return n;
}

/** The units asked for by --channel/--channels/--class/--objective. */
async function unitsOf(lens: Lens, opts: VisualizeFlags, shape1: number[]): Promise<Unit[]> {
  const given = [opts.channel, opts.channels, opts.class, opts.objective].filter((x) => x !== undefined).length;
  if (given === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'nothing to visualize', { hint: 'pass --layer L --channel 12, --layer L --channels 0-63, --class 3 or --objective "layer4:12 - 0.5*layer3:7"' });
  if (given > 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'give only one of --channel, --channels, --class and --objective');
  if (opts.objective !== undefined) return [{ objective: opts.objective, name: 'objective', label: opts.objective }];
  if (opts.class !== undefined) {
    const labels = lens.labels;
    const score = scoreTensor(lens).tensor;
    const count = (await lens.shapes(shape1)).get(score)?.dims[1];
    const names = opts.class.trim() === 'all' ? Array.from({ length: count ?? 0 }, (_, i) => String(i)) : opts.class.split(',').map((c) => c.trim()).filter(Boolean);
    const ids = names.flatMap((c) => (/^\d+(-\d+)?$/.test(c) ? parseIndexList(c, count, 'class').map(String) : [c]));
    return ids.map((c) => {
      const label = /^\d+$/.test(c) ? (labels?.[Number(c)] ?? c) : c;
      return { objective: /^\d+$/.test(c) ? `class(${c})` : `class(${JSON.stringify(c)})`, name: `class-${safeName(/^\d+$/.test(c) ? `${c}-${label}` : c)}`, label };
    });
  }
  if (!opts.layer) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--channel${opts.channels !== undefined ? 's' : ''} needs --layer`, { hint: 'e.g. --layer features.relu3 --channels 0-15 (layers: `convlens inspect`)' });
  const layer = selectLayer(lens.view, opts.layer);
  const info = (await lens.shapes(shape1)).get(layer.tensor);
  const count = info ? modelActLayout(info.dims, lens.input.layout).channels : undefined;
  const list = opts.channel !== undefined ? parseIndexList(opts.channel, count, 'channel') : parseIndexList(opts.channels!, count, 'channels');
  const sel = JSON.stringify(layer.tensor);
  return list.map((c) => ({ objective: `${sel}:${c}`, name: `${safeName(layer.humanName)}-c${String(c).padStart(3, '0')}`, label: `${layer.humanName}:${c}` }));
}

async function loadVectors(specs: readonly string[] | undefined): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const spec of specs ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(spec);
    if (!m) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--vector "${spec}" is not name=file`, { hint: 'e.g. --vector v=direction.npy, then --objective "direction(layer4, v)"' });
    const bytes = await readFile(m[2]!).catch(() => { throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `cannot read ${m[2]}`); });
    if (extname(m[2]!).toLowerCase() === '.npy') out[m[1]!] = Array.from(parseNpy(new Uint8Array(bytes)).data as ArrayLike<number>, Number);
    else {
      const v = JSON.parse(bytes.toString('utf8')) as unknown;
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new ConvlensError(ErrorCodes.BAD_USAGE, `${m[2]} is not a JSON array of numbers`);
      out[m[1]!] = v as number[];
    }
  }
  return out;
}

/** The model input shape at batch 1: --input-shape, else the declared dims with --size filling symbolic H/W. */
function batchOneShape(lens: Lens, given: number[] | undefined, size: number[] | undefined): number[] {
  if (given) return lens.inputShape([1, ...given.slice(1)]);
  const { dims, layout } = lens.input;
  if (size && dims.length === 4) {
    const [ci, hi, wi] = layout === 'NCHW' ? [1, 2, 3] : [3, 1, 2];
    const fixed = (i: number): number | undefined => (typeof dims[i] === 'number' && (dims[i] as number) > 0 ? (dims[i] as number) : undefined);
    const shape = [1, 0, 0, 0];
    shape[ci] = fixed(ci) ?? 3;
    shape[hi] = fixed(hi) ?? size[0]!;
    shape[wi] = fixed(wi) ?? size[1]!;
    return lens.inputShape(shape);
  }
  return lens.inputShape(dims.map((d, i) => (i === 0 ? 1 : typeof d === 'number' && d > 0 ? d : 0)).some((d) => d === 0) ? undefined : dims.map((d, i) => (i === 0 ? 1 : (d as number))));
}

function tileScale(width: number): number {
  return Math.max(1, Math.floor(112 / width));
}

export async function run(opts: VisualizeFlags): Promise<void> {
  const formats = parseFormats(opts.format ?? 'png,json', ['png', 'npy', 'json']);
  const param = (opts.param ?? 'fft') as SpatialParam;
  if (param !== 'fft' && param !== 'pixel') throw new ConvlensError(ErrorCodes.BAD_USAGE, `--param ${opts.param} is not one of fft, pixel`);
  const steps = opts.steps ?? 512;
  const thresholds = opts.thresholds ? parseIndexList(opts.thresholds, undefined, 'thresholds').sort((a, b) => a - b) : undefined;
  const sm = opts.size !== undefined ? /^\s*(\d+)\s*(?:[x×,]\s*(\d+))?\s*$/.exec(opts.size) : undefined;
  if (opts.size !== undefined && !sm) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--size "${opts.size}" must be one number or HxW`, { hint: 'e.g. --size 128 or --size 96x128' });
  const size = sm ? [Number(sm[1]), Number(sm[2] ?? sm[1])] : undefined;
  const lens = await openLens(opts);
  try {
    const given = parseShape(opts.inputShape);
    const shape1 = batchOneShape(lens, given, size);
    const units = await unitsOf(lens, opts, shape1);
    const vectors = await loadVectors(opts.vector);
    const bar = stepProgress('visualize', 'steps');
    const totalSteps = { n: 0 };
    let res: FeatureVisResult;
    const t0 = performance.now();
    try {
      res = await visualizeFeatures(lens, {
        objectives: units.map((u) => u.objective),
        batch: opts.batch,
        diversity: parseNumber(opts.diversity, '--diversity', false),
        steps, lr: parseNumber(opts.lr, '--lr'),
        size: size as [number, number] | undefined,
        param, decorrelate: opts.decorrelate, transforms: opts.transforms,
        seed: opts.seed, thresholds,
        imagesPerCall: opts.imagesPerCall,
        vectors,
        sessionOptions: opts.threads ? { intraOpThreads: opts.threads } : undefined,
        onStep: (p) => {
          totalSteps.n = p.chunks * p.steps;
          const mean = p.values.reduce((s, v) => s + v, 0) / p.values.length;
          bar.update(p.chunk * p.steps + p.step, totalSteps.n, `images ${p.images[0]! + 1}-${p.images[p.images.length - 1]! + 1} objective ${mean.toFixed(4)}`);
        },
      });
    } finally {
      bar.stop();
    }
    const out = new OutputDir(opts.out ?? 'convlens-out');
    const batch = res.settings.batch;
    const files: Record<string, string>[] = [];
    for (const im of res.images) {
      const unit = units[im.unit]!;
      const stem = batch > 1 ? `${unit.name}-b${im.index}` : unit.name;
      const f: Record<string, string> = {};
      if (formats.has('png')) {
        f.png = await out.png(`${stem}.png`, im.image);
        if (im.snapshots.length > 1) {
          const scale = tileScale(im.image.width);
          f.steps = await out.png(`${stem}.steps.png`, makeGrid(im.snapshots.map((s) => upscaleNearest(s.image, scale)), { labels: im.snapshots.map((s) => `step ${s.step}`), columns: im.snapshots.length }));
        }
      }
      if (formats.has('npy')) f.npy = await out.npy(`${stem}.npy`, { dtype: 'float32', dims: [im.pixels.length / (im.image.width * im.image.height), im.image.height, im.image.width], data: Float32Array.from(im.pixels) });
      files.push(f);
    }
    let grid: string | undefined;
    if (formats.has('png') && res.images.length > 1) {
      const f = tileScale(res.images[0]!.image.width);
      const label = (im: FeatureVisImage): string => `${units[im.unit]!.label.split(':').pop()}${batch > 1 ? `/${im.index}` : ''} ${im.unitValue.toFixed(2)}`;
      const title = opts.channels !== undefined || opts.channel !== undefined ? units[0]!.label.replace(/:\d+$/, '') : undefined;
      grid = await out.png(`${safeName(title ?? 'visualize')}.grid.png`, makeGrid(res.images.map((im) => upscaleNearest(im.image, f)), { labels: res.images.map(label), title, columns: batch > 1 ? batch : undefined }));
    }
    const manifest = visualizeRecord(res, {
      tool: 'convlens visualize', modelPath: lens.source, modelSha256: await lens.modelHash(),
      unitLabels: units.map((u) => u.label), wallMs: performance.now() - t0, grid, files: (_im, i) => files[i]!,
    });
    if (formats.has('json')) await out.json('visualize.json', manifest);
    if (opts.json) printJson({ out: out.dir, ...manifest });
    else {
      const best = res.images.map((im) => `${units[im.unit]!.label}${batch > 1 ? `/${im.index}` : ''}: ${im.unitValue.toFixed(3)}${im.retained !== undefined ? ` (retains ${(im.retained * 100).toFixed(0)}% under transforms)` : ''}`);
      process.stdout.write(`${best.slice(0, 16).join('\n')}${best.length > 16 ? `\n… ${best.length - 16} more` : ''}\nwrote ${out.written.length} files to ${out.dir} (${(res.timing.totalMs / 1000).toFixed(1)} s, ${res.timing.msPerStep.toFixed(1)} ms/step)\n`);
    }
  } finally {
    await lens.dispose();
  }
}
