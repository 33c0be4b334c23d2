/**
 * Rendering of signed per-pixel attributions (gradients, IG, SmoothGrad, occlusion...) the way Captum's
 * `visualization.visualize_image_attr` draws them, as an {@link RgbaImage}:
 *
 * 1. channels are summed (Captum's `reduction_axis=2`), keeping the sign;
 * 2. `sign` picks what is shown — `absolute_value` (|a|), `positive` (a > 0), `negative` (−a for a < 0)
 *    or `all` (signed) — and the values are divided by the threshold below which lie (100 − `outlierPercent`)%
 *    of the attribution mass (Captum's `_cumulative_sum_threshold`, outlier_perc = 2) and clipped to
 *    [0, 1] ([−1, 1] for `all`) — `normalizeOutliers` of src/core/image/normalize.ts;
 * 3. `method` draws them: `heat_map` (colour map only), `blended_heat_map` (the heat map at
 *    `alphaOverlay` over the image's channel mean drawn in gray, min–max scaled as matplotlib's imshow
 *    does), `masked_image` (image × normalised attribution) or `alpha_scaling` (the image with the
 *    normalised attribution as alpha). The last two cannot show signed values (sign `all` is refused, as
 *    in Captum).
 *
 * Default colour maps are Captum's: `Blues` (absolute_value), `Greens` (positive), `Reds` (negative), and
 * red–white–green for `all` (matplotlib's `Blues`/`Greens`/`Reds` are ColorBrewer's 9-class sequential
 * schemes, linearly interpolated to 256 entries; `'green'` is #008000). Any convlens colour map can be
 * given instead.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { applyColormap, NON_FINITE_COLOR } from '../../image/colormap.ts';
import type { ColormapName } from '../../image/colormap.ts';
import { normalizeOutliers } from '../../image/normalize.ts';
import type { AttributionSign } from '../../image/normalize.ts';
import { assertRaster, toRgb } from '../../image/raster.ts';
import type { Raster, RgbaImage } from '../../image/raster.ts';
import { resizePlaneBilinear } from '../../image/resize.ts';
import type { Tensor } from '../../tensor.ts';

/** Captum's `sign` values (`absolute` is accepted as an alias of `absolute_value`). */
export const ATTRIBUTION_SIGNS = ['absolute_value', 'positive', 'negative', 'all'] as const;
export type AttributionVisualSign = (typeof ATTRIBUTION_SIGNS)[number] | 'absolute';

/** Captum's `method` values. */
export const ATTRIBUTION_RENDER_METHODS = ['heat_map', 'blended_heat_map', 'masked_image', 'alpha_scaling'] as const;
export type AttributionRenderMethod = (typeof ATTRIBUTION_RENDER_METHODS)[number];

/** Options for {@link renderAttribution}. */
export interface RenderAttributionOptions {
  /** How to draw. Default `'heat_map'`. */
  method?: AttributionRenderMethod;
  /** Which values to show. Default `'absolute_value'` (Captum's default). */
  sign?: AttributionVisualSign;
  /** Percent of the attribution mass clipped as outliers. Default 2 (Captum's `outlier_perc`). */
  outlierPercent?: number;
  /** Colour map for the heat maps. Default: Captum's for the sign (Blues / Greens / Reds / red-white-green). */
  colormap?: ColormapName;
  /** Opacity of the heat map in `blended_heat_map`. Default 0.5 (Captum's `alpha_overlay`). */
  alphaOverlay?: number;
  /**
   * The picture the attribution belongs to; needed by every method but `heat_map`. When its size differs
   * from the attribution's, the normalised map is resized to it (bilinear, half-pixel centres).
   */
  image?: Raster;
  /** Layout of a rank-4 (rank-3 without batch) attribution tensor. Default `'NCHW'`. */
  layout?: 'NCHW' | 'NHWC';
  /** Batch item to draw. Default 0. */
  item?: number;
}

/** A rendered attribution plus what was used to scale it. */
export interface RenderedAttribution extends RgbaImage {
  /** The clipping threshold: the attribution value drawn at full strength. */
  readonly threshold: number;
  /** The channel-summed attribution after sign selection and scaling (`H × W`, in [0, 1] or [−1, 1]). */
  readonly normalized: Float32Array;
  /** NaN/±Inf values in the attribution (drawn in the marker colour, or as 0 in masked/alpha modes). */
  readonly nonFinite: number;
}

// ColorBrewer 9-class sequential schemes (matplotlib _cm.py `_Blues_data`, `_Greens_data`, `_Reds_data`).
const BREWER: Record<'Blues' | 'Greens' | 'Reds', readonly number[]> = {
  Blues: [0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5, 0x08519c, 0x08306b],
  Greens: [0xf7fcf5, 0xe5f5e0, 0xc7e9c0, 0xa1d99b, 0x74c476, 0x41ab5d, 0x238b45, 0x006d2c, 0x00441b],
  Reds: [0xfff5f0, 0xfee0d2, 0xfcbba1, 0xfc9272, 0xfb6a4a, 0xef3b2c, 0xcb181d, 0xa50f15, 0x67000d],
};
/** Captum's `LinearSegmentedColormap.from_list("RdWhGn", ["red", "white", "green"])`. */
const RD_WH_GN = [0xff0000, 0xffffff, 0x008000];

const lutCache = new Map<string, Uint8Array>();

/** 256-entry LUT of evenly spaced colours linearly interpolated (matplotlib `from_list`, N = 256). */
function listLut(name: string, colors: readonly number[]): Uint8Array {
  let lut = lutCache.get(name);
  if (lut) return lut;
  lut = new Uint8Array(768);
  const segs = colors.length - 1;
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * segs;
    const k = Math.min(segs - 1, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++) {
      const shift = 16 - 8 * c;
      const a = ((colors[k]! >> shift) & 255) / 255, b = ((colors[k + 1]! >> shift) & 255) / 255;
      lut[3 * i + c] = Math.floor((a + f * (b - a)) * 255 + 1e-6);
    }
  }
  lutCache.set(name, lut);
  return lut;
}

/** Captum's default colour map LUT for a sign. */
export function captumColormapLut(sign: (typeof ATTRIBUTION_SIGNS)[number]): Uint8Array {
  switch (sign) {
    case 'all': return listLut('RdWhGn', RD_WH_GN);
    case 'positive': return listLut('Greens', BREWER.Greens);
    case 'negative': return listLut('Reds', BREWER.Reds);
    case 'absolute_value': return listLut('Blues', BREWER.Blues);
  }
}

/** Heat colours (RGB bytes, 3 per value) of values in [vmin, vmax] (matplotlib's `floor(t · 256)` indexing). */
function heatColors(values: Float32Array, w: number, h: number, sign: (typeof ATTRIBUTION_SIGNS)[number], colormap?: ColormapName): Uint8Array {
  const vmin = sign === 'all' ? -1 : 0;
  const out = new Uint8Array(values.length * 3);
  if (colormap) {
    const img = applyColormap(values, w, h, { name: colormap, min: vmin, max: 1 });
    for (let i = 0; i < values.length; i++) { out[3 * i] = img.data[4 * i]!; out[3 * i + 1] = img.data[4 * i + 1]!; out[3 * i + 2] = img.data[4 * i + 2]!; }
    return out;
  }
  const lut = captumColormapLut(sign);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) { out[3 * i] = NON_FINITE_COLOR[0]; out[3 * i + 1] = NON_FINITE_COLOR[1]; out[3 * i + 2] = NON_FINITE_COLOR[2]; continue; }
    let k = Math.floor(((v - vmin) / (1 - vmin)) * 256);
    k = k < 0 ? 0 : k > 255 ? 255 : k;
    out[3 * i] = lut[3 * k]!; out[3 * i + 1] = lut[3 * k + 1]!; out[3 * i + 2] = lut[3 * k + 2]!;
  }
  return out;
}

/** Sums the channels of item `item` of an attribution → `{ values (H × W), H, W }`. */
export function channelSum(attr: Tensor, layout: 'NCHW' | 'NHWC' = 'NCHW', item = 0): { values: Float32Array; height: number; width: number } {
  const d = attr.dims;
  const data = attr.data as ArrayLike<number>;
  if (attr.dtype !== 'float32' && attr.dtype !== 'float64') throw new ConvlensError(ErrorCodes.BAD_USAGE, `renderAttribution: attributions must be float32 or float64, got ${attr.dtype}`);
  let N: number, C: number, H: number, W: number;
  if (d.length === 2) { N = 1; C = 1; [H, W] = d as [number, number]; }
  else if (d.length === 3) { N = 1; if (layout === 'NHWC') [H, W, C] = d as [number, number, number]; else [C, H, W] = d as [number, number, number]; }
  else if (d.length === 4) { if (layout === 'NHWC') [N, H, W, C] = d as [number, number, number, number]; else [N, C, H, W] = d as [number, number, number, number]; }
  else throw new ConvlensError(ErrorCodes.BAD_USAGE, `renderAttribution: expected an attribution of rank 2-4 ([N, C, H, W], [C, H, W] or [H, W]), got [${d.join(', ')}]`);
  if (!Number.isInteger(item) || item < 0 || item >= N) throw new ConvlensError(ErrorCodes.BAD_USAGE, `renderAttribution: item ${item} is out of range for a batch of ${N}`);
  const plane = H * W;
  const values = new Float32Array(plane);
  const base = item * C * plane;
  for (let p = 0; p < plane; p++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += data[base + (layout === 'NHWC' && d.length >= 3 ? p * C + c : c * plane + p)]!;
    values[p] = s;
  }
  return { values, height: H, width: W };
}

/**
 * Draws an attribution like Captum's `visualize_image_attr`.
 *
 * @param attr signed attributions `[N, C, H, W]` (or `[N, H, W, C]` with `layout: 'NHWC'`, `[C, H, W]`,
 *   `[H, W]`, or a `[N, 1, H, W]` map)
 * @example
 * const res = await integratedGradients.explain({ lens, input });
 * const png = renderAttribution(res.attribution!, { method: 'blended_heat_map', sign: 'all', image, layout: res.meta.input.layout });
 * @throws ConvlensError(BAD_USAGE) for a method that needs the image without one, `masked_image` /
 *   `alpha_scaling` with sign `all`, an unknown method or sign, or an outlier percent outside [0, 100)
 */
export function renderAttribution(attr: Tensor, opts: RenderAttributionOptions = {}): RenderedAttribution {
  const method = opts.method ?? 'heat_map';
  const sign0 = opts.sign ?? 'absolute_value';
  const sign = sign0 === 'absolute' ? 'absolute_value' : sign0;
  if (!(ATTRIBUTION_RENDER_METHODS as readonly string[]).includes(method)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown attribution rendering method "${String(method)}"`, { hint: `use one of ${ATTRIBUTION_RENDER_METHODS.join(', ')}` });
  }
  if (!(ATTRIBUTION_SIGNS as readonly string[]).includes(sign)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown attribution sign "${String(sign0)}"`, { hint: `use one of ${ATTRIBUTION_SIGNS.join(', ')}` });
  }
  if ((method === 'masked_image' || method === 'alpha_scaling') && sign === 'all') {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `${method} cannot show positive and negative attributions together (sign "all")`, { hint: 'use sign absolute_value, positive or negative, or method heat_map / blended_heat_map' });
  }
  if (method !== 'heat_map' && !opts.image) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `${method} needs the original image`, { hint: 'pass opts.image (the picture the attribution belongs to), or use method heat_map' });
  }
  const alpha = opts.alphaOverlay ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `alphaOverlay must be in [0, 1], got ${alpha}`);
  const { values, height, width } = channelSum(attr, opts.layout ?? 'NCHW', opts.item ?? 0);
  const normSign: AttributionSign = sign === 'absolute_value' ? 'absolute' : sign;
  const norm = normalizeOutliers(values, { sign: normSign, outlierPercent: opts.outlierPercent ?? 2, threshold: 'cumulative-sum' });
  let shown = norm.values;
  let W = width, H = height;
  if (opts.image) {
    assertRaster(opts.image);
    if (opts.image.width !== width || opts.image.height !== height) {
      W = opts.image.width; H = opts.image.height;
      shown = resizePlaneBilinear(norm.values, height, width, H, W);
    }
  }
  const n = W * H;
  const out = new Uint8Array(n * 4);
  const threshold = sign === 'negative' ? -norm.high : norm.high;
  const result = (data: Uint8Array): RenderedAttribution => ({ width: W, height: H, channels: 4, data, threshold, normalized: norm.values, nonFinite: norm.nonFinite });

  if (method === 'heat_map' || method === 'blended_heat_map') {
    const heat = heatColors(shown, W, H, sign, opts.colormap);
    if (method === 'heat_map') {
      for (let i = 0; i < n; i++) { out[4 * i] = heat[3 * i]!; out[4 * i + 1] = heat[3 * i + 1]!; out[4 * i + 2] = heat[3 * i + 2]!; out[4 * i + 3] = 255; }
      return result(out);
    }
    // gray = mean over the image's channels, min–max scaled (imshow's autoscaling), through the gray LUT
    const rgb = toRgb(opts.image!);
    const gray = new Float64Array(n);
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = (rgb.data[3 * i]! + rgb.data[3 * i + 1]! + rgb.data[3 * i + 2]!) / 3;
      gray[i] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    for (let i = 0; i < n; i++) {
      let k = hi > lo ? Math.floor(((gray[i]! - lo) / (hi - lo)) * 256) : 0;
      k = k > 255 ? 255 : k;
      const finite = Number.isFinite(shown[i]!);
      for (let c = 0; c < 3; c++) {
        const v = finite ? alpha * heat[3 * i + c]! + (1 - alpha) * k : heat[3 * i + c]!;
        out[4 * i + c] = Math.round(v);
      }
      out[4 * i + 3] = 255;
    }
    return result(out);
  }
  const rgb = toRgb(opts.image!);
  for (let i = 0; i < n; i++) {
    const s = Number.isFinite(shown[i]!) ? shown[i]! : 0;
    if (method === 'masked_image') {
      for (let c = 0; c < 3; c++) out[4 * i + c] = Math.min(255, Math.max(0, Math.trunc(rgb.data[3 * i + c]! * s)));
      out[4 * i + 3] = 255;
    } else {
      for (let c = 0; c < 3; c++) out[4 * i + c] = rgb.data[3 * i + c]!;
      out[4 * i + 3] = Math.min(255, Math.max(0, Math.trunc(s * 255)));
    }
  }
  return result(out);
}
