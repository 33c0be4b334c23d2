/**
 * Decoding image files into {@link Raster}s and encoding rasters as PNG, with sharp (libvips). Hostile or
 * odd inputs are handled explicitly (RELIABILITY.md 11-12): the pixel count is checked from the header
 * before anything is decoded; truncated or corrupt data (bad PNG CRC, cut JPEG) is an error rather than a
 * grey image; CMYK and 16-bit images are converted to 8-bit sRGB; animated/multi-page images are refused;
 * alpha is flattened onto white unless asked for.
 */

import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { ConvlensError, ErrorCodes } from '../core/errors.ts';
import { assertRaster } from '../core/image/raster.ts';
import type { Raster, Rgb } from '../core/image/raster.ts';
import { writeFileAtomic } from './atomic-write.ts';

/** Default cap on width × height: 50 megapixels (a 50 MP RGB image decodes to 150 MB). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** Options for {@link loadImage}. */
export interface LoadImageOptions {
  /**
   * Refuse images whose header declares more than this many pixels (width × height), before decoding.
   * Default {@link DEFAULT_MAX_PIXELS}. The CLI exposes it as `--max-pixels`.
   */
  maxPixels?: number;
  /** Return RGBA (or gray+alpha as RGBA) instead of flattening transparency onto `background`. Default false. */
  keepAlpha?: boolean;
  /** Colour transparent pixels are flattened onto. Default white `[255, 255, 255]`. */
  background?: Rgb;
  /** Keep grayscale images as 1-channel rasters (otherwise they are expanded to RGB). Default true. */
  keepGray?: boolean;
  /** Rotate/flip according to the EXIF Orientation tag, as viewers do. Default true. */
  autoOrient?: boolean;
  /** Name used in error messages when `pathOrBytes` is a byte array. Default `'<image bytes>'`. */
  name?: string;
}

function decodeError(name: string, detail: string, cause?: unknown): ConvlensError {
  return new ConvlensError(ErrorCodes.IMAGE_DECODE, `cannot decode image ${name}: ${detail}`, {
    hint: 'the file is corrupt, truncated or not an image sharp can read (JPEG, PNG, WebP, GIF, TIFF, AVIF, SVG); re-export it as PNG or JPEG',
    details: { file: name },
    cause,
  });
}

function tooLarge(name: string, width: number, height: number, maxPixels: number): ConvlensError {
  return new ConvlensError(
    ErrorCodes.IMAGE_TOO_LARGE,
    `image ${name} is ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels}`,
    { hint: `if you trust this file, raise the limit with --max-pixels ${width * height} (or downscale the image first)`, details: { file: name, width, height, maxPixels } },
  );
}

function sharpMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim() || 'unknown error';
}

/** Resolves the input: a path is checked to exist and be a non-empty regular file (sharp reads it itself). */
async function checkPath(path: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConvlensError(ErrorCodes.FILE_NOT_FOUND, `image file not found: ${path}`, { hint: 'check the path (relative paths are resolved from the current folder)', details: { file: path }, cause: err });
    }
    throw new ConvlensError(ErrorCodes.IO, `cannot read image ${path}: ${sharpMessage(err)}`, { hint: 'check the file permissions', details: { file: path, errno: code }, cause: err });
  }
  if (!st.isFile()) throw new ConvlensError(ErrorCodes.IO, `cannot read image ${path}: not a regular file`, { hint: 'pass an image file, not a folder or device', details: { file: path } });
  if (st.size === 0) throw decodeError(path, 'the file is empty (0 bytes)');
}

/**
 * Decodes an image file (or its bytes) into an 8-bit raster: 1 channel for grayscale, 3 for colour, 4 when
 * `keepAlpha` is set and the image has transparency.
 *
 * @example
 * const img = await loadImage('cat.jpg');                         // RGB, EXIF-rotated
 * const big = await loadImage(bytes, { name: 'upload.png', maxPixels: 100_000_000 });
 * @throws ConvlensError `E_FILE_NOT_FOUND`, `E_IMAGE_TOO_LARGE` (checked from the header), `E_IMAGE_DECODE`
 *   (unreadable, truncated, corrupt, 0×0), `E_IMAGE_FORMAT` (animated / multi-page).
 */
export async function loadImage(pathOrBytes: string | Uint8Array, opts: LoadImageOptions = {}): Promise<Raster> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `maxPixels must be a positive integer, got ${maxPixels}`);
  }
  const isPath = typeof pathOrBytes === 'string';
  const name = isPath ? pathOrBytes : opts.name ?? '<image bytes>';
  let input: string | Buffer;
  if (isPath) {
    await checkPath(pathOrBytes);
    input = pathOrBytes;
  } else {
    if (pathOrBytes.length === 0) throw decodeError(name, 'no bytes (empty input)');
    input = Buffer.from(pathOrBytes.buffer, pathOrBytes.byteOffset, pathOrBytes.byteLength);
  }

  // 1. Header only: size, pages, colour space. Nothing is decoded yet.
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (err) {
    throw decodeError(name, sharpMessage(err), err);
  }
  const width = meta.width ?? 0, height = meta.height ?? 0;
  if (width <= 0 || height <= 0) throw decodeError(name, `it has no pixels (${width}x${height})`);
  const pages = meta.pages ?? 1;
  if (pages > 1) {
    throw new ConvlensError(ErrorCodes.IMAGE_FORMAT, `image ${name} is animated or multi-page (${pages} frames); convlens needs a single still image`, {
      hint: "extract one frame first, e.g. `ffmpeg -i in.gif -frames:v 1 frame.png` or `magick 'in.gif[0]' frame.png`",
      details: { file: name, pages, format: meta.format },
    });
  }
  // Multiplication in doubles is exact far beyond any real image size.
  if (width * height > maxPixels) throw tooLarge(name, width, height, maxPixels);

  // 2. Decode with the pixel cap enforced by libvips too, and errors (truncation, CRC) fatal.
  const keepGray = opts.keepGray ?? true;
  // (libvips drops alpha when converting to b-w, so gray images whose alpha is kept become RGBA.)
  const gray = keepGray && (meta.space === 'b-w' || meta.space === 'grey16') && !(meta.hasAlpha && opts.keepAlpha);
  const [r, g, b] = opts.background ?? [255, 255, 255];
  let pipe: Sharp = sharp(input, { failOn: 'error', limitInputPixels: maxPixels, autoOrient: opts.autoOrient ?? true });
  if (meta.hasAlpha && !opts.keepAlpha) pipe = pipe.flatten({ background: { r, g, b } });
  // Explicit conversions: CMYK/Lab/16-bit → 8-bit sRGB (or 8-bit gray); the embedded ICC profile is honoured.
  pipe = pipe.toColourspace(gray ? 'b-w' : 'srgb').raw({ depth: 'uchar' });
  let data: Buffer, info: { width: number; height: number; channels: number; depth?: string };
  try {
    ({ data, info } = await pipe.toBuffer({ resolveWithObject: true }));
  } catch (err) {
    const msg = sharpMessage(err);
    if (/pixel limit/i.test(msg)) throw tooLarge(name, width, height, maxPixels);
    throw decodeError(name, msg, err);
  }
  if (info.depth !== undefined && info.depth !== 'uchar') throw decodeError(name, `decoder returned ${info.depth} samples instead of 8-bit`);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const expected = info.width * info.height * info.channels;
  if (bytes.length !== expected) throw decodeError(name, `decoder returned ${bytes.length} bytes for ${info.width}x${info.height}x${info.channels}`);
  if (info.channels === 2) {
    // gray + alpha (keepAlpha) → RGBA
    const n = info.width * info.height;
    const rgba = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      const v = bytes[2 * i]!;
      rgba[4 * i] = v; rgba[4 * i + 1] = v; rgba[4 * i + 2] = v; rgba[4 * i + 3] = bytes[2 * i + 1]!;
    }
    return { width: info.width, height: info.height, channels: 4, data: rgba };
  }
  if (info.channels !== 1 && info.channels !== 3 && info.channels !== 4) {
    throw new ConvlensError(ErrorCodes.IMAGE_FORMAT, `image ${name} decoded to ${info.channels} channels`, { hint: 're-export it as an RGB PNG or JPEG', details: { file: name } });
  }
  return { width: info.width, height: info.height, channels: info.channels, data: bytes };
}

/** Options for {@link encodePng}. */
export interface EncodePngOptions {
  /** zlib level 0-9. Default 6 (sharp's default): a good size/speed balance for figures. */
  compressionLevel?: number;
}

/**
 * Encodes a raster (gray, RGB or RGBA) as PNG bytes.
 *
 * @example
 * const png = await encodePng(applyColormap(cam, 7, 7));
 */
export async function encodePng(img: Raster, opts: EncodePngOptions = {}): Promise<Uint8Array> {
  assertRaster(img);
  if (img.width === 0 || img.height === 0) {
    throw new ConvlensError(ErrorCodes.IMAGE_FORMAT, `cannot encode a ${img.width}x${img.height} image as PNG (it has no pixels)`);
  }
  const input = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  try {
    let pipe = sharp(input, { raw: { width: img.width, height: img.height, channels: img.channels }, limitInputPixels: false });
    if (img.channels === 1) pipe = pipe.toColourspace('b-w'); // a gray PNG, not gray expanded to RGB
    const out = await pipe.png({ compressionLevel: opts.compressionLevel ?? 6 }).toBuffer();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw new ConvlensError(ErrorCodes.IO, `could not encode a ${img.width}x${img.height} PNG: ${sharpMessage(err)}`, { cause: err });
  }
}

/** Encodes a raster as PNG and writes it atomically (temp file + rename) to `path`. */
export async function savePng(path: string, img: Raster, opts: EncodePngOptions & { mkdirs?: boolean } = {}): Promise<void> {
  const bytes = await encodePng(img, opts);
  await writeFileAtomic(path, bytes, { mkdirs: opts.mkdirs });
}
