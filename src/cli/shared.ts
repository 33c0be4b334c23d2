/**
 * What every CLI command shares: resolving the model flag, parsing shapes, expanding `--input`
 * (file, folder or glob), turning an input file into a model input tensor (images are preprocessed;
 * an `.npy` is the already-preprocessed input, used as-is), atomic output writing, progress bars on
 * stderr (silent when stderr is not a TTY), and table printing.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import cliProgress from 'cli-progress';
import { ConvlensError, ErrorCodes } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Lens } from '../core/lens.ts';
import { parseNpy, encodeNpy } from '../core/io/npy.ts';
import { preprocessDetailed } from '../core/image/preprocess.ts';
import type { NormalizeSpec, PreprocessSpec } from '../core/image/preprocess.ts';
import type { Raster } from '../core/image/raster.ts';
import type { ResizeMode } from '../core/image/resize.ts';
import { loadImage, savePng } from '../node/image-io.ts';
import { writeFileAtomic, mkdirp } from '../node/atomic-write.ts';
import { openModel } from '../node/open-model.ts';

export interface ModelFlags {
  model?: string;
  inputShape?: string;
  threads?: number;
  json?: boolean;
}

/** The model path from `--model` or the positional argument. */
export function modelPath(opts: ModelFlags, positional?: string): string {
  const p = opts.model ?? positional;
  if (!p) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'no model given', { hint: 'pass --model model.onnx' });
  return p;
}

/** Parses `1,3,224,224` (also `1x3x224x224`). */
export function parseShape(s: string | undefined): number[] | undefined {
  if (s === undefined) return undefined;
  const parts = s.trim().split(/\s*[,x×]\s*/).map(Number);
  if (!/^\s*\d+(\s*[,x×]\s*\d+)*\s*$/.test(s) || parts.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `--input-shape "${s}" is not a list of positive integers`, { hint: 'e.g. --input-shape 1,3,224,224' });
  }
  return parts;
}

export async function openLens(opts: ModelFlags, positional?: string): Promise<Lens> {
  return openModel(modelPath(opts, positional), opts.threads ? { sessionOptions: { intraOpThreads: opts.threads } } : {});
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.bmp', '.avif']);
const INPUT_EXT = new Set([...IMAGE_EXT, '.npy']);

/** Expands `--input`: a file, a folder (its images and .npy files, sorted) or a glob. */
export async function expandInputs(spec: string | undefined): Promise<string[]> {
  if (!spec) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'no input given', { hint: 'pass --input image.png (a file, a folder or a glob)' });
  if (/[*?[\]{}]/.test(spec)) {
    const files = (await glob(spec, { absolute: false, onlyFiles: true })).filter((f) => INPUT_EXT.has(extname(f).toLowerCase())).sort();
    if (files.length === 0) throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `no images or .npy files match ${spec}`);
    return files;
  }
  if (!existsSync(spec)) throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `input ${spec} does not exist`);
  if (statSync(spec).isDirectory()) {
    const files = (await glob('*', { cwd: spec, onlyFiles: true })).filter((f) => INPUT_EXT.has(extname(f).toLowerCase()) && !f.includes('.mask.')).sort();
    if (files.length === 0) throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `folder ${spec} holds no images or .npy files`);
    return files.map((f) => join(spec, f));
  }
  return [spec];
}

export interface InputFlags {
  preprocess?: string;
  resize?: string;
  maxPixels?: number;
  inputShape?: string;
}

/** Parses `--preprocess`: a preset, `auto`, or `mean=0.5,0.5,0.5;std=0.2,0.2,0.2`. */
export function parsePreprocess(s: string | undefined): NormalizeSpec | undefined {
  if (!s || s === 'auto') return undefined;
  if (s === 'imagenet' || s === 'unit' || s === 'symmetric' || s === 'none') return s;
  const m = /^mean=([-\d.,eE]+);std=([-\d.,eE]+)$/.exec(s.replace(/\s/g, ''));
  if (m) {
    const mean = m[1]!.split(',').map(Number);
    const std = m[2]!.split(',').map(Number);
    if ([...mean, ...std].every(Number.isFinite) && std.every((x) => x > 0)) return { mean, std };
  }
  throw new ConvlensError(ErrorCodes.BAD_USAGE, `--preprocess "${s}" is not understood`, {
    hint: 'use imagenet, unit, symmetric, none, auto, or mean=0.485,0.456,0.406;std=0.229,0.224,0.225',
  });
}

const RESIZE_MODES: readonly ResizeMode[] = ['stretch', 'center-crop', 'letterbox'];

export interface LoadedInput {
  path: string;
  /** File name without extension (used to name outputs). */
  stem: string;
  /** The model input tensor. */
  tensor: Tensor;
  /** The image as fed (after resizing), when the input was an image. */
  raster?: Raster;
  spec?: PreprocessSpec;
}

/** Loads one input file as a model input tensor. */
export async function loadInput(lens: Lens, path: string, flags: InputFlags): Promise<LoadedInput> {
  const stem = basename(path, extname(path));
  if (extname(path).toLowerCase() === '.npy') {
    const bytes = await readFile(path).catch(() => {
      throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `cannot read ${path}`);
    });
    const t = parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const want = lens.input.dims;
    if (want.length && t.dims.length !== want.length) {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${path} has shape [${t.dims.join(',')}] but the model input has rank ${want.length} ([${want.map((d) => d ?? '?').join(',')}])`, {
        hint: 'an .npy input is used as-is: save the preprocessed tensor with the model input shape',
      });
    }
    const tensor = t.dtype === 'float64' && lens.input.dtype === 'float32' ? { dtype: 'float32' as const, dims: t.dims, data: Float32Array.from(t.data as Float64Array) } : t;
    return { path, stem, tensor };
  }
  const resize = (flags.resize ?? 'stretch') as ResizeMode;
  if (!RESIZE_MODES.includes(resize)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--resize "${flags.resize}" is not one of ${RESIZE_MODES.join(', ')}`);
  const image = await loadImage(path, flags.maxPixels ? { maxPixels: flags.maxPixels } : {});
  const normalize = parsePreprocess(flags.preprocess);
  const shape = lens.inputShape(parseShape(flags.inputShape) ?? defaultShapeFor(lens, image));
  const spec = lens.preprocessSpec({ resize, ...(normalize ? { normalize } : {}) }, shape);
  const result = preprocessDetailed(image, spec);
  return { path, stem, tensor: result.tensor, raster: result.input, spec };
}

/** For models with symbolic H/W, the image's own size (batch 1). */
function defaultShapeFor(lens: Lens, image: Raster): number[] | undefined {
  const { dims, layout } = lens.input;
  if (dims.length !== 4 || dims.slice(1).every((d) => typeof d === 'number' && d > 0)) return undefined;
  const c = typeof dims[layout === 'NCHW' ? 1 : 3] === 'number' ? (dims[layout === 'NCHW' ? 1 : 3] as number) : 3;
  return layout === 'NCHW' ? [1, c, image.height, image.width] : [1, image.height, image.width, c];
}

/** Output formats selected by `--format png,npy,json`. */
export function parseFormats(s: string | undefined, allowed: readonly string[] = ['png', 'npy', 'json']): Set<string> {
  const set = new Set((s ?? allowed.join(',')).split(',').map((x) => x.trim().toLowerCase()).filter(Boolean));
  for (const f of set) if (!allowed.includes(f)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `--format ${f} is not one of ${allowed.join(', ')}`);
  return set;
}

/** Writes outputs atomically under one folder and remembers what it wrote. */
export class OutputDir {
  readonly dir: string;
  readonly written: string[] = [];
  constructor(dir: string) {
    this.dir = resolve(dir);
  }
  async png(name: string, img: Raster): Promise<string> {
    const p = join(this.dir, name);
    await mkdirp(dirname(p));
    await savePng(p, img);
    this.written.push(p);
    return p;
  }
  async npy(name: string, t: Tensor): Promise<string> {
    return this.bytes(name, encodeNpy(t));
  }
  async json(name: string, value: unknown): Promise<string> {
    return this.bytes(name, JSON.stringify(value, null, 2) + '\n');
  }
  async bytes(name: string, data: Uint8Array | string): Promise<string> {
    const p = join(this.dir, name);
    await mkdirp(dirname(p));
    await writeFileAtomic(p, data);
    this.written.push(p);
    return p;
  }
}

/** The CLI's one progress-bar style, on stderr; `format` uses cli-progress placeholders. */
function stderrBar(format: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar({ stream: process.stderr, format, hideCursor: true }, cliProgress.Presets.shades_classic);
}

/** A progress bar on stderr for multi-item work; a no-op when stderr is not a TTY or for one item. */
export function progress(total: number, label: string): { tick(item?: string): void; stop(): void } {
  if (total <= 1 || !process.stderr.isTTY) return { tick() {}, stop() {} };
  const bar = stderrBar(`${label} [{bar}] {value}/{total} {item}`);
  bar.start(total, 0, { item: '' });
  return { tick: (item) => bar.increment(1, { item: item ?? '' }), stop: () => bar.stop() };
}

/**
 * A progress bar on stderr for work counted in `unit`s whose total may change (e.g. optimization steps
 * over several chunks), with a free text after it; a no-op when stderr is not a TTY.
 */
export function stepProgress(label: string, unit: string): { update(done: number, total: number, text: string): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = stderrBar(`${label} [{bar}] {value}/{total} ${unit} {text}`);
  let started = false;
  return {
    update(done, total, text) {
      if (!started) { bar.start(total, 0, { text }); started = true; }
      bar.setTotal(total);
      bar.update(done, { text });
    },
    stop: () => { if (started) bar.stop(); },
  };
}

/** Renders rows as an aligned text table. Numbers are right-aligned. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  return cells
    .map((r, ri) => r.map((c, i) => (numeric[i] && ri > 0 ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/** A file-name-safe version of a layer name. */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 120) || 'layer';
}

/** Writes JSON to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
