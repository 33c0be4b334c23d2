/**
 * The picture of one explanation, by family: CAM maps as pytorch-grad-cam's `show_cam_on_image` (jet
 * over the image, image weight 0.5, on its normalized map); attributions as Captum's
 * `visualize_image_attr` (blended heat map; signed methods show both signs, the others |x|).
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { Tensor } from '../../tensor.ts';
import type { ExplainMethod, ExplainResult } from '../types.ts';
import { renderAttribution, ATTRIBUTION_RENDER_METHODS, ATTRIBUTION_SIGNS } from './attribution.ts';
import type { AttributionRenderMethod, AttributionVisualSign } from './attribution.ts';
import { overlayHeatmap } from '../../image/overlay.ts';
import { normalizeMinMax } from '../../image/normalize.ts';
import { toRgb } from '../../image/raster.ts';
import type { Raster, RgbaImage } from '../../image/raster.ts';
import type { ColormapName } from '../../image/colormap.ts';

export interface RenderExplanationOptions {
  /** Layout of the model input (for per-channel attributions). Default 'NCHW'. */
  layout?: 'NCHW' | 'NHWC';
  /** Heat-map colours (CAM default jet; attributions: Captum's defaults per sign). */
  colormap?: ColormapName;
  /** CAM overlay: weight of the image (default 0.5, as show_cam_on_image). */
  imageWeight?: number;
  /** Attributions: heat_map | blended_heat_map (default) | masked_image | alpha_scaling. */
  render?: string;
  /** Attributions: absolute_value | positive | negative | all. Default: all for signed methods, else absolute_value. */
  sign?: string;
}

/** Methods whose raw attribution is signed (shown with both signs by default). */
const SIGNED = new Set(['gradient', 'gradxinput', 'ig']);

export function renderExplanation(method: Pick<ExplainMethod, 'id' | 'family'>, res: ExplainResult, image: Raster, opts: RenderExplanationOptions = {}): RgbaImage {
  const rgb = toRgb(image);
  if (method.family === 'cam') {
    // pytorch-grad-cam's output (normalized per layer, layers averaged, augmentations merged) when the
    // method provides it; otherwise the raw map min-max normalized.
    const normalized = res.arrays?.normalized;
    const [h, w] = (normalized ?? res.map).dims.slice(-2) as [number, number];
    const norm = normalized ? (normalized.data as Float32Array).subarray(0, h * w) : normalizeMinMax(res.map.data).values;
    return overlayHeatmap(rgb, norm, w, h, { colormap: opts.colormap ?? 'jet', imageWeight: opts.imageWeight ?? 0.5, min: 0, max: 1 });
  }
  const renderMethod = (opts.render ?? 'blended_heat_map') as AttributionRenderMethod;
  if (!(ATTRIBUTION_RENDER_METHODS as readonly string[]).includes(renderMethod)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `render mode ${opts.render} is not one of ${ATTRIBUTION_RENDER_METHODS.join(', ')}`);
  }
  const signed = method.family === 'perturbation' || SIGNED.has(method.id);
  const sign = (opts.sign ?? (signed && renderMethod !== 'masked_image' && renderMethod !== 'alpha_scaling' ? 'all' : 'absolute_value')) as AttributionVisualSign;
  if (!(ATTRIBUTION_SIGNS as readonly string[]).includes(sign)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `sign ${opts.sign} is not one of ${ATTRIBUTION_SIGNS.join(', ')}`);
  const attr = res.attribution ?? res.map;
  return renderAttribution(attr, { method: renderMethod, sign, image: rgb, layout: res.attribution ? (opts.layout ?? 'NCHW') : 'NCHW', ...(opts.colormap ? { colormap: opts.colormap } : {}) });
}

/** A per-channel attribution in NCHW (the documented .npy layout), transposing NHWC models' attributions. */
export function attributionToNchw(t: Tensor<'float32'>, layout: 'NCHW' | 'NHWC'): Tensor<'float32'> {
  if (layout === 'NCHW' || t.dims.length !== 4) return t;
  const [n, h, w, c] = t.dims as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
    out[((b * c + k) * h + y) * w + x] = t.data[((b * h + y) * w + x) * c + k]!;
  }
  return { dtype: 'float32', dims: [n, c, h, w], data: out };
}
