import { describe, expect, it } from 'vitest';
import { channelPlanes, planeStats } from './channel-planes.ts';
import { featureMapSheet } from './feature-maps.ts';
import { filterSheet } from './filters.ts';
import { tensor } from '../tensor.ts';

const seq = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('channelPlanes', () => {
  it('takes channel c of batch item b from NCHW', () => {
    const t = tensor('float32', [2, 3, 2, 2], seq(24));
    const p = channelPlanes(t, { batchIndex: 1 });
    expect(p).toHaveLength(3);
    expect(Array.from(p[2]!.values)).toEqual([20, 21, 22, 23]);
  });

  it('transposes NHWC', () => {
    // [1, H=2, W=2, C=3]: value = (h*2+w)*3 + c
    const t = tensor('float32', [1, 2, 2, 3], seq(12));
    const p = channelPlanes(t, { layout: 'NHWC' });
    expect(p).toHaveLength(3);
    expect(Array.from(p[1]!.values)).toEqual([1, 4, 7, 10]);
  });

  it('shows the mid-depth slice of 5-D activations, or a chosen slice', () => {
    // [1, C=2, D=3, H=2, W=2]
    const t = tensor('float32', [1, 2, 3, 2, 2], seq(24));
    const mid = channelPlanes(t);
    expect(Array.from(mid[1]!.values)).toEqual([16, 17, 18, 19]); // c=1, d=1
    expect(Array.from(channelPlanes(t, { depthSlice: 0 })[0]!.values)).toEqual([0, 1, 2, 3]);
    expect(() => channelPlanes(t, { depthSlice: 3 })).toThrow(/out of range/);
  });

  it('statistics ignore non-finite values and count zeros', () => {
    const s = planeStats({ channel: 0, height: 1, width: 5, values: Float32Array.from([0, 2, NaN, Infinity, 4]) });
    expect(s).toMatchObject({ min: 0, max: 4, mean: 2, nonFinite: 2, zeroFraction: 0.2 });
  });
});

describe('featureMapSheet', () => {
  it('renders every channel, sorted by mean, and reports NaN/Inf while still drawing', () => {
    const data = seq(4 * 9);
    data[5] = NaN;
    const sheet = featureMapSheet(tensor('float32', [1, 4, 3, 3], data), { sort: true, minTile: 12 });
    expect(sheet.shown).toEqual([3, 2, 1, 0]);
    expect(sheet.nonFinite).toBe(1);
    expect(sheet.image.width).toBeGreaterThan(24);
    // not blank: several distinct colours
    const colours = new Set<number>();
    for (let i = 0; i < sheet.image.data.length; i += 4) colours.add((sheet.image.data[i]! << 16) | (sheet.image.data[i + 1]! << 8) | sheet.image.data[i + 2]!);
    expect(colours.size).toBeGreaterThan(5);
  });
});

describe('filterSheet', () => {
  it('normalizes each filter to 0..255 and picks rgb for 3 input channels', () => {
    const w = tensor('float32', [2, 3, 1, 1], Float32Array.from([-1, 0, 1, 5, 5, 5]));
    const sheet = filterSheet(w, { minTile: 1 });
    expect(sheet.mode).toBe('rgb');
    expect(sheet.shape).toEqual([2, 3, 1, 1]);
  });

  it('lays out 3-D kernels as depth slices side by side and refuses rgb without 3 inputs', () => {
    const w = tensor('float32', [4, 2, 3, 2, 2], seq(4 * 2 * 12));
    const sheet = filterSheet(w, { mode: 'mean', minTile: 1 });
    expect(sheet.shown).toBe(4);
    expect(() => filterSheet(w, { mode: 'rgb' })).toThrow(/3 input channels/);
  });
});
