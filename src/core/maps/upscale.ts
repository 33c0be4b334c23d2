/** Integer nearest-neighbour enlargement, so 3×3 kernels and 7×7 maps stay crisp blocks in a grid. */
import type { Raster } from '../image/raster.ts';

export function upscaleNearest<R extends Raster>(r: R, factor: number): R {
  const f = Math.max(1, Math.floor(factor));
  if (f === 1) return r;
  const W = r.width * f, H = r.height * f, c = r.channels;
  const out = new Uint8Array(W * H * c);
  for (let y = 0; y < H; y++) {
    const sy = Math.floor(y / f);
    for (let x = 0; x < W; x++) {
      const s = (sy * r.width + Math.floor(x / f)) * c;
      const d = (y * W + x) * c;
      for (let k = 0; k < c; k++) out[d + k] = r.data[s + k]!;
    }
  }
  return { ...r, width: W, height: H, data: out };
}
