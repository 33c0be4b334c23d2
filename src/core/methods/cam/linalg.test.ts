// The symmetric eigensolver (A v = λ v, orthonormal V, trace) and the first-principal-component projection behind Eigen-CAM / eigenSmooth.
import { describe, expect, it } from 'vitest';
import { firstComponentProjection, symmetricEigen } from './linalg.ts';
import { Rng } from '../random.ts';

function randomSymmetric(n: number, rng: Rng): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) { const v = rng.normal(); a[i * n + j] = v; a[j * n + i] = v; }
  return a;
}

describe('symmetricEigen', () => {
  for (const n of [1, 2, 5, 17, 64]) {
    it(`A v = λ v and V orthonormal for a random ${n}x${n} matrix`, () => {
      const rng = new Rng(n);
      const a = randomSymmetric(n, rng);
      const { values, vectors } = symmetricEigen(a, n);
      let worst = 0, ortho = 0;
      for (let i = 0; i < n; i++) {
        for (let r = 0; r < n; r++) {
          let av = 0;
          for (let k = 0; k < n; k++) av += a[r * n + k]! * vectors[k * n + i]!;
          worst = Math.max(worst, Math.abs(av - values[i]! * vectors[r * n + i]!));
        }
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let k = 0; k < n; k++) dot += vectors[k * n + i]! * vectors[k * n + j]!;
          ortho = Math.max(ortho, Math.abs(dot - (i === j ? 1 : 0)));
        }
      }
      expect(worst).toBeLessThan(1e-10);
      expect(ortho).toBeLessThan(1e-10);
      // Trace is preserved.
      let tr = 0, sum = 0;
      for (let i = 0; i < n; i++) { tr += a[i * n + i]!; sum += values[i]!; }
      expect(Math.abs(tr - sum)).toBeLessThan(1e-9);
    });
  }
  it('finds the eigenvalues of a diagonal matrix with repeated entries', () => {
    const { values } = symmetricEigen([3, 0, 0, 0, 3, 0, 0, 0, -1], 3);
    expect([...values].sort((x, y) => x - y)).toEqual([-1, 3, 3]);
  });
});

describe('firstComponentProjection', () => {
  it('recovers a rank-1 pattern (channels = a·pattern + noise-free offsets), both Gram branches', () => {
    const pattern = [0, 1, 4, 9, 2, 0, 7, 3]; // S = 8
    for (const c of [3, 20]) { // C ≤ S and C > S
      const s = pattern.length;
      const data = new Float64Array(c * s);
      for (let ch = 0; ch < c; ch++) for (let p = 0; p < s; p++) data[ch * s + p] = (ch + 1) * pattern[p]! * (ch % 2 ? -1 : 1) + ch;
      const proj = firstComponentProjection(data, c, s);
      const mean = pattern.reduce((a, b) => a + b, 0) / s;
      // proj ∝ centred pattern, with a positive factor after sign correction (max |.| is the 9).
      const k = proj[3]! / (pattern[3]! - mean);
      expect(k).toBeGreaterThan(0);
      for (let p = 0; p < s; p++) expect(proj[p]!).toBeCloseTo(k * (pattern[p]! - mean), 9);
    }
  });
  it('sign correction makes the largest-magnitude value positive; without it the sign is the solver\'s', () => {
    const s = 6, c = 2;
    const pattern = [0, 0, -10, 1, 2, 1];
    const data = new Float64Array(c * s);
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < s; p++) data[ch * s + p] = pattern[p]! * (ch + 1);
    const proj = firstComponentProjection(data, c, s);
    expect(Math.abs(Math.max(...proj))).toBeGreaterThan(Math.abs(Math.min(...proj)));
    expect(proj[2]!).toBeGreaterThan(0);
    const raw = firstComponentProjection(data, c, s, { signCorrection: false });
    expect(Math.abs(raw[2]!)).toBeCloseTo(proj[2]!, 9);
  });
  it('treats NaN as 0 and gives zeros for a constant map', () => {
    const proj = firstComponentProjection([1, 1, 1, 1, NaN, 0, 0, 0], 2, 4);
    for (const v of proj) expect(v).toBeCloseTo(0, 12);
  });
});
