import { describe, expect, it } from 'vitest';
import { cholesky, choleskySolve, weightedRidge } from './linear-model.ts';
import { testValues } from './test-models.ts';

describe('cholesky', () => {
  it('factors and solves an SPD system', () => {
    // A = [[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]], x = [1, -2, 0.5] → b = A x.
    const A = Float64Array.from([4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]);
    const b = Float64Array.from([4 - 4 + 0.2, 2 - 10 + 0.5, 0.4 - 2 + 1.5]);
    const L = A.slice();
    expect(cholesky(L, 3)).toBe(true);
    choleskySolve(L, 3, b);
    expect([...b].map((v) => +v.toFixed(12))).toEqual([1, -2, 0.5]);
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBe(false); // indefinite
  });
});

describe('weightedRidge', () => {
  it('recovers exact coefficients and intercept of noise-free data with alpha 0 (R² = 1)', () => {
    const n = 40, m = 3;
    const X = Float64Array.from(testValues(n * m, 1));
    const w = Float64Array.from(testValues(n, 2), (v) => v + 1.5);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = 0.7 + 2 * X[i * m]! - 1 * X[i * m + 1]! + 0.25 * X[i * m + 2]!;
    const fit = weightedRidge(X, y, w, n, m, { alpha: 0 });
    expect(fit.coef[0]).toBeCloseTo(2, 10);
    expect(fit.coef[1]).toBeCloseTo(-1, 10);
    expect(fit.coef[2]).toBeCloseTo(0.25, 10);
    expect(fit.intercept).toBeCloseTo(0.7, 10);
    expect(fit.r2).toBeCloseTo(1, 12);
  });

  it('matches the one-feature closed form β = Σw(x−x̄)(y−ȳ) / (Σw(x−x̄)² + α) and the weighted R²', () => {
    const x = [0, 1, 2, 3], y = [1, 2, 2, 5], w = [1, 2, 1, 0.5], alpha = 1;
    const sw = 4.5;
    const xm = (0 + 2 + 2 + 1.5) / sw, ym = (1 + 4 + 2 + 2.5) / sw;
    let sxy = 0, sxx = 0;
    for (let i = 0; i < 4; i++) { sxy += w[i]! * (x[i]! - xm) * (y[i]! - ym); sxx += w[i]! * (x[i]! - xm) ** 2; }
    const beta = sxy / (sxx + alpha);
    const b0 = ym - xm * beta;
    let res = 0, tot = 0;
    for (let i = 0; i < 4; i++) { res += w[i]! * (y[i]! - b0 - beta * x[i]!) ** 2; tot += w[i]! * (y[i]! - ym) ** 2; }
    const fit = weightedRidge(x, y, w, 4, 1, { alpha });
    expect(fit.coef[0]).toBeCloseTo(beta, 12);
    expect(fit.intercept).toBeCloseTo(b0, 12);
    expect(fit.r2).toBeCloseTo(1 - res / tot, 12);
    // Zero-weight samples do not count.
    const fit2 = weightedRidge([...x, 100], [...y, -100], [...w, 0], 5, 1, { alpha });
    expect(fit2.coef[0]).toBeCloseTo(beta, 12);
  });

  it('without an intercept fits through the origin; a constant feature is handled by jitter', () => {
    const fit = weightedRidge([1, 2, 3], [2, 4, 6.5], [1, 1, 1], 3, 1, { alpha: 0, fitIntercept: false });
    expect(fit.coef[0]).toBeCloseTo((2 + 8 + 19.5) / 14, 12);
    expect(fit.intercept).toBe(0);
    const constant = weightedRidge([1, 0, 1, 1, 1, 0], [3, 1, 3], [1, 1, 1], 3, 2, { alpha: 0 });
    expect(constant.jitter).toBeGreaterThan(0);
    expect(constant.coef[1]).toBeCloseTo(-2, 6);
    expect(constant.coef[0]).toBeCloseTo(0, 6);
  });

  it('rejects negative weights', () => {
    expect(() => weightedRidge([1, 2], [1, 2], [1, -1], 2, 1)).toThrow(/weights must be ≥ 0/);
  });
});
