import { describe, expect, it } from 'vitest';
import { gaussLegendre, quadrature } from './approximation.ts';

describe('quadrature rules (Captum approximation_methods)', () => {
  it('Riemann rules: points and weights for n = 3', () => {
    const close = (a: Float64Array, b: number[]) => b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, 14));
    const left = quadrature('riemann_left', 3), right = quadrature('riemann_right', 3), mid = quadrature('riemann_middle', 3), trap = quadrature('riemann_trapezoid', 3);
    close(left.alphas, [0, 1 / 3, 2 / 3]);
    close(right.alphas, [1 / 3, 2 / 3, 1]);
    close(mid.alphas, [1 / 6, 1 / 2, 5 / 6]);
    close(trap.alphas, [0, 0.5, 1]);
    close(left.weights, [1 / 3, 1 / 3, 1 / 3]);
    // Captum's trapezoid: step 1/n with halved ends, so the weights sum to (n-1)/n
    close(trap.weights, [1 / 6, 1 / 3, 1 / 6]);
    expect(quadrature('riemann_trapezoid', 64).weights.reduce((a, b) => a + b, 0)).toBeCloseTo(63 / 64, 14);
    expect(trap.alphas[2]).toBe(1);
  });

  it('Gauss-Legendre matches numpy leggauss mapped to [0, 1]', () => {
    const q7 = quadrature('gausslegendre', 7);
    [0.02544604, 0.12923441, 0.29707742, 0.5, 0.70292258, 0.87076559, 0.97455396].forEach((v, i) => expect(q7.alphas[i]).toBeCloseTo(v, 8));
    [0.06474248, 0.1398527, 0.19091503, 0.20897959, 0.19091503, 0.1398527, 0.06474248].forEach((v, i) => expect(q7.weights[i]).toBeCloseTo(v, 8));
    const q50 = quadrature('gausslegendre', 50);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    expect(rel(q50.alphas[0]!, 0.0005667977899644905)).toBeLessThan(1e-11);
    expect(rel(q50.weights[0]!, 0.0014543112765789342)).toBeLessThan(1e-11);
    expect(rel(q50.alphas[24]!, 0.48445083083640555)).toBeLessThan(1e-13);
    expect(rel(q50.weights[24]!, 0.0310883083276735)).toBeLessThan(1e-12);
    const g1 = gaussLegendre(1);
    expect([g1.nodes[0], g1.weights[0]]).toEqual([0, 2]);
  });

  it('Gauss-Legendre with n points integrates polynomials of degree ≤ 2n − 1 exactly, and not degree 2n', () => {
    for (const n of [2, 5, 16, 64]) {
      const { alphas, weights } = quadrature('gausslegendre', n);
      for (const k of [0, 1, 2 * n - 1]) {
        const s = alphas.reduce((acc, a, i) => acc + weights[i]! * a ** k, 0);
        expect(Math.abs(s - 1 / (k + 1)), `n=${n} k=${k}`).toBeLessThan(1e-13);
      }
      const s2n = alphas.reduce((acc, a, i) => acc + weights[i]! * a ** (2 * n), 0);
      if (n <= 5) expect(Math.abs(s2n - 1 / (2 * n + 1))).toBeGreaterThan(1e-8);
    }
  });

  it('rejects what Captum asserts against', () => {
    expect(() => quadrature('riemann_middle', 1)).toThrow(/steps ≥ 2/);
    expect(() => quadrature('gausslegendre', 0)).toThrow(/steps ≥ 1/);
    expect(() => quadrature('simpson' as never, 8)).toThrow(/unknown integral approximation method/);
  });
});
