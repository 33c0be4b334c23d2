import { describe, expect, it } from 'vitest';
import { tensor } from '../../core/tensor.ts';
import { ActivationCache, planeStats, sliceChannels } from './activation-cache.ts';

const t = (n: number) => tensor('float32', [1, n], new Float32Array(n)); // n × 4 bytes

describe('ActivationCache', () => {
  it('keeps whole inputs, evicting the least recently used one when the byte budget is exceeded', () => {
    const c = new ActivationCache(100);
    c.set('a', new Map([['x', t(10)], ['y', t(5)]])); // 60 bytes
    c.set('b', new Map([['x', t(5)]])); // 20 bytes
    expect(c.bytes).toBe(80);
    c.get('a'); // a is now the most recently used
    c.set('c', new Map([['x', t(5)]])); // 100 bytes: fits
    expect(c.size).toBe(3);
    c.set('d', new Map([['x', t(5)]])); // 120 > 100: b goes (least recently used), whole
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')?.tensors.size).toBe(2);
    expect(c.bytes).toBe(100);
  });

  it('refuses an entry larger than the budget and counts tensors added later', () => {
    const c = new ActivationCache(40);
    expect(c.set('big', new Map([['x', t(11)]]))).toBeUndefined();
    expect(c.size).toBe(0);
    c.set('a', new Map([['x', t(5)]]));
    c.add('a', 'z', t(4));
    expect(c.get('a')!.tensors.has('z')).toBe(true);
    expect(c.bytes).toBe(36);
    c.add('a', 'w', t(4)); // would exceed the budget: not kept
    expect(c.get('a')!.tensors.has('w')).toBe(false);
    c.deletePrefix('a');
    expect(c.bytes).toBe(0);
  });
});

describe('sliceChannels / planeStats', () => {
  it('copies batch item 0 of an NCHW activation into its own buffer with per-channel stats', () => {
    const data = Float32Array.from([0, 1, 2, 3, -1, -2, 0, 0, /* batch 1 */ 9, 9, 9, 9, 9, 9, 9, 9]);
    const s = sliceChannels(tensor('float32', [2, 2, 2, 2], data))!;
    expect(s.dims).toEqual([2, 2, 2]);
    expect(Array.from(s.data)).toEqual([0, 1, 2, 3, -1, -2, 0, 0]);
    expect(s.data.buffer.byteLength).toBe(32); // not a view on the whole batch
    expect(s.stats[0]).toMatchObject({ min: 0, max: 3, mean: 1.5, zeroFraction: 0.25, nonFinite: 0 });
    expect(s.stats[0]!.std).toBeCloseTo(Math.sqrt(1.25), 6);
    expect(s.stats[1]).toMatchObject({ min: -2, max: 0, mean: -0.75, zeroFraction: 0.5 });
  });

  it('leaves NaN/Inf out of the statistics and counts them', () => {
    const st = planeStats(Float32Array.from([NaN, Infinity, 2, 4]), 1, 4)[0]!;
    expect(st).toMatchObject({ min: 2, max: 4, mean: 3, nonFinite: 2 });
  });

  it('declines layouts it cannot slice contiguously (5-D, non-float32)', () => {
    expect(sliceChannels(tensor('float32', [1, 1, 1, 1, 1], new Float32Array(1)))).toBeUndefined();
    expect(sliceChannels(tensor('float64', [1, 2], new Float64Array(2)))).toBeUndefined();
  });
});
