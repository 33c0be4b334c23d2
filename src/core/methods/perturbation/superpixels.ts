/**
 * Superpixel segmentations that LIME and KernelSHAP use as their interpretable features:
 *
 * - {@link slic}: SLIC — Achanta et al., "SLIC Superpixels Compared to State-of-the-Art Superpixel
 *   Methods", TPAMI 2012, §3: k-means in (L*, a*, b*, x, y) started from a regular grid with spacing
 *   S = √(HW/K), each centre searching a 2S neighbourhood (scikit-image's window), distance
 *   D² = d_lab² + (d_xy / S)² · m² with m = `compactness`, then connectivity enforced by merging
 *   components smaller than `minSizeFactor · HW/K` pixels into a neighbour (scikit-image's
 *   `enforce_connectivity`). Colours are converted sRGB (D65) → CIELAB like `skimage.color.rgb2lab`.
 * - {@link gridSegments}: the fallback — a regular grid of ≈K rectangular cells (deterministic, no
 *   colour), useful for images without usable colour edges and for exact tests.
 *
 * Labels are contiguous 0..count-1 in raster order of first appearance.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { Raster } from '../../image/raster.ts';

/** A segmentation of an H×W image into `count` superpixels. */
export interface Segmentation {
  readonly width: number;
  readonly height: number;
  /** Row-major label per pixel, 0..count-1. */
  readonly labels: Int32Array;
  readonly count: number;
}

/** Options for {@link slic}. */
export interface SlicOptions {
  /** Approximate number of superpixels K. Default 50. */
  nSegments?: number;
  /** Colour vs space balance m (scikit-image's default 10); larger = squarer superpixels. */
  compactness?: number;
  /** k-means iterations. Default 10. */
  maxIter?: number;
  /** Components smaller than this fraction of HW/K are merged into a neighbour. Default 0.5. */
  minSizeFactor?: number;
}

/** sRGB 0-255 → CIELAB (D65, 2° observer), as skimage.color.rgb2lab. */
export function rgbToLab(r: number, g: number, b: number, out: Float64Array, o: number): void {
  const lin = (v: number): number => {
    const c = v / 255;
    return c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92;
  };
  const R = lin(r), G = lin(g), B = lin(b);
  const X = (0.412453 * R + 0.35758 * G + 0.180423 * B) / 0.95047;
  const Y = 0.212671 * R + 0.71516 * G + 0.072169 * B;
  const Z = (0.019334 * R + 0.119193 * G + 0.950227 * B) / 1.08883;
  const f = (t: number): number => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const fx = f(X), fy = f(Y), fz = f(Z);
  out[o] = Y > 0.008856 ? 116 * fy - 16 : 903.3 * Y;
  out[o + 1] = 500 * (fx - fy);
  out[o + 2] = 200 * (fy - fz);
}

function checkCount(k: number, what: string): void {
  if (!Number.isInteger(k) || k < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `${what}: the number of segments must be a positive integer, got ${k}`);
}

/**
 * SLIC superpixels of an RGB (or gray) raster.
 * @example
 * const seg = slic(image, { nSegments: 50, compactness: 10 });
 * seg.count; // ≈ 50
 */
export function slic(img: Raster, opts: SlicOptions = {}): Segmentation {
  const K0 = opts.nSegments ?? 50;
  checkCount(K0, 'slic');
  const m = opts.compactness ?? 10;
  if (!(m > 0)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `slic: compactness must be > 0, got ${m}`);
  const maxIter = opts.maxIter ?? 10;
  const { width: W, height: H } = img;
  const N = W * H;
  const K = Math.min(K0, N);
  const ch = img.channels;
  const lab = new Float64Array(N * 3);
  for (let p = 0; p < N; p++) {
    const r = img.data[p * ch]!;
    const g = ch >= 3 ? img.data[p * ch + 1]! : r;
    const b = ch >= 3 ? img.data[p * ch + 2]! : r;
    rgbToLab(r, g, b, lab, p * 3);
  }
  // Regular grid of centres.
  const S = Math.sqrt(N / K);
  const ny = Math.max(1, Math.min(H, Math.round(H / S))), nx = Math.max(1, Math.min(W, Math.round(W / S)));
  const nc = nx * ny;
  const cen = new Float64Array(nc * 5); // L, a, b, y, x
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      const y = Math.min(H - 1, Math.floor(((j + 0.5) * H) / ny)), x = Math.min(W - 1, Math.floor(((i + 0.5) * W) / nx));
      const p = y * W + x;
      cen[k * 5] = lab[p * 3]!; cen[k * 5 + 1] = lab[p * 3 + 1]!; cen[k * 5 + 2] = lab[p * 3 + 2]!;
      cen[k * 5 + 3] = y; cen[k * 5 + 4] = x;
    }
  }
  const step = Math.max(H / ny, W / nx);
  const spatial = (m * m) / (step * step);
  const label = new Int32Array(N).fill(-1);
  const dist = new Float64Array(N);
  const acc = new Float64Array(nc * 6);
  const R = Math.ceil(2 * step);
  const prev = new Int32Array(N);
  for (let it = 0; it < maxIter; it++) {
    dist.fill(Infinity);
    prev.set(label);
    for (let k = 0; k < nc; k++) {
      const cL = cen[k * 5]!, ca = cen[k * 5 + 1]!, cb = cen[k * 5 + 2]!, cy = cen[k * 5 + 3]!, cx = cen[k * 5 + 4]!;
      const y0 = Math.max(0, Math.floor(cy - R)), y1 = Math.min(H, Math.ceil(cy + R) + 1);
      const x0 = Math.max(0, Math.floor(cx - R)), x1 = Math.min(W, Math.ceil(cx + R) + 1);
      for (let y = y0; y < y1; y++) {
        const dy = y - cy;
        for (let x = x0; x < x1; x++) {
          const p = y * W + x;
          const dx = x - cx;
          const dL = lab[p * 3]! - cL, da = lab[p * 3 + 1]! - ca, db = lab[p * 3 + 2]! - cb;
          const d = dL * dL + da * da + db * db + (dy * dy + dx * dx) * spatial;
          if (d < dist[p]!) { dist[p] = d; label[p] = k; }
        }
      }
    }
    acc.fill(0);
    for (let p = 0; p < N; p++) {
      const k = label[p]!;
      if (k < 0) continue;
      acc[k * 6]! += lab[p * 3]!; acc[k * 6 + 1]! += lab[p * 3 + 1]!; acc[k * 6 + 2]! += lab[p * 3 + 2]!;
      acc[k * 6 + 3]! += Math.floor(p / W); acc[k * 6 + 4]! += p % W; acc[k * 6 + 5]! += 1;
    }
    for (let k = 0; k < nc; k++) {
      const n = acc[k * 6 + 5]!;
      if (n === 0) continue;
      for (let c = 0; c < 5; c++) cen[k * 5 + c] = acc[k * 6 + c]! / n;
    }
    let changed = false;
    for (let p = 0; p < N && !changed; p++) if (label[p] !== prev[p]) changed = true;
    if (!changed) break;
  }
  // Pixels no window reached (cannot happen with 2S windows, but be safe): nearest centre in space.
  for (let p = 0; p < N; p++) {
    if (label[p]! >= 0) continue;
    const y = Math.floor(p / W), x = p % W;
    let best = 0, bd = Infinity;
    for (let k = 0; k < nc; k++) {
      const d = (cen[k * 5 + 3]! - y) ** 2 + (cen[k * 5 + 4]! - x) ** 2;
      if (d < bd) { bd = d; best = k; }
    }
    label[p] = best;
  }
  return enforceConnectivity(label, W, H, Math.max(1, Math.floor(((opts.minSizeFactor ?? 0.5) * N) / K)));
}

/**
 * Relabels 4-connected components to 0..count-1 in raster order; a component smaller than `minSize`
 * joins the component adjacent to its first pixel (above or to the left, already labelled).
 */
export function enforceConnectivity(label: Int32Array, W: number, H: number, minSize: number): Segmentation {
  const N = W * H;
  const out = new Int32Array(N).fill(-1);
  const queue = new Int32Array(N);
  let count = 0;
  for (let s = 0; s < N; s++) {
    if (out[s]! >= 0) continue;
    const orig = label[s]!;
    // Neighbouring final label to merge into when this component is too small.
    let adj = -1;
    const sy = Math.floor(s / W), sx = s % W;
    if (sx > 0 && out[s - 1]! >= 0) adj = out[s - 1]!;
    else if (sy > 0 && out[s - W]! >= 0) adj = out[s - W]!;
    let head = 0, tail = 0;
    queue[tail++] = s;
    out[s] = count;
    while (head < tail) {
      const p = queue[head++]!;
      const y = Math.floor(p / W), x = p % W;
      if (x > 0 && out[p - 1] === -1 && label[p - 1] === orig) { out[p - 1] = count; queue[tail++] = p - 1; }
      if (x < W - 1 && out[p + 1] === -1 && label[p + 1] === orig) { out[p + 1] = count; queue[tail++] = p + 1; }
      if (y > 0 && out[p - W] === -1 && label[p - W] === orig) { out[p - W] = count; queue[tail++] = p - W; }
      if (y < H - 1 && out[p + W] === -1 && label[p + W] === orig) { out[p + W] = count; queue[tail++] = p + W; }
    }
    if (tail < minSize && adj >= 0) {
      for (let i = 0; i < tail; i++) out[queue[i]!] = adj;
    } else {
      count++;
    }
  }
  return { width: W, height: H, labels: out, count };
}

/** A regular grid of ≈`nSegments` rectangular cells (rows × columns chosen to keep cells square). */
export function gridSegments(width: number, height: number, nSegments: number): Segmentation {
  checkCount(nSegments, 'grid segmentation');
  const S = Math.sqrt((width * height) / nSegments);
  const ny = Math.max(1, Math.min(height, Math.round(height / S))), nx = Math.max(1, Math.min(width, Math.round(width / S)));
  const labels = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    const j = Math.min(ny - 1, Math.floor((y * ny) / height));
    for (let x = 0; x < width; x++) labels[y * width + x] = j * nx + Math.min(nx - 1, Math.floor((x * nx) / width));
  }
  return { width, height, labels, count: nx * ny };
}

/** Pixel indices of every segment (CSR layout: segment k owns `pixels[start[k] .. start[k+1])`). */
export function segmentPixels(seg: Segmentation): { start: Int32Array; pixels: Int32Array } {
  const start = new Int32Array(seg.count + 1);
  for (let p = 0; p < seg.labels.length; p++) start[seg.labels[p]! + 1]!++;
  for (let k = 0; k < seg.count; k++) start[k + 1]! += start[k]!;
  const fillAt = start.slice(0, seg.count);
  const pixels = new Int32Array(seg.labels.length);
  for (let p = 0; p < seg.labels.length; p++) pixels[fillAt[seg.labels[p]!]!++] = p;
  return { start, pixels };
}
