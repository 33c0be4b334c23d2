/**
 * Shared pieces of the superpixel surrogate methods (LIME, KernelSHAP): their common parameters,
 * segmenting the input picture, the "switched-off" image, turning a coalition z ∈ {0,1}^M into a
 * keep-mask (on superpixels keep the input, off ones take the baseline), and turning per-superpixel weights
 * into a map plus the top-k report (the result record, {@link finishSuperpixels}).
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { defaultBlurSigma, makeBaseline } from '../baseline.ts';
import { imageRaster } from '../input.ts';
import type { ImageTensor } from '../input.ts';
import type { ExplainResult, ParamSpec } from '../types.ts';
import { finish } from './base.ts';
import type { PerturbationRun } from './base.ts';
import { gridSegments, segmentPixels, slic } from './superpixels.ts';
import type { Segmentation } from './superpixels.ts';

/** Parameters LIME and KernelSHAP share. */
export interface SuperpixelParams {
  /** `'slic'` (SLIC in CIELAB on the input picture) or `'grid'` (regular rectangles). */
  segmentation: 'slic' | 'grid';
  /** Approximate number of superpixels. */
  nSegments: number;
  /** SLIC colour/space balance m. */
  compactness: number;
  /**
   * What switched-off superpixels become: `'segment-mean'` (each superpixel's own mean colour —
   * LIME's `hide_color=None`), `'mean'` (the image's mean colour), `'blur'`, or a number in
   * model-input units.
   */
  baseline: number | 'segment-mean' | 'mean' | 'blur';
  /** σ in pixels of the `'blur'` baseline; `'auto'` = min(H, W) / 8. */
  blurSigma: number | 'auto';
  /** How many superpixels to list in the report (largest |weight| first). */
  topK: number;
}

/** The {@link SuperpixelParams} specs with a method's own baseline default. */
export function superpixelParamSpecs(baselineDefault: SuperpixelParams['baseline'], baselineDoc: string): ParamSpec[] {
  return [
    { name: 'segmentation', type: 'enum', default: 'slic', choices: ['slic', 'grid'], doc: 'superpixels: slic (SLIC in CIELAB on the input picture) or grid (regular rectangles)' },
    { name: 'nSegments', type: 'integer', default: 50, min: 1, doc: 'approximate number of superpixels' },
    { name: 'compactness', type: 'number', default: 10, min: 1e-6, doc: "SLIC colour/space balance (scikit-image's default 10); larger = squarer" },
    { name: 'baseline', type: 'number|string', default: baselineDefault, choices: ['segment-mean', 'mean', 'blur'], doc: baselineDoc },
    { name: 'blurSigma', type: 'number|string', default: 'auto', choices: ['auto'], min: 0, doc: "σ in pixels of the 'blur' baseline; auto = min(H, W) / 8" },
    { name: 'topK', type: 'integer', default: 5, min: 0, doc: 'superpixels listed in the report, largest |weight| first' },
  ];
}

/** A segmented input, ready to build coalitions. */
export interface SuperpixelSetup {
  seg: Segmentation;
  /** CSR pixel lists per segment. */
  start: Int32Array;
  pixels: Int32Array;
  /** The switched-off image (input layout). */
  off: Float32Array;
  /** Effective σ of the blur baseline. */
  blurSigma: number;
  /** Set when the segmentation fell back to the grid (reported in the manifest). */
  note?: string;
}

/** Segments the input picture and builds the switched-off image. */
export function setupSuperpixels(run: PerturbationRun, p: SuperpixelParams): SuperpixelSetup {
  const { img } = run;
  let seg: Segmentation;
  let note: string | undefined;
  if (p.segmentation === 'grid') seg = gridSegments(img.W, img.H, p.nSegments);
  else if (p.segmentation === 'slic') {
    seg = slic(imageRaster(img, run.ctx.lens, run.ctx.image), { nSegments: p.nSegments, compactness: p.compactness });
    if (seg.count < 2 && p.nSegments >= 2) {
      // Pure noise (no colour region larger than the minimum size) merges into one superpixel.
      seg = gridSegments(img.W, img.H, p.nSegments);
      note = 'SLIC found a single superpixel (no coherent colour regions); a regular grid was used instead';
    }
  } else {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown segmentation "${String(p.segmentation)}"`, { hint: 'use slic or grid' });
  }
  const { start, pixels } = segmentPixels(seg);
  const blurSigma = p.blurSigma === 'auto' ? defaultBlurSigma(img.H, img.W) : p.blurSigma;
  const off = p.baseline === 'segment-mean' ? segmentMeanImage(img, seg, start, pixels) : makeBaseline(p.baseline, img, { blurSigma });
  return { seg, start, pixels, off, blurSigma, ...(note ? { note } : {}) };
}

/** Every superpixel filled with its own per-channel mean (LIME's default "fudged image"). */
export function segmentMeanImage(img: ImageTensor, seg: Segmentation, start: Int32Array, pixels: Int32Array): Float32Array {
  const out = new Float32Array(img.data.length);
  for (let k = 0; k < seg.count; k++) {
    const a = start[k]!, b = start[k + 1]!;
    for (let c = 0; c < img.C; c++) {
      const o = c * img.cStride;
      let s = 0;
      for (let i = a; i < b; i++) s += img.data[o + pixels[i]! * img.pStride]!;
      const mean = s / Math.max(1, b - a);
      for (let i = a; i < b; i++) out[o + pixels[i]! * img.pStride] = mean;
    }
  }
  return out;
}

/** The per-pixel keep-mask of coalition `z`: 1 on superpixels with `z[k]` non-zero, 0 elsewhere. */
export function coalitionMask(mask: Float32Array, z: ArrayLike<number>, seg: Segmentation): void {
  const labels = seg.labels;
  for (let q = 0; q < labels.length; q++) mask[q] = z[labels[q]!] ? 1 : 0;
}

/** Paints each pixel with its superpixel's weight. */
export function segmentMap(weights: ArrayLike<number>, seg: Segmentation): Float32Array {
  const out = new Float32Array(seg.labels.length);
  for (let p = 0; p < out.length; p++) out[p] = weights[seg.labels[p]!]!;
  return out;
}

/** The k superpixels with the largest |weight| (ties: lower index first). */
export function topSuperpixels(weights: ArrayLike<number>, start: Int32Array, k: number): { segment: number; weight: number; pixels: number }[] {
  const idx = Array.from({ length: weights.length }, (_, i) => i);
  idx.sort((a, b) => Math.abs(weights[b]!) - Math.abs(weights[a]!) || a - b);
  return idx.slice(0, k).map((i) => ({ segment: i, weight: weights[i]!, pixels: start[i + 1]! - start[i]! }));
}

/** The segmentation as an int32 `[1, 1, H, W]` tensor (returned in `arrays.segments`). */
export function segmentsTensor(seg: Segmentation): { dtype: 'int32'; dims: number[]; data: Int32Array } {
  return { dtype: 'int32', dims: [1, 1, seg.height, seg.width], data: seg.labels };
}

/**
 * The result record of a superpixel method: per-superpixel `values` painted as the map, and in the
 * extras the segment count, any segmentation note, the method's own `extras` (in their order), then the
 * top-`params.topK` superpixels of `values`; the segmentation goes in `arrays.segments`.
 */
export function finishSuperpixels<P extends SuperpixelParams>(
  run: PerturbationRun,
  method: Parameters<typeof finish>[1],
  params: P,
  sp: SuperpixelSetup,
  values: ArrayLike<number>,
  extras: Record<string, unknown>,
): ExplainResult {
  return finish(run, method, params, segmentMap(values, sp.seg), {
    segments: sp.seg.count,
    ...(sp.note ? { segmentationNote: sp.note } : {}),
    ...extras,
    topSuperpixels: topSuperpixels(values, sp.start, params.topK),
  }, { arrays: { segments: segmentsTensor(sp.seg) } });
}
