/**
 * Filter (kernel) visualization (seed §1.1): a conv layer's weights `[out, in/groups, k...]`, each
 * filter normalized to [0, 255] on its own, laid out in a grid.
 * - `rgb`: filters with 3 input channels (first layers of RGB models) shown in colour;
 * - `channels`: one gray tile per (output, input) channel pair, a row per output channel;
 * - `mean`: one gray tile per output channel, the mean over its input channels.
 * 3-D kernels `[out, in, kd, kh, kw]` are shown as their depth slices side by side.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { makeGrid } from '../image/grid.ts';
import type { Raster, RgbaImage } from '../image/raster.ts';
import { upscaleNearest } from './upscale.ts';

export type FilterMode = 'auto' | 'rgb' | 'channels' | 'mean';

export interface FilterOptions {
  /** Layout (default 'auto': 'rgb' when filters have 3 input channels, else 'mean'). */
  mode?: FilterMode;
  /** Show at most this many output channels. Default 256. */
  maxFilters?: number;
  /** Smallest tile edge in pixels (kernels are enlarged by an integer factor). Default 32. */
  minTile?: number;
  /** Title above the grid. */
  title?: string;
  /** Channel order of the model's input for rgb mode. Default 'RGB'. */
  channelOrder?: 'RGB' | 'BGR';
}

export interface FilterSheet {
  image: RgbaImage;
  mode: Exclude<FilterMode, 'auto'>;
  /** Weight shape [out, in/groups, k...]. */
  shape: number[];
  shown: number;
}

/** Scales values to 0..255 by their own min..max (a constant filter becomes mid-gray). */
function to8bit(v: Float64Array): Uint8Array {
  let lo = Infinity, hi = -Infinity;
  for (const x of v) if (Number.isFinite(x)) { if (x < lo) lo = x; if (x > hi) hi = x; }
  const out = new Uint8Array(v.length);
  const span = hi - lo;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    out[i] = !Number.isFinite(x) ? 0 : span > 0 ? Math.round(((x - lo) / span) * 255) : 128;
  }
  return out;
}

/** Renders the kernels of a Conv weight tensor. */
export function filterSheet(weight: Tensor, opts: FilterOptions = {}): FilterSheet {
  const dims = [...weight.dims];
  if (dims.length < 3 || dims.length > 5) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `expected a conv weight [out, in, k...] of rank 3-5, got shape [${dims.join(', ')}]`);
  }
  const data = weight.data as ArrayLike<number>;
  const [cout, cin] = dims as [number, number];
  const spatial = dims.slice(2);
  // Treat 1-D kernels as 1×k, 3-D as depth slices side by side: (kh) × (kd·kw) with a 1-px gap would be nicer,
  // but plain concatenation keeps values exact.
  const kd = spatial.length === 3 ? spatial[0]! : 1;
  const kh = spatial.length === 1 ? 1 : spatial[spatial.length - 2]!;
  const kw = spatial[spatial.length - 1]!;
  const kSize = kd * kh * kw;
  const tileW = kd * kw;
  const at = (o: number, i: number, z: number, y: number, x: number) => Number(data[((o * cin + i) * kd + z) * kh * kw + y * kw + x]);
  const mode: Exclude<FilterMode, 'auto'> = opts.mode && opts.mode !== 'auto' ? opts.mode : cin === 3 ? 'rgb' : 'mean';
  if (mode === 'rgb' && cin !== 3) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `rgb mode needs filters with 3 input channels; this layer's filters have ${cin}`, { hint: 'use --mode mean or --mode channels' });
  }
  const nOut = Math.min(cout, opts.maxFilters ?? 256);
  const minTile = opts.minTile ?? 32;
  const factor = Math.max(1, Math.ceil(minTile / Math.max(kh, tileW)));
  const tiles: Raster[] = [];
  const labels: string[] = [];
  const plane = (fn: (z: number, y: number, x: number) => number): Float64Array => {
    const v = new Float64Array(kh * tileW);
    for (let z = 0; z < kd; z++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) v[y * tileW + z * kw + x] = fn(z, y, x);
    return v;
  };
  for (let o = 0; o < nOut; o++) {
    if (mode === 'rgb') {
      // Normalize the whole filter (all 3 channels together) so colour balance is kept.
      const all = new Float64Array(3 * kSize);
      for (let c = 0; c < 3; c++) all.set(plane((z, y, x) => at(o, c, z, y, x)), c * kSize);
      const b = to8bit(all);
      const px = new Uint8Array(kSize * 3);
      for (let p = 0; p < kSize; p++) {
        for (let c = 0; c < 3; c++) {
          const src = opts.channelOrder === 'BGR' ? 2 - c : c;
          px[p * 3 + c] = b[src * kSize + p]!;
        }
      }
      tiles.push(upscaleNearest({ width: tileW, height: kh, channels: 3, data: px }, factor));
      labels.push(String(o));
    } else if (mode === 'mean') {
      const v = plane((z, y, x) => { let s = 0; for (let i = 0; i < cin; i++) s += at(o, i, z, y, x); return s / cin; });
      tiles.push(upscaleNearest({ width: tileW, height: kh, channels: 1, data: to8bit(v) }, factor));
      labels.push(String(o));
    } else {
      for (let i = 0; i < cin; i++) {
        const v = plane((z, y, x) => at(o, i, z, y, x));
        tiles.push(upscaleNearest({ width: tileW, height: kh, channels: 1, data: to8bit(v) }, factor));
        labels.push(`${o}.${i}`);
      }
    }
  }
  const image = makeGrid(tiles, { labels, title: opts.title, padding: 3, ...(mode === 'channels' ? { columns: cin } : {}) });
  return { image, mode, shape: dims, shown: nOut };
}
