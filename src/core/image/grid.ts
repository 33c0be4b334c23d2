/**
 * Lays out many small images (feature maps, filters, per-class CAMs) in one labelled grid image, with an
 * optional title, using the built-in bitmap font. Tiles may differ in size: every cell is as large as the
 * largest tile (and wide enough for the longest label, up to a cap); smaller tiles are centred horizontally
 * and aligned to the bottom of their cell, right above their label.
 */

import { ConvlensError, ErrorCodes } from '../errors.ts';
import { drawText, GLYPH_HEIGHT, measureText } from './font.ts';
import { assertRaster, createRgba, toRgba } from './raster.ts';
import type { Raster, Rgba, RgbaImage } from './raster.ts';

/** Options for {@link makeGrid}. */
export interface GridOptions {
  /** Number of columns. Default `ceil(sqrt(tiles.length))`. */
  columns?: number;
  /** One label per tile, drawn centred under it (truncated with `..` to the cell width). */
  labels?: readonly string[];
  /** Space around and between cells, in pixels. Default 4. */
  padding?: number;
  /** Background colour. Default opaque white. */
  background?: Rgba;
  /** Height reserved under each tile for its label. Default: font height + 3 when labels are given, else 0. */
  labelHeight?: number;
  /** Label and title colour. Default opaque black. */
  textColor?: Rgba;
  /** Title drawn centred above the grid. */
  title?: string;
  /** Integer magnification of the font. Default 1. */
  fontScale?: number;
  /** Cells are widened to fit labels up to this many pixels. Default 160. */
  maxLabelWidth?: number;
  /** Refuse to build grids larger than this many pixels. Default 100 000 000. */
  maxPixels?: number;
}

/**
 * Composites `tiles` into one RGBA image, row by row.
 *
 * @example
 * const sheet = makeGrid(maps.map((m) => applyColormap(m, 14, 14)), { labels: maps.map((_, i) => `ch ${i}`), title: 'layer3.0.conv1' });
 */
export function makeGrid(tiles: readonly Raster[], opts: GridOptions = {}): RgbaImage {
  const n = tiles.length;
  tiles.forEach((t, i) => assertRaster(t, `grid tile ${i}`));
  if (opts.labels && opts.labels.length !== n) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `makeGrid: ${opts.labels.length} labels for ${n} tiles`);
  }
  const pad = Math.max(0, Math.floor(opts.padding ?? 4));
  const scale = Math.max(1, Math.floor(opts.fontScale ?? 1));
  const columns = Math.max(1, Math.min(n || 1, Math.floor(opts.columns ?? Math.ceil(Math.sqrt(n)))));
  const rows = Math.ceil(n / columns);
  const textColor = opts.textColor ?? [0, 0, 0, 255];
  const hasLabels = opts.labels !== undefined && opts.labels.length > 0;
  const labelH = Math.max(0, Math.floor(opts.labelHeight ?? (hasLabels ? GLYPH_HEIGHT * scale + 3 : 0)));
  const maxLabelW = opts.maxLabelWidth ?? 160;
  let cellW = 0, cellH = 0;
  for (const t of tiles) { cellW = Math.max(cellW, t.width); cellH = Math.max(cellH, t.height); }
  if (hasLabels) for (const l of opts.labels!) cellW = Math.max(cellW, Math.min(maxLabelW, measureText(l, scale).width));
  const titleH = opts.title ? GLYPH_HEIGHT * scale + pad : 0;
  const gridW = pad + columns * (cellW + pad);
  const width = Math.max(gridW, opts.title ? measureText(opts.title, scale).width + 2 * pad : 0, 1);
  const height = Math.max(pad + titleH + rows * (cellH + labelH + pad), 1);
  const maxPixels = opts.maxPixels ?? 100_000_000;
  if (width * height > maxPixels) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `makeGrid: a ${width}x${height} grid exceeds ${maxPixels} pixels`, {
      hint: 'show fewer tiles, downscale them, or split the grid into pages',
    });
  }
  const out = createRgba(width, height, opts.background ?? [255, 255, 255, 255]);
  const left = Math.floor((width - gridW) / 2);
  if (opts.title) {
    const tw = measureText(opts.title, scale).width;
    drawText(out, opts.title, Math.floor((width - tw) / 2), pad, { color: textColor, scale, maxWidth: width - 2 * pad });
  }
  for (let i = 0; i < n; i++) {
    const tile = toRgba(tiles[i]!);
    const col = i % columns, row = Math.floor(i / columns);
    const cx = left + pad + col * (cellW + pad);
    const cy = pad + titleH + row * (cellH + labelH + pad);
    // Centred horizontally and sitting on the label row, so each label is right under its tile.
    blit(out, tile, cx + Math.floor((cellW - tile.width) / 2), cy + cellH - tile.height);
    const label = opts.labels?.[i];
    if (label && labelH > 0) {
      const lw = Math.min(measureText(label, scale).width, cellW);
      drawText(out, label, cx + Math.floor((cellW - lw) / 2), cy + cellH + Math.max(0, Math.floor((labelH - GLYPH_HEIGHT * scale) / 2)), { color: textColor, scale, maxWidth: cellW });
    }
  }
  return out;
}

/** Alpha-composites `src` over `dst` with its top-left corner at (x, y). */
function blit(dst: RgbaImage, src: RgbaImage, x: number, y: number): void {
  const d = dst.data, s = src.data;
  for (let sy = 0; sy < src.height; sy++) {
    const py = y + sy;
    if (py < 0 || py >= dst.height) continue;
    for (let sx = 0; sx < src.width; sx++) {
      const px = x + sx;
      if (px < 0 || px >= dst.width) continue;
      const so = (sy * src.width + sx) * 4, o = (py * dst.width + px) * 4;
      const a = s[so + 3]! / 255;
      if (a === 1) { d[o] = s[so]!; d[o + 1] = s[so + 1]!; d[o + 2] = s[so + 2]!; d[o + 3] = 255; continue; }
      const da = d[o + 3]! / 255;
      const oa = a + da * (1 - a);
      for (let c = 0; c < 3; c++) d[o + c] = oa > 0 ? Math.round((s[so + c]! * a + d[o + c]! * da * (1 - a)) / oa) : 0;
      d[o + 3] = Math.round(oa * 255);
    }
  }
}
