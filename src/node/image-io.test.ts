// Tests for image decoding/encoding on the malformed inputs of RELIABILITY.md 11-12 (generated into a
// temp folder by test/fixtures/images/fixtures.ts) and on ordinary PNG round trips.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvlensError } from '../core/errors.ts';
import type { Raster } from '../core/image/raster.ts';
import * as F from '../../test/fixtures/images/fixtures.ts';
import { encodePng, loadImage, savePng } from './image-io.ts';

let dir: string;
const file = (name: string): string => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'convlens-images-'));
  for (const [name, bytes] of Object.entries(await F.allFixtures())) writeFileSync(file(name), bytes);
  writeFileSync(file('small.png'), F.smallPng());
  writeFileSync(file('empty.png'), '');
  mkdirSync(file('folder.png'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<ConvlensError> {
  try { await p; } catch (e) { expect(e).toBeInstanceOf(ConvlensError); return e as ConvlensError; }
  throw new Error('expected loadImage to fail');
}

describe('loadImage: ordinary images', () => {
  it('decodes a PNG from a path and from bytes', async () => {
    const expected = Array.from({ length: 48 }, (_, i) => (i * 16) % 256);
    const a = await loadImage(file('small.png'));
    expect([a.width, a.height, a.channels]).toEqual([4, 4, 3]);
    expect(Array.from(a.data)).toEqual(expected);
    const b = await loadImage(F.smallPng());
    expect(Array.from(b.data)).toEqual(expected);
  });

  it('flattens alpha onto white by default, onto a chosen colour, or keeps it', async () => {
    expect(Array.from((await loadImage(file('rgba.png'))).data)).toEqual([255, 0, 0, 255, 255, 255]);
    expect(Array.from((await loadImage(file('rgba.png'), { background: [0, 0, 0] })).data)).toEqual([255, 0, 0, 0, 0, 0]);
    const kept = await loadImage(file('rgba.png'), { keepAlpha: true });
    expect(kept.channels).toBe(4);
    expect([kept.data[3], kept.data[7]]).toEqual([255, 0]);
  });

  it('keeps grayscale as 1 channel (flattening gray+alpha), or expands it on request', async () => {
    const g = await loadImage(file('gray-alpha.png'));
    expect(g.channels).toBe(1);
    expect(g.data[0]).toBe(50);
    expect(Math.abs(g.data[1]! - (200 * 128 + 255 * 127) / 255)).toBeLessThanOrEqual(1);
    const ga = await loadImage(file('gray-alpha.png'), { keepAlpha: true });
    expect(ga.channels).toBe(4);
    expect(Array.from(ga.data)).toEqual([50, 50, 50, 255, 200, 200, 200, 128]);
    expect((await loadImage(file('gray16.png'), { keepGray: false })).channels).toBe(3);
  });

  it('converts 16-bit samples to 8-bit', async () => {
    const rgb = await loadImage(file('rgb16.png'));
    expect(rgb.channels).toBe(3);
    expect(Array.from(rgb.data)).toEqual([128, 64, 255, 0, 1, 255]);
    const gray = await loadImage(file('gray16.png'));
    expect([gray.channels, ...gray.data]).toEqual([1, 255, 128]);
  });

  it('converts CMYK to sRGB explicitly', async () => {
    const img = await loadImage(file('cmyk.jpg'));
    expect([img.width, img.height, img.channels]).toEqual([8, 8, 3]);
    const [r, g, b] = img.data;
    expect(r).toBeGreaterThan(150); // still red after the CMYK round trip
    expect(g).toBeLessThan(60);
    expect(b).toBeLessThan(60);
  });

  it('applies the EXIF orientation', async () => {
    const jpg = await sharp({ create: { width: 4, height: 2, channels: 3, background: 'white' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = await loadImage(jpg);
    expect([img.width, img.height]).toEqual([2, 4]);
    const raw = await loadImage(jpg, { autoOrient: false });
    expect([raw.width, raw.height]).toEqual([4, 2]);
  });
});

describe('loadImage: hostile and broken inputs', () => {
  it('rejects a tiny PNG declaring 20000x20000 from its header (E_IMAGE_TOO_LARGE)', async () => {
    const t0 = performance.now();
    const err = await failure(loadImage(file('huge-header-20000x20000.png')));
    expect(err.code).toBe('E_IMAGE_TOO_LARGE');
    expect(err.message).toContain('huge-header-20000x20000.png');
    expect(err.message).toContain('20000x20000 = 400000000 pixels, over the limit of 50000000');
    expect(err.hint).toContain('--max-pixels');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('applies the pixel cap exactly and lets it be raised', async () => {
    expect((await failure(loadImage(file('small.png'), { maxPixels: 15 }))).code).toBe('E_IMAGE_TOO_LARGE');
    expect((await loadImage(file('small.png'), { maxPixels: 16 })).width).toBe(4);
  });

  const decodeCases: [string, RegExp][] = [
    ['bad-crc.png', /cannot decode image .*bad-crc\.png/],
    ['truncated.png', /cannot decode image .*truncated\.png/],
    ['truncated.jpg', /cannot decode image .*truncated\.jpg: .*premature end/i],
    ['zero-size.png', /cannot decode image .*zero-size\.png/],
    ['not-an-image.png', /cannot decode image .*not-an-image\.png: .*unsupported image format/],
    ['empty.png', /empty.png: the file is empty/],
  ];
  for (const [name, pattern] of decodeCases) {
    it(`${name} → E_IMAGE_DECODE naming the file`, async () => {
      const err = await failure(loadImage(file(name)));
      expect(err.code).toBe('E_IMAGE_DECODE');
      expect(err.message).toMatch(pattern);
      expect(err.details).toMatchObject({ file: file(name) });
    });
  }

  it('uses the given name for byte inputs', async () => {
    const err = await failure(loadImage(await F.truncatedJpeg(), { name: 'upload-7.jpg' }));
    expect(err.code).toBe('E_IMAGE_DECODE');
    expect(err.message).toContain('upload-7.jpg');
    expect((await failure(loadImage(new Uint8Array(0)))).code).toBe('E_IMAGE_DECODE');
  });

  for (const name of ['animated.gif', 'animated.webp']) {
    it(`${name} → E_IMAGE_FORMAT telling to extract a frame`, async () => {
      const err = await failure(loadImage(file(name)));
      expect(err.code).toBe('E_IMAGE_FORMAT');
      expect(err.message).toContain('2 frames');
      expect(err.hint).toMatch(/extract one frame/);
    });
  }

  it('missing file → E_FILE_NOT_FOUND; a folder → E_IO', async () => {
    const missing = await failure(loadImage(file('nope.png')));
    expect(missing.code).toBe('E_FILE_NOT_FOUND');
    expect(missing.message).toContain(file('nope.png'));
    expect((await failure(loadImage(file('folder.png')))).code).toBe('E_IO');
  });
});

describe('encodePng / savePng', () => {
  const rasters: Raster[] = [
    { width: 3, height: 2, channels: 1, data: Uint8Array.from([0, 50, 100, 150, 200, 250]) },
    { width: 2, height: 2, channels: 3, data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) },
    { width: 2, height: 1, channels: 4, data: Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 255]) },
  ];
  for (const r of rasters) {
    it(`round-trips a ${r.channels}-channel raster losslessly`, async () => {
      const png = await encodePng(r);
      expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const back = await loadImage(png, { keepAlpha: true });
      expect([back.width, back.height, back.channels]).toEqual([r.width, r.height, r.channels]);
      expect(Array.from(back.data)).toEqual(Array.from(r.data));
    });
  }

  it('refuses empty images', async () => {
    expect((await failure(encodePng({ width: 0, height: 3, channels: 3, data: new Uint8Array(0) }))).code).toBe('E_IMAGE_FORMAT');
  });

  it('savePng writes atomically and leaves no temp files', async () => {
    const out = join(dir, 'out', 'grid.png');
    await savePng(out, rasters[1]!, { mkdirs: true });
    expect(Array.from((await loadImage(out)).data)).toEqual(Array.from(rasters[1]!.data));
    expect(readdirSync(join(dir, 'out'))).toEqual(['grid.png']);
    expect(readFileSync(out).length).toBeGreaterThan(8);
  });
});
