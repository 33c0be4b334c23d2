// Tests for grid layout: size arithmetic, tile placement and centring, labels, title, limits.
import { describe, expect, it } from 'vitest';
import { makeGrid } from './grid.ts';
import { createRaster, createRgba } from './raster.ts';
import type { RgbaImage } from './raster.ts';

const px = (img: RgbaImage, x: number, y: number): number[] => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

describe('makeGrid', () => {
  it('uses ~sqrt(n) columns and pads around cells', () => {
    const tiles = Array.from({ length: 5 }, () => createRgba(10, 10, [255, 0, 0, 255]));
    const g = makeGrid(tiles, { padding: 4 });
    expect([g.width, g.height]).toEqual([4 + 3 * 14, 4 + 2 * 14]);
    expect(px(g, 4, 4)).toEqual([255, 0, 0, 255]); // first tile
    expect(px(g, 3, 4)).toEqual([255, 255, 255, 255]); // padding
    expect(px(g, 4 + 2 * 14, 4 + 14)).toEqual([255, 255, 255, 255]); // 6th cell is empty
    expect(px(g, 4 + 14, 4 + 14)).toEqual([255, 0, 0, 255]); // 5th tile, row 2 column 2
  });

  it('centres smaller tiles horizontally on the bottom of cells sized for the largest; accepts gray tiles', () => {
    const g = makeGrid([createRgba(10, 10, [0, 0, 255, 255]), createRaster(4, 4, 1, [0])], { columns: 2, padding: 0 });
    expect([g.width, g.height]).toEqual([20, 10]);
    expect(px(g, 10 + 2, 9)).toEqual([255, 255, 255, 255]);
    expect(px(g, 10 + 3, 6)).toEqual([0, 0, 0, 255]); // columns 3-6, rows 6-9
    expect(px(g, 10 + 6, 9)).toEqual([0, 0, 0, 255]);
    expect(px(g, 10 + 7, 9)).toEqual([255, 255, 255, 255]);
    expect(px(g, 10 + 3, 5)).toEqual([255, 255, 255, 255]);
  });

  it('reserves label rows, widens cells for labels and draws the title', () => {
    const tiles = [createRgba(7, 7, [0, 0, 0, 255]), createRgba(7, 7, [0, 0, 0, 255])];
    const g = makeGrid(tiles, { labels: ['ch 0', 'ch 1'], padding: 2, title: 'conv1' });
    const labelW = 4 * 6 - 1; // 'ch 0' is 23 px wide
    expect(g.width).toBe(2 + 2 * (labelW + 2));
    expect(g.height).toBe(2 + (7 + 2) + (7 + 10 + 2)); // pad + title + (tile + label + pad)
    let darkInTitle = 0, darkInLabels = 0;
    for (let y = 0; y < g.height; y++) for (let x = 0; x < g.width; x++) {
      if (px(g, x, y)[0] !== 0) continue;
      if (y < 9) darkInTitle++; else if (y >= 2 + 9 + 7) darkInLabels++;
    }
    expect(darkInTitle).toBeGreaterThan(10);
    expect(darkInLabels).toBeGreaterThan(10);
  });

  it('handles no tiles and refuses oversized grids or mismatched labels', () => {
    expect(() => makeGrid([])).not.toThrow();
    expect(() => makeGrid([createRgba(2, 2)], { labels: ['a', 'b'] })).toThrow(/2 labels for 1 tiles/);
    expect(() => makeGrid([createRgba(100, 100)], { maxPixels: 1000 })).toThrow(/exceeds 1000 pixels/);
  });
});
