// Tests for colour maps: table values pinned against the published data (control points exactly,
// in-between entries within 1/255), matplotlib's index rule, diverging defaults, and NaN/Inf marking.
import { describe, expect, it } from 'vitest';
import { applyColormap, colorbar, colormapLut, COLORMAP_BASE_NAMES, NON_FINITE_COLOR } from './colormap.ts';
import type { ColormapName } from './colormap.ts';

const entry = (name: ColormapName, i: number): number[] => Array.from(colormapLut(name).subarray(3 * i, 3 * i + 3));

describe('colormapLut', () => {
  it('has the published end colours', () => {
    expect(entry('viridis', 0)).toEqual([68, 1, 84]); // #440154
    expect(entry('viridis', 255)).toEqual([253, 231, 37]); // #fde725
    expect(entry('magma', 255)).toEqual([252, 253, 191]); // #fcfdbf
    expect(entry('inferno', 255)).toEqual([252, 255, 164]); // #fcffa4
    expect(entry('turbo', 0)).toEqual([48, 18, 59]);
    expect(entry('turbo', 255)).toEqual([122, 4, 3]);
    expect(entry('gray', 0)).toEqual([0, 0, 0]);
    expect(entry('gray', 200)).toEqual([200, 200, 200]);
    expect(entry('coolwarm', 0)).toEqual([59, 76, 192]);
    expect(entry('coolwarm', 255)).toEqual([180, 4, 38]);
    expect(entry('rdbu', 0)).toEqual([5, 48, 97]);
    expect(entry('rdbu', 255)).toEqual([103, 0, 31]);
  });

  it('matches the full published tables between control points (within 1/255)', () => {
    // Entries of matplotlib _cm_listed.py / the turbo table that are NOT control points.
    const checks: [ColormapName, number, number[]][] = [
      ['viridis', 2, [0.269944, 0.014625, 0.341379]], ['viridis', 100, [0.166617, 0.463708, 0.558119]],
      ['viridis', 140, [0.119423, 0.611141, 0.538982]], ['viridis', 250, [0.945636, 0.899815, 0.112838]],
      ['magma', 2, [0.003279, 0.002305, 0.023708]], ['magma', 100, [0.537755, 0.156894, 0.506551]], ['magma', 180, [0.96968, 0.446936, 0.360311]],
      ['inferno', 100, [0.565854, 0.143567, 0.408258]], ['inferno', 199, [0.985315, 0.608422, 0.024202]], ['inferno', 246, [0.949545, 0.955063, 0.50786]],
      ['inferno', 2, [0.003299, 0.002249, 0.024239]], ['inferno', 250, [0.961812, 0.975924, 0.571925]],
      ['turbo', 2, [0.19956, 0.09498, 0.29024]], ['turbo', 100, [0.24797, 0.96423, 0.54303]], ['turbo', 181, [0.99675, 0.62093, 0.18297]], ['turbo', 250, [0.54583, 0.03593, 0.00638]],
    ];
    for (const [name, i, rgb] of checks) {
      const got = entry(name, i), want = rgb.map((v) => v * 255);
      for (let c = 0; c < 3; c++) {
        if (Math.abs(got[c]! - want[c]!) > 1.1) throw new Error(`${name}[${i}] = ${got} but the table says ${want}`);
      }
    }
  });

  it('reproduces matplotlib jet segments', () => {
    expect(entry('jet', 0)).toEqual([0, 0, 128]);
    expect(entry('jet', 255)).toEqual([128, 0, 0]);
    for (let i = 0; i <= 31; i++) expect(entry('jet', i)[1]).toBe(0); // green 0 up to x = 0.125
    for (let i = 96; i <= 163; i++) expect(entry('jet', i)[1]).toBe(255); // green 1 on [0.375, 0.64]
    for (let i = 0; i <= 89; i++) expect(entry('jet', i)[0]).toBe(0); // red 0 up to x = 0.35
  });

  it('diverging maps are light and neutral in the middle', () => {
    const [r, g, b] = entry('coolwarm', 128);
    expect(Math.abs(r! - 221) + Math.abs(g! - 221) + Math.abs(b! - 221)).toBeLessThanOrEqual(6); // Moreland's midpoint (221, 221, 221)
    const mid = entry('rdbu', 127);
    expect(mid.every((v) => v >= 240)).toBe(true);
  });

  it('_r reverses a map; unknown names are usage errors', () => {
    for (const base of COLORMAP_BASE_NAMES) {
      for (const i of [0, 77, 255]) expect(entry(`${base}_r`, i)).toEqual(entry(base, 255 - i));
    }
    expect(() => colormapLut('parula' as ColormapName)).toThrow(/unknown colour map 'parula'/);
  });
});

describe('applyColormap', () => {
  it('maps values with floor(256 t), clamped, like matplotlib', () => {
    const img = applyColormap(new Float32Array([0, 0.5, 1, -3, 7, 0.999, 0.1, 0.3]), 8, 1, { name: 'gray', min: 0, max: 1 });
    const reds = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => img.data[4 * i]);
    expect(reds).toEqual([0, 128, 255, 0, 255, 255, 25, 76]); // 0.1 → floor(25.6), not round(25.5)
    expect(img.data[3]).toBe(255);
  });

  it('defaults to the finite min/max, and to ±max|x| for diverging maps', () => {
    const v = new Float32Array([-1, 0, 2]);
    const seq = applyColormap(v, 3, 1, { name: 'viridis' });
    expect([seq.min, seq.max]).toEqual([-1, 2]);
    const div = applyColormap(v, 3, 1, { name: 'coolwarm' });
    expect([div.min, div.max]).toEqual([-2, 2]);
    expect(Array.from(div.data.subarray(4, 7))).toEqual(entry('coolwarm', 128)); // 0 sits in the middle
  });

  it('draws NaN/Inf in the marker colour, counts them, and still renders', () => {
    const img = applyColormap(new Float32Array([NaN, 1, Infinity, -Infinity, 0]), 5, 1);
    expect(img.nonFinite).toBe(3);
    expect([img.min, img.max]).toEqual([0, 1]);
    for (const i of [0, 2, 3]) expect(Array.from(img.data.subarray(4 * i, 4 * i + 3))).toEqual([...NON_FINITE_COLOR]);
    expect(Array.from(img.data.subarray(4, 7))).toEqual(entry('viridis', 255));
    const allNaN = applyColormap(new Float32Array(4).fill(NaN), 2, 2);
    expect(allNaN.nonFinite).toBe(4);
    expect(allNaN.data.length).toBe(16);
  });

  it('renders a constant map with the lowest colour (middle for diverging)', () => {
    expect(Array.from(applyColormap(new Float32Array([3, 3]), 2, 1).data.subarray(0, 3))).toEqual(entry('viridis', 0));
    expect(Array.from(applyColormap(new Float32Array([0, 0]), 2, 1, { name: 'rdbu' }).data.subarray(0, 3))).toEqual(entry('rdbu', 128));
  });

  it('rejects size mismatches and invalid ranges', () => {
    expect(() => applyColormap(new Float32Array(5), 2, 2)).toThrow(/5 values do not make a 2x2 map/);
    expect(() => applyColormap(new Float32Array(1), 1, 1, { min: 2, max: 1 })).toThrow(/invalid range/);
  });

  it('colorbar runs from the first to the last colour', () => {
    const bar = colorbar('magma', 10, 2);
    expect(Array.from(bar.data.subarray(0, 3))).toEqual(entry('magma', 0));
    expect(Array.from(bar.data.subarray(36, 39))).toEqual(entry('magma', 255));
  });
});
