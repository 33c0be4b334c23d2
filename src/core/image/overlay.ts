/**
 * Heat maps drawn over images: the map is upsampled to the image (bilinear, half-pixel centres), coloured,
 * and blended as `(1 - imageWeight) * heat + imageWeight * image` — the formula of pytorch-grad-cam's
 * `show_cam_on_image` (image weight 0.5, jet by default). NaN/Inf map values are painted in the marker
 * colour, unblended, and counted.
 */

import { ConvlensError, ErrorCodes } from '../errors.ts';
import { applyColormap, NON_FINITE_COLOR } from './colormap.ts';
import type { ColormapName } from './colormap.ts';
import { finiteStats } from './normalize.ts';
import { assertRaster, toRgb } from './raster.ts';
import type { Raster, Rgb, RgbaImage } from './raster.ts';
import { resizePlaneBilinear } from './resize.ts';

/** Options for {@link overlayHeatmap}. */
export interface OverlayOptions {
  /** Colour map for the heat. Default `'jet'` (pytorch-grad-cam's cv2.COLORMAP_JET counterpart). */
  colormap?: ColormapName;
  /** Weight of the image in the blend, in [0, 1]. Default 0.5. */
  imageWeight?: number;
  /**
   * Map value drawn with the first / last colour. Default: the map's finite min and max (pass 0 and 1 for
   * CAMs that are already scaled, as pytorch-grad-cam's are).
   */
  min?: number;
  max?: number;
  /** Corner-aligned upsampling instead of half-pixel centres. Default false. */
  alignCorners?: boolean;
  /**
   * Divide the blend by its maximum before converting to 8 bits, as the last step of `show_cam_on_image`
   * does (`cam = cam / np.max(cam)`). Brightens the result. Default false.
   */
  rescaleToMax?: boolean;
  /** Colour for non-finite map values. Default magenta. */
  nonFiniteColor?: Rgb;
}

/** An overlay plus what was found in the map. */
export interface OverlayResult extends RgbaImage {
  /** Count of NaN/±Inf values in the map given (before upsampling). */
  readonly nonFinite: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Draws `map` (`mapWidth` × `mapHeight`, row-major) over `image`, resized to the image's size.
 *
 * @example
 * const shown = overlayHeatmap(input, cam, 7, 7, { min: 0, max: 1 });
 */
export function overlayHeatmap(image: Raster, map: Float32Array, mapWidth: number, mapHeight: number, opts: OverlayOptions = {}): OverlayResult {
  assertRaster(image);
  if (map.length !== mapWidth * mapHeight || mapWidth < 1 || mapHeight < 1) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `overlayHeatmap: ${map.length} values do not make a ${mapWidth}x${mapHeight} map`);
  }
  const w = opts.imageWeight ?? 0.5;
  if (!(w >= 0 && w <= 1)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `imageWeight must be in [0, 1], got ${w}`);
  const st = finiteStats(map);
  const min = opts.min ?? (st.finite ? st.min : 0);
  const max = opts.max ?? (st.finite ? st.max : 0);
  const W = image.width, H = image.height;
  const up = resizePlaneBilinear(map, mapHeight, mapWidth, H, W, { alignCorners: opts.alignCorners, antialias: true });
  const heat = applyColormap(up, W, H, { name: opts.colormap ?? 'jet', min, max, nonFiniteColor: opts.nonFiniteColor });
  const rgb = toRgb(image);
  const n = W * H;
  const blend = new Float32Array(n * 3);
  let peak = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = (1 - w) * (heat.data[4 * i + c]! / 255) + w * (rgb.data[3 * i + c]! / 255);
      blend[3 * i + c] = v;
      if (Number.isFinite(up[i]!) && v > peak) peak = v;
    }
  }
  const k = opts.rescaleToMax && peak > 0 ? 255 / peak : 255;
  const marker = opts.nonFiniteColor ?? NON_FINITE_COLOR;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const finite = Number.isFinite(up[i]!);
    for (let c = 0; c < 3; c++) {
      const v = finite ? Math.round(blend[3 * i + c]! * k) : marker[c]!;
      out[4 * i + c] = v > 255 ? 255 : v;
    }
    out[4 * i + 3] = 255;
  }
  return { width: W, height: H, channels: 4, data: out, nonFinite: st.nonFinite, min, max };
}
