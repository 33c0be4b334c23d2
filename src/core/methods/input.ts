/**
 * One model input image as the methods see it: the flat float32 data of a batch-1 `[1, C, H, W]` or
 * `[1, H, W, C]` tensor with its geometry and strides, so per-pixel loops are written once for both
 * layouts (`data[c * cStride + p * pStride]`, p = y * W + x). Also the way back to pixels
 * ({@link imageRaster}) for methods that segment the picture.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { Lens } from '../lens.ts';
import { deprocess } from '../image/preprocess.ts';
import type { Layout } from '../image/preprocess.ts';
import type { Raster } from '../image/raster.ts';
import { toRgb } from '../image/raster.ts';
import { resizeRaster } from '../image/resize.ts';
import type { Tensor } from '../tensor.ts';

/** A single image in model-input units. */
export interface ImageTensor {
  /** `C·H·W` values in `layout` order (no batch axis). */
  readonly data: Float32Array;
  /** Dims of the batch-1 tensor, e.g. `[1, 3, 224, 224]`. */
  readonly dims: readonly number[];
  readonly layout: Layout;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  /** Distance between channels of a pixel (`H·W` for NCHW, 1 for NHWC). */
  readonly cStride: number;
  /** Distance between neighbouring pixels of a channel (1 for NCHW, `C` for NHWC). */
  readonly pStride: number;
}

/**
 * Validates a batch-1 float32 image tensor and describes it.
 * @throws ConvlensError(INPUT_SHAPE) when it is not `[1, C, H, W]` / `[1, H, W, C]` float32
 */
export function imageTensor(t: Tensor, layout: Layout, what = 'input'): ImageTensor {
  if (t.dtype !== 'float32') {
    throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${what} is ${t.dtype}; explanation methods take a float32 image tensor`, { hint: 'preprocess the image with the model\'s preprocessing (float32)' });
  }
  if (t.dims.length !== 4) {
    throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${what} has shape [${t.dims.join(', ')}]; explanation methods need one image, [1, C, H, W] or [1, H, W, C]`, {
      hint: 'pass a batch of one 2-D image',
    });
  }
  if (t.dims[0] !== 1) {
    throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${what} has a batch of ${t.dims[0]}; explain one image at a time`, { hint: 'slice the batch and call explain() per image' });
  }
  const [C, H, W] = layout === 'NCHW' ? [t.dims[1]!, t.dims[2]!, t.dims[3]!] : [t.dims[3]!, t.dims[1]!, t.dims[2]!];
  if (!(C > 0 && H > 0 && W > 0)) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${what} has an empty shape [${t.dims.join(', ')}]`);
  return {
    data: t.data as Float32Array, dims: [...t.dims], layout, C, H, W,
    cStride: layout === 'NCHW' ? H * W : 1, pStride: layout === 'NCHW' ? 1 : C,
  };
}

/**
 * The picture behind an input, as 8-bit RGB (gray is replicated): `given` when it has the input's size
 * (resized when it does not), else the input with the model's normalisation undone, else (inputs with
 * other than 1 or 3 channels) the first channels min-max scaled to 0-255.
 */
export function imageRaster(img: ImageTensor, lens: Pick<Lens, 'preprocessSpec'> | undefined, given?: Raster): Raster {
  if (given) {
    const rgb = given.channels === 3 ? given : toRgb(given);
    return rgb.width === img.W && rgb.height === img.H ? rgb : resizeRaster(rgb, img.W, img.H);
  }
  if (img.C === 1 || img.C === 3) {
    try {
      const normalize = lens?.preprocessSpec({}, img.dims).normalize ?? 'unit';
      const r = deprocess({ dtype: 'float32', dims: img.dims, data: img.data }, { normalize, layout: img.layout });
      return r.channels === 3 ? r : toRgb(r);
    } catch {
      // fall through to min-max scaling
    }
  }
  const out = new Uint8Array(img.H * img.W * 3);
  const n = img.H * img.W;
  for (let k = 0; k < 3; k++) {
    const c = Math.min(k, img.C - 1);
    let lo = Infinity, hi = -Infinity;
    for (let p = 0; p < n; p++) {
      const v = img.data[c * img.cStride + p * img.pStride]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const s = hi > lo ? 255 / (hi - lo) : 0;
    for (let p = 0; p < n; p++) out[p * 3 + k] = Math.round((img.data[c * img.cStride + p * img.pStride]! - lo) * s);
  }
  return { width: img.W, height: img.H, channels: 3, data: out };
}
