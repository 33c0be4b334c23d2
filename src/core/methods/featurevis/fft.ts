/**
 * Discrete Fourier transforms for the spectral image parameterization of feature visualization
 * (param.ts): a batched complex FFT for any length, and the real 2-D inverse FFT (`irfft2`, numpy
 * semantics) together with its exact adjoint, which is what gradient ascent needs.
 *
 * - {@link FftPlan}: complex DFT of length n, many sequences at once. Lengths whose prime factors are
 *   all ≤ 31 use a self-sorting mixed-radix Stockham algorithm (radix 4, 2, 3 and generic odd radices);
 *   other lengths use Bluestein's chirp-z algorithm (Bluestein 1970; Rabiner, Schafer & Rader 1969)
 *   over a power-of-two FFT. Data are laid out `[n][batch]` (element j of sequence b at `j*batch + b`)
 *   so every butterfly runs over a contiguous block of `batch` values.
 * - {@link Rfft2Plan}: `irfft2` of spectra `[H][P][K]` (K = ⌊W/2⌋+1, P planes side by side) into images
 *   `[P][H][W]`, its adjoint, and the forward `rfft2`. The real row transforms are done two rows per
 *   complex FFT (x₁ + i·x₂). Imaginary parts of the DC and (even-W) Nyquist columns are ignored by
 *   the inverse, as in numpy/pocketfft, and receive zero gradient from the adjoint.
 *
 * Everything is float64 so the adjoints can be checked against finite differences to ~1e-10.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';

/** Largest prime factor handled by a direct (generic-radix) butterfly; larger ones go through Bluestein. */
const MAX_DIRECT_PRIME = 31;

interface Stage {
  /** Radix of this stage. */
  p: number;
  /** Sub-transform length entering the stage (L) and leaving it (m = L / p). */
  L: number;
  m: number;
  /** Stride (number of interleaved sub-sequences) entering the stage. */
  s: number;
  /** Twiddles ω_L^{pp·t} for pp < m, 1 ≤ t < p: index (pp*(p-1) + t-1), forward sign. */
  twRe: Float64Array;
  twIm: Float64Array;
}

function factorize(n: number): number[] {
  const out: number[] = [];
  let r = n;
  for (let f = 2; f * f <= r; f++) while (r % f === 0) { out.push(f); r /= f; }
  if (r > 1) out.push(r);
  return out;
}

/** The radices of a Stockham plan: as many 4s as possible, then 2, 3, 5, 7, ... */
function radices(n: number): number[] {
  const primes = factorize(n);
  const twos = primes.filter((p) => p === 2).length;
  const rest = primes.filter((p) => p !== 2);
  const out: number[] = [];
  for (let i = 0; i + 1 < twos; i += 2) out.push(4);
  if (twos % 2 === 1) out.push(2);
  return [...out, ...rest];
}

/**
 * A complex DFT of one length, applied to many sequences at once.
 *
 * Forward: `X[k] = Σ_j x[j]·e^{-2πi·jk/n}`; inverse: the same with `+` and NO 1/n factor (callers scale).
 *
 * @example
 * const plan = new FftPlan(224);
 * plan.transform(re, im, batch, false); // re/im: Float64Array(224 * batch), layout [n][batch]
 */
export class FftPlan {
  readonly n: number;
  private readonly stages: Stage[] = [];
  private readonly bluestein?: { m: number; inner: FftPlan; chirpRe: Float64Array; chirpIm: Float64Array; kernelRe: Float64Array; kernelIm: Float64Array };
  private scratchRe = new Float64Array(0);
  private scratchIm = new Float64Array(0);
  private blueRe = new Float64Array(0);
  private blueIm = new Float64Array(0);

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `FFT length must be a positive integer, got ${n}`);
    this.n = n;
    const primes = factorize(n);
    if (primes.some((p) => p > MAX_DIRECT_PRIME)) {
      let m = 1;
      while (m < 2 * n - 1) m *= 2;
      const inner = new FftPlan(m);
      // chirp c_j = e^{-iπ j²/n} (j² taken mod 2n keeps the angle exact for large j)
      const chirpRe = new Float64Array(n), chirpIm = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const a = (Math.PI * ((j * j) % (2 * n))) / n;
        chirpRe[j] = Math.cos(a);
        chirpIm[j] = -Math.sin(a);
      }
      // kernel b_j = conj(c_j) for |j| < n, wrapped into length m, pre-transformed
      const kernelRe = new Float64Array(m), kernelIm = new Float64Array(m);
      for (let j = 0; j < n; j++) {
        kernelRe[j] = chirpRe[j]!; kernelIm[j] = -chirpIm[j]!;
        if (j > 0) { kernelRe[m - j] = chirpRe[j]!; kernelIm[m - j] = -chirpIm[j]!; }
      }
      inner.transform(kernelRe, kernelIm, 1, false);
      this.bluestein = { m, inner, chirpRe, chirpIm, kernelRe, kernelIm };
      return;
    }
    let L = n, s = 1;
    for (const p of radices(n)) {
      const m = L / p;
      const twRe = new Float64Array(m * (p - 1)), twIm = new Float64Array(m * (p - 1));
      for (let pp = 0; pp < m; pp++) {
        for (let t = 1; t < p; t++) {
          const a = (-2 * Math.PI * ((pp * t) % L)) / L;
          twRe[pp * (p - 1) + t - 1] = Math.cos(a);
          twIm[pp * (p - 1) + t - 1] = Math.sin(a);
        }
      }
      this.stages.push({ p, L, m, s, twRe, twIm });
      L = m;
      s *= p;
    }
  }

  /**
   * Transforms `batch` sequences in place. `re`/`im` hold `n * batch` values, layout `[n][batch]`.
   * @param inverse `true` for the unnormalized inverse (sign +).
   */
  transform(re: Float64Array, im: Float64Array, batch: number, inverse: boolean): void {
    const n = this.n;
    if (re.length < n * batch || im.length < n * batch) throw new ConvlensError(ErrorCodes.BAD_USAGE, `FFT: arrays hold ${Math.min(re.length, im.length)} values, need ${n * batch}`);
    if (n === 1) return;
    if (this.bluestein) { this.transformBluestein(re, im, batch, inverse); return; }
    const total = n * batch;
    if (this.scratchRe.length < total) { this.scratchRe = new Float64Array(total); this.scratchIm = new Float64Array(total); }
    let xr: Float64Array = re, xi: Float64Array = im, yr: Float64Array = this.scratchRe, yi: Float64Array = this.scratchIm;
    const sign = inverse ? -1 : 1;
    for (const st of this.stages) {
      const run = st.s * batch;
      if (st.p === 4) radix4(xr, xi, yr, yi, st, run, sign);
      else if (st.p === 2) radix2(xr, xi, yr, yi, st, run, sign);
      else if (st.p === 3) radix3(xr, xi, yr, yi, st, run, sign);
      else if (st.p === 5) radix5(xr, xi, yr, yi, st, run, sign);
      else if (st.p === 7) radix7(xr, xi, yr, yi, st, run, sign);
      else radixGeneric(xr, xi, yr, yi, st, run, sign);
      const tr = xr, ti = xi;
      xr = yr; xi = yi; yr = tr; yi = ti;
    }
    if (xr !== re) { re.set(xr.subarray(0, total)); im.set(xi.subarray(0, total)); }
  }

  private transformBluestein(re: Float64Array, im: Float64Array, batch: number, inverse: boolean): void {
    const b = this.bluestein!;
    const n = this.n, m = b.m;
    const size = m * batch;
    if (this.blueRe.length < size) { this.blueRe = new Float64Array(size); this.blueIm = new Float64Array(size); }
    const ar = this.blueRe, ai = this.blueIm;
    ar.fill(0, 0, size); ai.fill(0, 0, size);
    // The inverse is conj(F(conj x)): conjugate on the way in and out.
    const s = inverse ? -1 : 1;
    for (let j = 0; j < n; j++) {
      const cr = b.chirpRe[j]!, ci = b.chirpIm[j]!;
      const o = j * batch;
      for (let q = 0; q < batch; q++) {
        const xr = re[o + q]!, xi = s * im[o + q]!;
        ar[o + q] = xr * cr - xi * ci;
        ai[o + q] = xr * ci + xi * cr;
      }
    }
    b.inner.transform(ar, ai, batch, false);
    for (let k = 0; k < m; k++) {
      const kr = b.kernelRe[k]!, ki = b.kernelIm[k]!;
      const o = k * batch;
      for (let q = 0; q < batch; q++) {
        const xr = ar[o + q]!, xi = ai[o + q]!;
        ar[o + q] = xr * kr - xi * ki;
        ai[o + q] = xr * ki + xi * kr;
      }
    }
    b.inner.transform(ar, ai, batch, true);
    const inv = 1 / m;
    for (let k = 0; k < n; k++) {
      const cr = b.chirpRe[k]! * inv, ci = b.chirpIm[k]! * inv;
      const o = k * batch;
      for (let q = 0; q < batch; q++) {
        const xr = ar[o + q]!, xi = ai[o + q]!;
        re[o + q] = xr * cr - xi * ci;
        im[o + q] = s * (xr * ci + xi * cr);
      }
    }
  }
}

// Stockham DIF stage: for each pp < m, inputs a_r = x[(pp + r·m)·run + u] (u < run = s·batch) and
// outputs y[(p·pp + t)·run + u] = (Σ_r a_r ω_p^{rt}) · ω_L^{pp·t}. `sign` = -1 conjugates every
// twiddle (inverse transform).

function radix2(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, st: Stage, run: number, sign: number): void {
  const { m } = st;
  for (let pp = 0; pp < m; pp++) {
    const wr = st.twRe[pp]!, wi = sign * st.twIm[pp]!;
    const i0 = pp * run, i1 = (pp + m) * run, o0 = 2 * pp * run, o1 = o0 + run;
    for (let u = 0; u < run; u++) {
      const ar = xr[i0 + u]!, ai = xi[i0 + u]!, br = xr[i1 + u]!, bi = xi[i1 + u]!;
      yr[o0 + u] = ar + br; yi[o0 + u] = ai + bi;
      const dr = ar - br, di = ai - bi;
      yr[o1 + u] = dr * wr - di * wi; yi[o1 + u] = dr * wi + di * wr;
    }
  }
}

function radix4(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, st: Stage, run: number, sign: number): void {
  const { m } = st;
  for (let pp = 0; pp < m; pp++) {
    const k = pp * 3;
    const w1r = st.twRe[k]!, w1i = sign * st.twIm[k]!;
    const w2r = st.twRe[k + 1]!, w2i = sign * st.twIm[k + 1]!;
    const w3r = st.twRe[k + 2]!, w3i = sign * st.twIm[k + 2]!;
    const i0 = pp * run, i1 = (pp + m) * run, i2 = (pp + 2 * m) * run, i3 = (pp + 3 * m) * run;
    const o0 = 4 * pp * run, o1 = o0 + run, o2 = o1 + run, o3 = o2 + run;
    for (let u = 0; u < run; u++) {
      const a0r = xr[i0 + u]!, a0i = xi[i0 + u]!, a1r = xr[i1 + u]!, a1i = xi[i1 + u]!;
      const a2r = xr[i2 + u]!, a2i = xi[i2 + u]!, a3r = xr[i3 + u]!, a3i = xi[i3 + u]!;
      const s02r = a0r + a2r, s02i = a0i + a2i, d02r = a0r - a2r, d02i = a0i - a2i;
      const s13r = a1r + a3r, s13i = a1i + a3i, d13r = a1r - a3r, d13i = a1i - a3i;
      // forward: ω_4 = -i, so y1 = d02 - i·d13, y3 = d02 + i·d13 (sign flips them for the inverse)
      const jr = sign * d13i, ji = -sign * d13r; // -i·sign·d13
      yr[o0 + u] = s02r + s13r; yi[o0 + u] = s02i + s13i;
      const y1r = d02r + jr, y1i = d02i + ji;
      const y2r = s02r - s13r, y2i = s02i - s13i;
      const y3r = d02r - jr, y3i = d02i - ji;
      yr[o1 + u] = y1r * w1r - y1i * w1i; yi[o1 + u] = y1r * w1i + y1i * w1r;
      yr[o2 + u] = y2r * w2r - y2i * w2i; yi[o2 + u] = y2r * w2i + y2i * w2r;
      yr[o3 + u] = y3r * w3r - y3i * w3i; yi[o3 + u] = y3r * w3i + y3i * w3r;
    }
  }
}

const SIN60 = Math.sqrt(3) / 2;

function radix3(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, st: Stage, run: number, sign: number): void {
  const { m } = st;
  const s60 = -sign * SIN60; // Im ω_3 (forward: -√3/2)
  for (let pp = 0; pp < m; pp++) {
    const k = pp * 2;
    const w1r = st.twRe[k]!, w1i = sign * st.twIm[k]!;
    const w2r = st.twRe[k + 1]!, w2i = sign * st.twIm[k + 1]!;
    const i0 = pp * run, i1 = (pp + m) * run, i2 = (pp + 2 * m) * run;
    const o0 = 3 * pp * run, o1 = o0 + run, o2 = o1 + run;
    for (let u = 0; u < run; u++) {
      const a0r = xr[i0 + u]!, a0i = xi[i0 + u]!, a1r = xr[i1 + u]!, a1i = xi[i1 + u]!, a2r = xr[i2 + u]!, a2i = xi[i2 + u]!;
      const sr = a1r + a2r, si = a1i + a2i, dr = a1r - a2r, di = a1i - a2i;
      const mr = a0r - 0.5 * sr, mi = a0i - 0.5 * si;
      // y1 = m + i·s60·d, y2 = m - i·s60·d
      const tr = -s60 * di, ti = s60 * dr;
      yr[o0 + u] = a0r + sr; yi[o0 + u] = a0i + si;
      const y1r = mr + tr, y1i = mi + ti, y2r = mr - tr, y2i = mi - ti;
      yr[o1 + u] = y1r * w1r - y1i * w1i; yi[o1 + u] = y1r * w1i + y1i * w1r;
      yr[o2 + u] = y2r * w2r - y2i * w2i; yi[o2 + u] = y2r * w2i + y2i * w2r;
    }
  }
}

// Odd radices by conjugate pairs: with s_r = a_r + a_{p-r} and d_r = a_r - a_{p-r},
// y_t = a_0 + Σ_r s_r·cos(2πrt/p) - i·sign'·Σ_r d_r·sin(2πrt/p) and y_{p-t} the same with + i.

const C5 = [Math.cos((2 * Math.PI) / 5), Math.cos((4 * Math.PI) / 5)];
const S5 = [Math.sin((2 * Math.PI) / 5), Math.sin((4 * Math.PI) / 5)];

function radix5(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, st: Stage, run: number, sign: number): void {
  const { m } = st;
  const c1 = C5[0]!, c2 = C5[1]!, n1 = sign * S5[0]!, n2 = sign * S5[1]!;
  const tw = new Float64Array(8);
  for (let pp = 0; pp < m; pp++) {
    for (let t = 0; t < 4; t++) { tw[2 * t] = st.twRe[pp * 4 + t]!; tw[2 * t + 1] = sign * st.twIm[pp * 4 + t]!; }
    const i0 = pp * run, i1 = (pp + m) * run, i2 = (pp + 2 * m) * run, i3 = (pp + 3 * m) * run, i4 = (pp + 4 * m) * run;
    const o0 = 5 * pp * run;
    for (let u = 0; u < run; u++) {
      const a0r = xr[i0 + u]!, a0i = xi[i0 + u]!;
      const s1r = xr[i1 + u]! + xr[i4 + u]!, s1i = xi[i1 + u]! + xi[i4 + u]!, d1r = xr[i1 + u]! - xr[i4 + u]!, d1i = xi[i1 + u]! - xi[i4 + u]!;
      const s2r = xr[i2 + u]! + xr[i3 + u]!, s2i = xi[i2 + u]! + xi[i3 + u]!, d2r = xr[i2 + u]! - xr[i3 + u]!, d2i = xi[i2 + u]! - xi[i3 + u]!;
      yr[o0 + u] = a0r + s1r + s2r; yi[o0 + u] = a0i + s1i + s2i;
      // t = 1 (pairs with 4): cos(2π·1/5), cos(2π·2/5); t = 2 (pairs with 3): cos(2π·2/5), cos(2π·4/5) = c1
      const m1r = a0r + c1 * s1r + c2 * s2r, m1i = a0i + c1 * s1i + c2 * s2i;
      const q1r = n1 * d1r + n2 * d2r, q1i = n1 * d1i + n2 * d2i;
      const m2r = a0r + c2 * s1r + c1 * s2r, m2i = a0i + c2 * s1i + c1 * s2i;
      const q2r = n2 * d1r - n1 * d2r, q2i = n2 * d1i - n1 * d2i;
      // y_t = m_t - i·q_t, y_{5-t} = m_t + i·q_t ; -i·q = (q_i, -q_r)
      store(yr, yi, o0 + run + u, m1r + q1i, m1i - q1r, tw[0]!, tw[1]!);
      store(yr, yi, o0 + 2 * run + u, m2r + q2i, m2i - q2r, tw[2]!, tw[3]!);
      store(yr, yi, o0 + 3 * run + u, m2r - q2i, m2i + q2r, tw[4]!, tw[5]!);
      store(yr, yi, o0 + 4 * run + u, m1r - q1i, m1i + q1r, tw[6]!, tw[7]!);
    }
  }
}

const C7 = [1, 2, 3].map((k) => Math.cos((2 * Math.PI * k) / 7));
const S7 = [1, 2, 3].map((k) => Math.sin((2 * Math.PI * k) / 7));

function radix7(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, st: Stage, run: number, sign: number): void {
  const { m } = st;
  const c1 = C7[0]!, c2 = C7[1]!, c3 = C7[2]!, n1 = sign * S7[0]!, n2 = sign * S7[1]!, n3 = sign * S7[2]!;
  const tw = new Float64Array(12);
  for (let pp = 0; pp < m; pp++) {
    for (let t = 0; t < 6; t++) { tw[2 * t] = st.twRe[pp * 6 + t]!; tw[2 * t + 1] = sign * st.twIm[pp * 6 + t]!; }
    const i0 = pp * run, i1 = (pp + m) * run, i2 = (pp + 2 * m) * run, i3 = (pp + 3 * m) * run;
    const i4 = (pp + 4 * m) * run, i5 = (pp + 5 * m) * run, i6 = (pp + 6 * m) * run;
    const o0 = 7 * pp * run;
    for (let u = 0; u < run; u++) {
      const a0r = xr[i0 + u]!, a0i = xi[i0 + u]!;
      const s1r = xr[i1 + u]! + xr[i6 + u]!, s1i = xi[i1 + u]! + xi[i6 + u]!, d1r = xr[i1 + u]! - xr[i6 + u]!, d1i = xi[i1 + u]! - xi[i6 + u]!;
      const s2r = xr[i2 + u]! + xr[i5 + u]!, s2i = xi[i2 + u]! + xi[i5 + u]!, d2r = xr[i2 + u]! - xr[i5 + u]!, d2i = xi[i2 + u]! - xi[i5 + u]!;
      const s3r = xr[i3 + u]! + xr[i4 + u]!, s3i = xi[i3 + u]! + xi[i4 + u]!, d3r = xr[i3 + u]! - xr[i4 + u]!, d3i = xi[i3 + u]! - xi[i4 + u]!;
      yr[o0 + u] = a0r + s1r + s2r + s3r; yi[o0 + u] = a0i + s1i + s2i + s3i;
      // cos/sin of 2π·(r·t mod 7)/7: t=1 → r·t = 1,2,3; t=2 → 2,4≡-3,6≡-1; t=3 → 3,6≡-1,9≡2 (sin odd)
      const m1r = a0r + c1 * s1r + c2 * s2r + c3 * s3r, m1i = a0i + c1 * s1i + c2 * s2i + c3 * s3i;
      const q1r = n1 * d1r + n2 * d2r + n3 * d3r, q1i = n1 * d1i + n2 * d2i + n3 * d3i;
      const m2r = a0r + c2 * s1r + c3 * s2r + c1 * s3r, m2i = a0i + c2 * s1i + c3 * s2i + c1 * s3i;
      const q2r = n2 * d1r - n3 * d2r - n1 * d3r, q2i = n2 * d1i - n3 * d2i - n1 * d3i;
      const m3r = a0r + c3 * s1r + c1 * s2r + c2 * s3r, m3i = a0i + c3 * s1i + c1 * s2i + c2 * s3i;
      const q3r = n3 * d1r - n1 * d2r + n2 * d3r, q3i = n3 * d1i - n1 * d2i + n2 * d3i;
      if (pp === 0) {
        // ω^0 = 1: no twiddles (the whole last stage, m = 1)
        yr[o0 + run + u] = m1r + q1i; yi[o0 + run + u] = m1i - q1r;
        yr[o0 + 2 * run + u] = m2r + q2i; yi[o0 + 2 * run + u] = m2i - q2r;
        yr[o0 + 3 * run + u] = m3r + q3i; yi[o0 + 3 * run + u] = m3i - q3r;
        yr[o0 + 4 * run + u] = m3r - q3i; yi[o0 + 4 * run + u] = m3i + q3r;
        yr[o0 + 5 * run + u] = m2r - q2i; yi[o0 + 5 * run + u] = m2i + q2r;
        yr[o0 + 6 * run + u] = m1r - q1i; yi[o0 + 6 * run + u] = m1i + q1r;
        continue;
      }
      store(yr, yi, o0 + run + u, m1r + q1i, m1i - q1r, tw[0]!, tw[1]!);
      store(yr, yi, o0 + 2 * run + u, m2r + q2i, m2i - q2r, tw[2]!, tw[3]!);
      store(yr, yi, o0 + 3 * run + u, m3r + q3i, m3i - q3r, tw[4]!, tw[5]!);
      store(yr, yi, o0 + 4 * run + u, m3r - q3i, m3i + q3r, tw[6]!, tw[7]!);
      store(yr, yi, o0 + 5 * run + u, m2r - q2i, m2i + q2r, tw[8]!, tw[9]!);
      store(yr, yi, o0 + 6 * run + u, m1r - q1i, m1i + q1r, tw[10]!, tw[11]!);
    }
  }
}

/** y[o] = (vr + i·vi)·(wr + i·wi) */
function store(yr: Float64Array, yi: Float64Array, o: number, vr: number, vi: number, wr: number, wi: number): void {
  yr[o] = vr * wr - vi * wi;
  yi[o] = vr * wi + vi * wr;
}

const generic = new Map<number, { cos: Float64Array; sin: Float64Array }>();

function radixGeneric(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, st: Stage, run: number, sign: number): void {
  const { m, p } = st;
  let roots = generic.get(p);
  if (!roots) {
    const cos = new Float64Array(p), sin = new Float64Array(p);
    for (let k = 0; k < p; k++) { cos[k] = Math.cos((2 * Math.PI * k) / p); sin[k] = -Math.sin((2 * Math.PI * k) / p); }
    roots = { cos, sin };
    generic.set(p, roots);
  }
  for (let pp = 0; pp < m; pp++) {
    for (let t = 0; t < p; t++) {
      // y_t = Σ_r a_r·ω_p^{rt}, accumulated one input block at a time (contiguous inner loops)
      const o = (p * pp + t) * run;
      const i0 = pp * run;
      for (let u = 0; u < run; u++) { yr[o + u] = xr[i0 + u]!; yi[o + u] = xi[i0 + u]!; }
      for (let r = 1; r < p; r++) {
        const k = (r * t) % p;
        const c = roots.cos[k]!, sn = sign * roots.sin[k]!;
        const i = (pp + r * m) * run;
        for (let u = 0; u < run; u++) {
          const ar = xr[i + u]!, ai = xi[i + u]!;
          yr[o + u]! += ar * c - ai * sn;
          yi[o + u]! += ar * sn + ai * c;
        }
      }
      if (t === 0) continue;
      const wr = st.twRe[pp * (p - 1) + t - 1]!, wi = sign * st.twIm[pp * (p - 1) + t - 1]!;
      for (let u = 0; u < run; u++) {
        const vr = yr[o + u]!, vi = yi[o + u]!;
        yr[o + u] = vr * wr - vi * wi; yi[o + u] = vr * wi + vi * wr;
      }
    }
  }
}

/**
 * Real 2-D FFTs of `H × W` images, several planes at once.
 *
 * Spectra are stored `[H][P][K]` with K = ⌊W/2⌋ + 1 (planes interleaved per row, so the column pass is
 * one batched transform); images are stored `[P][H][W]`.
 *
 * @example
 * const plan = new Rfft2Plan(64, 64);
 * plan.inverse(specRe, specIm, img, 3);          // numpy.fft.irfft2 of 3 planes
 * plan.inverseAdjoint(gImg, gRe, gIm, 3);        // its transpose, for backprop
 */
export class Rfft2Plan {
  readonly h: number;
  readonly w: number;
  /** Columns of the half spectrum: ⌊W/2⌋ + 1. */
  readonly k: number;
  private readonly colPlan: FftPlan;
  private readonly rowPlan: FftPlan;
  private bufRe = new Float64Array(0);
  private bufIm = new Float64Array(0);
  private rowRe = new Float64Array(0);
  private rowIm = new Float64Array(0);

  constructor(h: number, w: number) {
    this.h = h;
    this.w = w;
    this.k = Math.floor(w / 2) + 1;
    this.colPlan = new FftPlan(h);
    this.rowPlan = new FftPlan(w);
  }

  /** Spectrum offsets of rows 2q and 2q+1 (−1 past the last row) for each pair q, per plane count. */
  private offsetCache = new Map<number, [Int32Array, Int32Array]>();

  private offsets(planes: number): [Int32Array, Int32Array] {
    let o = this.offsetCache.get(planes);
    if (!o) {
      const { h, k } = this, rows = planes * h, pairs = Math.ceil(rows / 2);
      o = [new Int32Array(pairs), new Int32Array(pairs)];
      for (let q = 0; q < pairs; q++) { o[0][q] = rowOffset(2 * q, h, planes, k); o[1][q] = 2 * q + 1 < rows ? rowOffset(2 * q + 1, h, planes, k) : -1; }
      this.offsetCache.set(planes, o);
    }
    return o;
  }

  /** Values in a spectrum of `planes` planes (per real/imag array). */
  spectrumSize(planes: number): number {
    return this.h * planes * this.k;
  }

  private ensure(planes: number): void {
    const spec = this.spectrumSize(planes);
    if (this.bufRe.length < spec) { this.bufRe = new Float64Array(spec); this.bufIm = new Float64Array(spec); }
    const rows = this.w * Math.ceil((planes * this.h) / 2);
    if (this.rowRe.length < rows) { this.rowRe = new Float64Array(rows); this.rowIm = new Float64Array(rows); }
  }

  /**
   * `out[p] = irfft2(spectrum[:, p, :])` with numpy's normalization (1/(H·W)), for `planes` planes.
   * The imaginary parts of column 0 and (even W) column W/2 do not affect the result.
   */
  inverse(re: Float64Array, im: Float64Array, out: Float64Array, planes: number, scale?: Float64Array): void {
    const { h, w, k } = this;
    this.ensure(planes);
    const cols = planes * k;
    const br = this.bufRe, bi = this.bufIm;
    if (scale) {
      // spectrum ⊙ scale (the same [H][K] factors for every plane), folded into the copy
      for (let y = 0; y < h; y++) {
        for (let p = 0; p < planes; p++) {
          const o = (y * planes + p) * k, so = y * k;
          for (let f = 0; f < k; f++) { const s = scale[so + f]!; br[o + f] = re[o + f]! * s; bi[o + f] = im[o + f]! * s; }
        }
      }
    } else {
      br.set(re.subarray(0, h * cols));
      bi.set(im.subarray(0, h * cols));
    }
    this.colPlan.transform(br, bi, cols, true);
    // Rows r = p·H + y; pair rows (2q, 2q+1) into one complex sequence Z = X̃₁ + i·X̃₂ (layout [W][pairs]).
    // The loops over pairs run in blocks of TB so the strided [W][pairs] accesses fill whole cache lines.
    const rows = planes * h, pairs = Math.ceil(rows / 2);
    const zr = this.rowRe, zi = this.rowIm;
    const nyq = w % 2 === 0 ? w / 2 : -1;
    const [off1, off2] = this.offsets(planes);
    for (let q0 = 0; q0 < pairs; q0 += TB) {
      const qe = Math.min(pairs, q0 + TB);
      for (let f = 0; f < k; f++) {
        const edge = f === 0 || f === nyq, g = (w - f) * pairs, z = f * pairs;
        for (let q = q0; q < qe; q++) {
          const o1 = off1[q]!, o2 = off2[q]!;
          const a1 = br[o1 + f]!, b1 = edge ? 0 : bi[o1 + f]!;
          const a2 = o2 >= 0 ? br[o2 + f]! : 0, b2 = o2 >= 0 && !edge ? bi[o2 + f]! : 0;
          zr[z + q] = a1 - b2;
          zi[z + q] = b1 + a2;
          if (!edge) {
            // X̃[W-f] = conj(X[f])
            zr[g + q] = a1 + b2;
            zi[g + q] = -b1 + a2;
          }
        }
      }
    }
    this.rowPlan.transform(zr, zi, pairs, true);
    const norm = 1 / (h * w);
    for (let q0 = 0; q0 < pairs; q0 += TB) {
      const qe = Math.min(pairs, q0 + TB);
      for (let x = 0; x < w; x++) {
        const z = x * pairs;
        for (let q = q0; q < qe; q++) {
          const r2 = 2 * q + 1;
          out[2 * q * w + x] = zr[z + q]! * norm;
          if (r2 < rows) out[r2 * w + x] = zi[z + q]! * norm;
        }
      }
    }
  }

  /**
   * The adjoint (transpose) of {@link inverse}: given ∂L/∂image (`[P][H][W]`), writes ∂L/∂Re and ∂L/∂Im
   * of the spectrum (`[H][P][K]`). Imaginary parts of the DC / Nyquist columns get exactly 0.
   */
  inverseAdjoint(g: Float64Array, outRe: Float64Array, outIm: Float64Array, planes: number): void {
    const { h, w, k } = this;
    this.ensure(planes);
    this.realRows(g, outRe, outIm, planes);
    const cols = planes * k;
    const nyq = w % 2 === 0 ? w / 2 : -1;
    const scale = 1 / (h * w);
    for (let y = 0; y < h; y++) {
      for (let p = 0; p < planes; p++) {
        const o = y * cols + p * k;
        for (let f = 0; f < k; f++) {
          const c = (f === 0 || f === nyq ? 1 : 2) * scale;
          outRe[o + f]! *= c;
          outIm[o + f]! *= c;
        }
      }
    }
    this.colPlan.transform(outRe, outIm, cols, false);
  }

  /** `numpy.fft.rfft2` of `planes` images `[P][H][W]` into spectra `[H][P][K]` (no normalization). */
  forward(x: Float64Array, outRe: Float64Array, outIm: Float64Array, planes: number): void {
    this.ensure(planes);
    this.realRows(x, outRe, outIm, planes);
    this.colPlan.transform(outRe, outIm, planes * this.k, false);
  }

  /** Half-spectrum rfft of every image row, written to `[H][P][K]` positions. */
  private realRows(x: Float64Array, outRe: Float64Array, outIm: Float64Array, planes: number): void {
    const { h, w, k } = this;
    const rows = planes * h, pairs = Math.ceil(rows / 2);
    const zr = this.rowRe, zi = this.rowIm;
    for (let q0 = 0; q0 < pairs; q0 += TB) {
      const qe = Math.min(pairs, q0 + TB);
      for (let t = 0; t < w; t++) {
        const z = t * pairs;
        for (let q = q0; q < qe; q++) {
          const r2 = 2 * q + 1;
          zr[z + q] = x[2 * q * w + t]!;
          zi[z + q] = r2 < rows ? x[r2 * w + t]! : 0;
        }
      }
    }
    this.rowPlan.transform(zr, zi, pairs, false);
    const [off1, off2] = this.offsets(planes);
    for (let q0 = 0; q0 < pairs; q0 += TB) {
      const qe = Math.min(pairs, q0 + TB);
      for (let f = 0; f < k; f++) {
        const zf = f * pairs, zg = (f === 0 ? 0 : w - f) * pairs;
        for (let q = q0; q < qe; q++) {
          const o1 = off1[q]!, o2 = off2[q]!;
          const ar = zr[zf + q]!, ai = zi[zf + q]!, br = zr[zg + q]!, bi = zi[zg + q]!;
          // X₁ = (Z[f] + conj Z[W-f]) / 2, X₂ = (Z[f] - conj Z[W-f]) / 2i
          outRe[o1 + f] = 0.5 * (ar + br);
          outIm[o1 + f] = 0.5 * (ai - bi);
          if (o2 >= 0) {
            outRe[o2 + f] = 0.5 * (ai + bi);
            outIm[o2 + f] = -0.5 * (ar - br);
          }
        }
      }
    }
  }
}

/** Pairs of rows handled together by the transposing loops of {@link Rfft2Plan} (8 doubles = one cache line). */
const TB = 8;

/** Offset of image row r = p·H + y inside a `[H][P][K]` spectrum. */
function rowOffset(r: number, h: number, planes: number, k: number): number {
  const p = Math.floor(r / h), y = r - p * h;
  return (y * planes + p) * k;
}

/**
 * The 1/f frequency magnitude of every half-spectrum entry, `sqrt(fy² + fx²)` in cycles per pixel
 * (numpy `fftfreq` conventions), `[H][K]` — the quantity Lucid's `rfft2d_freqs` returns.
 */
export function rfft2Frequencies(h: number, w: number): Float64Array {
  const k = Math.floor(w / 2) + 1;
  const out = new Float64Array(h * k);
  for (let y = 0; y < h; y++) {
    const fy = (y <= (h - 1) / 2 ? y : y - h) / h;
    for (let x = 0; x < k; x++) {
      const fx = x / w;
      out[y * k + x] = Math.sqrt(fy * fy + fx * fx);
    }
  }
  return out;
}
