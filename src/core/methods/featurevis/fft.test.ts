// The FFTs behind the spectral parameterization: complex transforms of every length class (powers of
// two, mixed radix, generic odd radix, Bluestein primes) against a naive O(n²) DFT, the real 2-D
// inverse against numpy's definition, and its adjoint against the transpose identity ⟨Ax, y⟩ = ⟨x, Aᵀy⟩.
import { describe, expect, it } from 'vitest';
import { FftPlan, Rfft2Plan, rfft2Frequencies } from './fft.ts';
import { Rng } from '../random.ts';

function naiveDft(re: Float64Array, im: Float64Array, n: number, batch: number, inverse: boolean): [Float64Array, Float64Array] {
  const or = new Float64Array(n * batch), oi = new Float64Array(n * batch);
  const s = inverse ? 1 : -1;
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < n; k++) {
      let sr = 0, si = 0;
      for (let j = 0; j < n; j++) {
        const a = (s * 2 * Math.PI * ((j * k) % n)) / n;
        const c = Math.cos(a), sn = Math.sin(a);
        sr += re[j * batch + b]! * c - im[j * batch + b]! * sn;
        si += re[j * batch + b]! * sn + im[j * batch + b]! * c;
      }
      or[k * batch + b] = sr; oi[k * batch + b] = si;
    }
  }
  return [or, oi];
}

function randomArray(n: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal());
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** irfft2 straight from its definition (numpy: ifft over rows of the Hermitian-extended spectrum, real part; DC/Nyquist imag dropped per row). */
function naiveIrfft2(re: Float64Array, im: Float64Array, h: number, w: number, planes: number, p: number): Float64Array {
  const k = Math.floor(w / 2) + 1;
  const out = new Float64Array(h * w);
  // column inverse DFT
  const cr = new Float64Array(h * k), ci = new Float64Array(h * k);
  for (let y = 0; y < h; y++) {
    for (let f = 0; f < k; f++) {
      let sr = 0, si = 0;
      for (let ky = 0; ky < h; ky++) {
        const a = (2 * Math.PI * ky * y) / h;
        const xr = re[(ky * planes + p) * k + f]!, xi = im[(ky * planes + p) * k + f]!;
        sr += xr * Math.cos(a) - xi * Math.sin(a);
        si += xr * Math.sin(a) + xi * Math.cos(a);
      }
      cr[y * k + f] = sr; ci[y * k + f] = si;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      for (let f = 0; f < k; f++) {
        const a = (2 * Math.PI * f * x) / w;
        const edge = f === 0 || (w % 2 === 0 && f === w / 2);
        const term = cr[y * k + f]! * Math.cos(a) - (edge ? 0 : ci[y * k + f]!) * Math.sin(a);
        v += edge ? term : 2 * term;
      }
      out[y * w + x] = v / (h * w);
    }
  }
  return out;
}

describe('FftPlan', () => {
  const lengths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 25, 28, 30, 31, 32, 37, 49, 64, 97, 113, 224, 227];
  for (const n of lengths) {
    it(`matches the naive DFT for n = ${n} (forward and inverse, batch 3)`, () => {
      const rng = new Rng(n);
      const batch = 3;
      const re = randomArray(n * batch, rng), im = randomArray(n * batch, rng);
      for (const inverse of [false, true]) {
        const [er, ei] = naiveDft(re, im, n, batch, inverse);
        const r = re.slice(), i = im.slice();
        new FftPlan(n).transform(r, i, batch, inverse);
        const tol = 1e-10 * n;
        expect(maxAbsDiff(r, er)).toBeLessThan(tol);
        expect(maxAbsDiff(i, ei)).toBeLessThan(tol);
      }
    });
  }

  it('round-trips forward then inverse / n for a Bluestein length', () => {
    const n = 101, rng = new Rng(7);
    const re = randomArray(n * 2, rng), im = randomArray(n * 2, rng);
    const r = re.slice(), i = im.slice();
    const plan = new FftPlan(n);
    plan.transform(r, i, 2, false);
    plan.transform(r, i, 2, true);
    expect(maxAbsDiff(r.map((v) => v / n), re)).toBeLessThan(1e-12);
    expect(maxAbsDiff(i.map((v) => v / n), im)).toBeLessThan(1e-12);
  });
});

describe('Rfft2Plan', () => {
  const sizes: [number, number][] = [[8, 8], [7, 9], [28, 28], [6, 5], [1, 4], [13, 1], [16, 37]];
  for (const [h, w] of sizes) {
    it(`irfft2 of ${h}x${w} (3 planes) matches its definition, and rfft2 inverts it`, () => {
      const rng = new Rng(h * 100 + w);
      const plan = new Rfft2Plan(h, w);
      const planes = 3, n = plan.spectrumSize(planes);
      const re = randomArray(n, rng), im = randomArray(n, rng);
      const out = new Float64Array(planes * h * w);
      plan.inverse(re, im, out, planes);
      for (let p = 0; p < planes; p++) {
        const want = naiveIrfft2(re, im, h, w, planes, p);
        expect(maxAbsDiff(out.subarray(p * h * w, (p + 1) * h * w), want)).toBeLessThan(1e-12);
      }
      // rfft2(irfft2(X)) == X up to the parts irfft2 ignores; so irfft2(rfft2(x)) == x
      const fr = new Float64Array(n), fi = new Float64Array(n);
      plan.forward(out, fr, fi, planes);
      const back = new Float64Array(planes * h * w);
      plan.inverse(fr, fi, back, planes);
      expect(maxAbsDiff(back, out)).toBeLessThan(1e-12);
    });

    it(`the adjoint of irfft2 ${h}x${w} satisfies ⟨A x, y⟩ = ⟨x, Aᵀ y⟩`, () => {
      const rng = new Rng(h * 31 + w);
      const plan = new Rfft2Plan(h, w);
      const planes = 2, n = plan.spectrumSize(planes);
      const xr = randomArray(n, rng), xi = randomArray(n, rng), y = randomArray(planes * h * w, rng);
      const ax = new Float64Array(planes * h * w);
      plan.inverse(xr, xi, ax, planes);
      const gr = new Float64Array(n), gi = new Float64Array(n);
      plan.inverseAdjoint(y, gr, gi, planes);
      let lhs = 0, rhs = 0;
      for (let i = 0; i < ax.length; i++) lhs += ax[i]! * y[i]!;
      for (let i = 0; i < n; i++) rhs += xr[i]! * gr[i]! + xi[i]! * gi[i]!;
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10 * (1 + Math.abs(lhs)));
    });
  }

  it('gives the DC and Nyquist imaginary parts exactly zero gradient', () => {
    const plan = new Rfft2Plan(4, 6);
    const g = randomArray(24, new Rng(3));
    const gr = new Float64Array(plan.spectrumSize(1)), gi = new Float64Array(plan.spectrumSize(1));
    plan.inverseAdjoint(g, gr, gi, 1);
    // row 0 (ky = 0) and row H/2 are self-conjugate along y too: their DC/Nyquist imag is a no-op
    for (const ky of [0, 2]) for (const f of [0, 3]) expect(Math.abs(gi[ky * plan.k + f]!)).toBeLessThan(1e-15);
  });

  it('rfft2Frequencies follows numpy fftfreq', () => {
    const f = rfft2Frequencies(4, 5); // fy = [0, .25, -.5, -.25], fx = [0, .2, .4]
    expect(f[0]).toBe(0);
    expect(f[1]).toBeCloseTo(0.2, 15);
    expect(f[2 * 3 + 2]).toBeCloseTo(Math.hypot(0.5, 0.4), 15);
    expect(f[3 * 3 + 1]).toBeCloseTo(Math.hypot(0.25, 0.2), 15);
  });
});
