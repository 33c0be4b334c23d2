// Linear/bilinear/trilinear resampling of CAM maps: equal to resizePlaneBilinear (cv2 convention) in 2-D, hand-computed values in 1-D and 3-D.
import { describe, expect, it } from 'vitest';
import { flipLastAxis, resizeLinear } from './resample.ts';
import { resizePlaneBilinear } from '../../image/resize.ts';

describe('resizeLinear', () => {
  it('2-D half-pixel equals resizePlaneBilinear (cv2.resize INTER_LINEAR convention)', () => {
    const h = 3, w = 5, H = 11, W = 8;
    const src = Float32Array.from({ length: h * w }, (_, i) => Math.sin(i * 1.7) * 3);
    const ours = resizeLinear(src, [h, w], [H, W]);
    const ref = resizePlaneBilinear(src, h, w, H, W);
    for (let i = 0; i < ref.length; i++) expect(ours[i]!).toBeCloseTo(ref[i]!, 5);
  });
  it('2-D align-corners equals resizePlaneBilinear alignCorners', () => {
    const src = Float32Array.from({ length: 12 }, (_, i) => (i * 7) % 5);
    const ours = resizeLinear(src, [3, 4], [9, 10], { alignCorners: true });
    const ref = resizePlaneBilinear(src, 3, 4, 9, 10, { alignCorners: true });
    for (let i = 0; i < ref.length; i++) expect(ours[i]!).toBeCloseTo(ref[i]!, 5);
  });
  it('1-D: hand-computed half-pixel values (torch interpolate linear, align_corners=False)', () => {
    // in [0, 4], out 4: src = (i+0.5)/2 - 0.5 = -0.25→0, 0.25, 0.75, 1.25→clamp 1
    expect([...resizeLinear([0, 4], [2], [4])]).toEqual([0, 1, 3, 4]);
  });
  it('3-D trilinear is separable: a constant stays constant and a linear ramp in depth stays linear inside', () => {
    const d = 2, h = 2, w = 2;
    const src = new Float64Array(d * h * w);
    for (let z = 0; z < d; z++) for (let i = 0; i < h * w; i++) src[z * h * w + i] = z * 10;
    const out = resizeLinear(src, [d, h, w], [4, 3, 5]);
    // depth samples at src z = -0.25→0, 0.25, 0.75, 1.25→1
    const planes = [0, 2.5, 7.5, 10];
    for (let z = 0; z < 4; z++) for (let i = 0; i < 15; i++) expect(out[z * 15 + i]!).toBeCloseTo(planes[z]!, 12);
  });
  it('rejects mismatched ranks and sizes', () => {
    expect(() => resizeLinear([1, 2], [2], [2, 2])).toThrow(/same rank/);
    expect(() => resizeLinear([1, 2, 3], [2], [4])).toThrow(/do not fill/);
  });
});

describe('flipLastAxis', () => {
  it('mirrors every row', () => {
    expect([...flipLastAxis([1, 2, 3, 4, 5, 6], 3)]).toEqual([3, 2, 1, 6, 5, 4]);
  });
});
