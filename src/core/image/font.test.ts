// Tests for the bitmap font: glyph shapes, distinctness of all printable ASCII, measuring, truncation
// and drawing (scale, clipping, blending).
import { describe, expect, it } from 'vitest';
import { drawText, fitText, glyph, glyphPixel, measureText } from './font.ts';
import { createRgba } from './raster.ts';

function render(ch: string): string[] {
  return Array.from({ length: 7 }, (_, y) => Array.from({ length: 5 }, (_, x) => (glyphPixel(ch, x, y) ? '#' : '.')).join(''));
}

describe('font', () => {
  it('draws recognisable glyphs', () => {
    expect(render('A')).toEqual(['.###.', '#...#', '#...#', '#...#', '#####', '#...#', '#...#']);
    expect(render('0')).toEqual(['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.']);
    expect(render('_')).toEqual(['.....', '.....', '.....', '.....', '.....', '.....', '#####']);
    expect(render(':')).toEqual(['.....', '.##..', '.##..', '.....', '.##..', '.##..', '.....']);
  });

  it('has a distinct glyph for every printable ASCII character', () => {
    const seen = new Map<string, string>();
    for (let c = 0x21; c <= 0x7e; c++) {
      const ch = String.fromCharCode(c);
      const key = glyph(ch).join(',');
      expect(seen.get(key), `'${ch}' looks like '${seen.get(key)}'`).toBeUndefined();
      seen.set(key, ch);
    }
  });

  it('draws unknown characters as ?', () => {
    expect(glyph('é')).toEqual(glyph('?'));
    expect(glyph('\u0001')).toEqual(glyph('?'));
  });

  it('measures and truncates text', () => {
    expect(measureText('abc')).toEqual({ width: 17, height: 7 });
    expect(measureText('abc', 2)).toEqual({ width: 34, height: 14 });
    expect(measureText('')).toEqual({ width: 0, height: 7 });
    expect(fitText('layer3.0.conv1', 40)).toBe('laye..'); // 6 chars = 35 px
    expect(fitText('short', 100)).toBe('short');
    expect(measureText(fitText('layer3.0.conv1', 40)).width).toBeLessThanOrEqual(40);
  });

  it('draws scaled text, clipped to the image, alpha-blended', () => {
    const img = createRgba(20, 20, [255, 255, 255, 255]);
    const w = drawText(img, 'I', 0, 0, { scale: 2, color: [0, 0, 0, 255] });
    expect(w).toBe(10);
    let dark = 0;
    for (let i = 0; i < img.data.length; i += 4) if (img.data[i] === 0) dark++;
    expect(dark).toBe(11 * 4); // 'I' has 11 pixels, each 2x2
    const half = createRgba(4, 4, [255, 255, 255, 255]);
    drawText(half, '|', -2, 0, { color: [0, 0, 0, 128] }); // column 2 of the glyph lands on x = 0
    expect(half.data[0]).toBe(127);
    expect(() => drawText(createRgba(3, 3), 'clipped text', -10, -10, { scale: 3 })).not.toThrow();
  });
});
