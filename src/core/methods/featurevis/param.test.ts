// Image parameterizations: the backward pass (FFT adjoint, 1/f scale, colour decorrelation, sigmoid)
// against central finite differences in float64, for RGB, grayscale and 4-channel images, even and
// odd sizes; plus the 1/f spectrum shape, the colour matrix, and setImage as the inverse of forward.
import { describe, expect, it } from 'vitest';
import { ImageParam, COLOR_DECORRELATION } from './param.ts';
import type { ImageParamOptions } from './param.ts';
import { Rng } from '../random.ts';

/** ⟨r, forward(params)⟩ and its gradient, checked at `probes` random coordinates by central differences. */
function gradCheck(opts: ImageParamOptions, probes = 24, seed = 1): { maxRel: number; checked: number } {
  const p = new ImageParam(opts);
  const rng = new Rng(seed);
  for (let i = 0; i < opts.batch; i++) p.init(i, rng);
  // a larger init than the default so the sigmoid is away from its linear regime
  for (let i = 0; i < p.params.length; i++) p.params[i]! *= 30;
  const img0 = p.forward();
  const r = Float64Array.from({ length: img0.length }, () => rng.normal());
  const f = (): number => { const img = p.forward(); let s = 0; for (let i = 0; i < img.length; i++) s += r[i]! * img[i]!; return s; };
  f();
  const g = new Float64Array(p.params.length);
  p.backward(r, g);
  let maxRel = 0;
  const h = 1e-6;
  for (let k = 0; k < probes; k++) {
    const i = rng.int(p.params.length);
    const v = p.params[i]!;
    p.params[i] = v + h; const fp = f();
    p.params[i] = v - h; const fm = f();
    p.params[i] = v;
    const fd = (fp - fm) / (2 * h);
    maxRel = Math.max(maxRel, Math.abs(fd - g[i]!) / Math.max(1e-6, Math.abs(fd) + Math.abs(g[i]!)));
  }
  return { maxRel, checked: probes };
}

describe('ImageParam gradients vs finite differences (float64)', () => {
  const cases: [string, ImageParamOptions][] = [
    ['fft, RGB, decorrelated, 16x16, batch 2', { batch: 2, channels: 3, height: 16, width: 16 }],
    ['fft, RGB, not decorrelated, odd 9x7', { batch: 1, channels: 3, height: 9, width: 7, decorrelate: false }],
    ['fft, grayscale 28x28', { batch: 3, channels: 1, height: 28, width: 28 }],
    ['fft, 4 channels 10x12 (identity colour)', { batch: 1, channels: 4, height: 10, width: 12 }],
    ['fft, decay power 1.5', { batch: 1, channels: 3, height: 8, width: 8, decayPower: 1.5 }],
    ['pixel, RGB, decorrelated', { batch: 2, channels: 3, height: 8, width: 8, param: 'pixel' }],
    ['pixel, grayscale', { batch: 1, channels: 1, height: 5, width: 6, param: 'pixel' }],
  ];
  for (const [name, opts] of cases) {
    it(name, () => {
      const { maxRel } = gradCheck(opts);
      expect(maxRel).toBeLessThan(1e-5);
    });
  }

  it('a wrong adjoint would be caught: dropping the Hermitian factor 2 fails the check', () => {
    // Sanity check of the checker itself: perturb the gradient and see it fail.
    const p = new ImageParam({ batch: 1, channels: 1, height: 8, width: 8 });
    p.init(0, new Rng(3));
    for (let i = 0; i < p.params.length; i++) p.params[i]! *= 30;
    const img = p.forward();
    const r = Float64Array.from(img, (_, i) => Math.sin(i));
    const g = new Float64Array(p.params.length);
    p.backward(r, g);
    const i = 7; // a non-DC, non-Nyquist real coefficient (row 1, column 2 of a 5-column spectrum)
    const f = (): number => { const x = p.forward(); let s = 0; for (let j = 0; j < x.length; j++) s += r[j]! * x[j]!; return s; };
    const v = p.params[i]!;
    p.params[i] = v + 1e-6; const fp = f();
    p.params[i] = v - 1e-6; const fm = f();
    const fd = (fp - fm) / 2e-6;
    expect(Math.abs(fd - g[i]!)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
    expect(Math.abs(fd - g[i]! / 2)).toBeGreaterThan(1e-3 * Math.abs(fd));
  });
});

describe('ImageParam', () => {
  it('starts near gray: small random init gives pixels close to 0.5', () => {
    for (const param of ['fft', 'pixel'] as const) {
      const p = new ImageParam({ batch: 1, channels: 3, height: 32, width: 32, param });
      p.init(0, new Rng(0));
      const img = p.forward();
      const dev = Math.max(...Array.from(img, (v) => Math.abs(v - 0.5)));
      expect(dev).toBeGreaterThan(1e-4);
      expect(dev).toBeLessThan(0.1);
    }
  });

  it('the FFT parameterization gives a 1/f spectrum: low frequencies dominate the image', () => {
    const p = new ImageParam({ batch: 1, channels: 1, height: 64, width: 64, sd: 1 });
    p.init(0, new Rng(5));
    const q = new ImageParam({ batch: 1, channels: 1, height: 64, width: 64, sd: 1, param: 'pixel' });
    q.init(0, new Rng(5));
    // neighbouring-pixel correlation of the pre-sigmoid image: high for 1/f noise, ~0 for white noise
    const corr = (x: Float64Array): number => {
      const logit = Array.from(x, (v) => Math.log(v / (1 - v)));
      let num = 0, den = 0;
      for (let y = 0; y < 64; y++) for (let c = 0; c + 1 < 64; c++) { num += logit[y * 64 + c]! * logit[y * 64 + c + 1]!; den += logit[y * 64 + c]! ** 2; }
      return num / den;
    };
    expect(corr(p.forward().slice())).toBeGreaterThan(0.5);
    expect(Math.abs(corr(q.forward().slice()))).toBeLessThan(0.1);
  });

  it('uses the normalized Lucid colour matrix (largest column norm 1) only for 3 channels', () => {
    const norms = [0, 1, 2].map((c) => Math.hypot(COLOR_DECORRELATION[c]!, COLOR_DECORRELATION[3 + c]!, COLOR_DECORRELATION[6 + c]!));
    expect(Math.max(...norms)).toBeCloseTo(1, 12);
    expect(COLOR_DECORRELATION[0]! / COLOR_DECORRELATION[3]!).toBeCloseTo(0.26 / 0.27, 12);
    expect(new ImageParam({ batch: 1, channels: 3, height: 4, width: 4 }).decorrelated).toBe(true);
    expect(new ImageParam({ batch: 1, channels: 3, height: 4, width: 4, decorrelate: false }).decorrelated).toBe(false);
    expect(new ImageParam({ batch: 1, channels: 1, height: 4, width: 4 }).decorrelated).toBe(false);
    expect(new ImageParam({ batch: 1, channels: 4, height: 4, width: 4 }).decorrelated).toBe(false);
  });

  it('setImage makes forward reproduce a given image (fft and pixel, RGB and gray, odd width)', () => {
    for (const [param, C, H, W] of [['fft', 3, 12, 9], ['pixel', 3, 6, 6], ['fft', 1, 7, 8]] as const) {
      const p = new ImageParam({ batch: 2, channels: C, height: H, width: W, param });
      const rng = new Rng(9);
      const target = Float64Array.from({ length: C * H * W }, () => 0.05 + 0.9 * rng.uniform());
      p.setImage(1, target);
      const img = p.forward();
      const got = img.subarray(C * H * W, 2 * C * H * W);
      let err = 0;
      for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i]! - target[i]!));
      expect(err).toBeLessThan(1e-9);
    }
  });

  it('images of a batch are independent: image 1 does not change when image 0 is re-initialized', () => {
    const p = new ImageParam({ batch: 2, channels: 3, height: 8, width: 8 });
    p.init(0, new Rng(1)); p.init(1, new Rng(2));
    const before = p.forward().slice(192);
    p.init(0, new Rng(7));
    expect(Array.from(p.forward().slice(192))).toEqual(Array.from(before));
  });

  it('rejects bad sizes', () => {
    expect(() => new ImageParam({ batch: 0, channels: 3, height: 8, width: 8 })).toThrow(/batch must be a positive integer/);
    expect(() => new ImageParam({ batch: 1, channels: 3, height: 8, width: 8, param: 'wavelet' as never })).toThrow(/unknown parameterization/);
  });
});
