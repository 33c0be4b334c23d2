/**
 * Weighted linear regression for the surrogate-model methods (LIME's ridge, KernelSHAP's constrained
 * least squares), solved exactly through the normal equations and a Cholesky factorisation:
 *
 *   minimise Σᵢ wᵢ (yᵢ − b − xᵢ·β)² + α‖β‖²
 *
 * which is scikit-learn's `Ridge(alpha, fit_intercept=True).fit(X, y, sample_weight=w)`: X and y are
 * centred on their weighted means, β solves (X̃ᵀ W X̃ + α I) β = X̃ᵀ W ỹ, and b = ȳ − x̄·β. The weighted
 * R² is scikit-learn's `score(X, y, sample_weight=w)`: 1 − Σw(y − ŷ)² / Σw(y − ȳ)².
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';

/** A fitted linear model. */
export interface LinearFit {
  coef: Float64Array;
  intercept: number;
  /** Weighted coefficient of determination on the training samples (1 when y is constant and fitted exactly). */
  r2: number;
  /** Diagonal jitter added to make the system positive definite (0 when none was needed). */
  jitter: number;
}

/** Options for {@link weightedRidge}. */
export interface RidgeOptions {
  /** L2 penalty α (not applied to the intercept). Default 1 (scikit-learn's and LIME's). */
  alpha?: number;
  /** Fit an intercept. Default true. */
  fitIntercept?: boolean;
}

/**
 * In-place Cholesky factorisation of a symmetric positive-definite n×n matrix (row-major, lower
 * triangle used). Returns false when a pivot is not positive.
 */
export function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! * a[j * n + k]!;
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / l;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b in place (b becomes x) with the factor from {@link cholesky}. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
}

/**
 * Solves the SPD system A x = b (A is n×n row-major and is not modified). When A is only
 * semi-definite (a feature that never varies), a diagonal jitter ε·(trace/n) with ε = 1e-10, 1e-8, ...
 * is added until the factorisation succeeds; the jitter used is returned.
 */
export function solveSpd(A: Float64Array, n: number, b: Float64Array): { x: Float64Array; jitter: number } {
  const tr = Array.from({ length: n }, (_, i) => A[i * n + i]!).reduce((s, v) => s + Math.abs(v), 0) / Math.max(1, n) || 1;
  for (let e = 0, jitter = 0; e < 7; e++, jitter = tr * 10 ** (2 * e - 12)) {
    const L = A.slice();
    for (let i = 0; i < n; i++) L[i * n + i]! += jitter;
    if (cholesky(L, n)) {
      const x = b.slice();
      choleskySolve(L, n, x);
      return { x, jitter };
    }
  }
  throw new ConvlensError(ErrorCodes.NON_FINITE, `linear regression: the ${n}×${n} normal equations are singular or not finite`, { hint: 'check the model scores for NaN/Inf' });
}

/**
 * Weighted ridge regression (scikit-learn `Ridge` semantics, see the module header).
 *
 * @param X n×m design matrix, row-major
 * @param y n targets
 * @param w n non-negative sample weights
 * @example
 * const fit = weightedRidge(X, y, w, n, m, { alpha: 1 });
 * fit.coef; fit.intercept; fit.r2;
 */
export function weightedRidge(X: ArrayLike<number>, y: ArrayLike<number>, w: ArrayLike<number>, n: number, m: number, opts: RidgeOptions = {}): LinearFit {
  const alpha = opts.alpha ?? 1;
  const fitIntercept = opts.fitIntercept ?? true;
  if (!(alpha >= 0)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `ridge alpha must be ≥ 0, got ${alpha}`);
  if (X.length !== n * m || y.length !== n || w.length !== n) throw new ConvlensError(ErrorCodes.BAD_USAGE, `weightedRidge: X has ${X.length} values, y ${y.length}, w ${w.length}; expected ${n}×${m}, ${n}, ${n}`);
  let sw = 0;
  for (let i = 0; i < n; i++) {
    if (!(w[i]! >= 0)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `weightedRidge: sample weight ${i} is ${w[i]}; weights must be ≥ 0`);
    sw += w[i]!;
  }
  if (!(sw > 0)) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'weightedRidge: all sample weights are 0');
  const xm = new Float64Array(m);
  let ym = 0;
  if (fitIntercept) {
    for (let i = 0; i < n; i++) {
      const wi = w[i]!;
      ym += wi * y[i]!;
      for (let j = 0; j < m; j++) xm[j]! += wi * X[i * m + j]!;
    }
    ym /= sw;
    for (let j = 0; j < m; j++) xm[j]! /= sw;
  }
  // Normal equations on centred data: A = X̃ᵀWX̃ + αI, b = X̃ᵀWỹ (lower triangle, then mirrored).
  const A = new Float64Array(m * m), b = new Float64Array(m);
  const row = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    if (wi === 0) continue;
    for (let j = 0; j < m; j++) row[j] = X[i * m + j]! - xm[j]!;
    const yi = (y[i]! - ym) * wi;
    for (let j = 0; j < m; j++) {
      const rj = row[j]! * wi;
      if (rj === 0) continue;
      b[j]! += row[j]! * yi;
      const o = j * m;
      for (let k = 0; k <= j; k++) A[o + k]! += rj * row[k]!;
    }
  }
  for (let j = 0; j < m; j++) {
    A[j * m + j]! += alpha;
    for (let k = 0; k < j; k++) A[k * m + j] = A[j * m + k]!;
  }
  const { x: coef, jitter } = solveSpd(A, m, b);
  let intercept = 0;
  if (fitIntercept) {
    intercept = ym;
    for (let j = 0; j < m; j++) intercept -= xm[j]! * coef[j]!;
  }
  return { coef, intercept, r2: weightedR2(X, y, w, n, m, coef, intercept), jitter };
}

/** Weighted R² of a linear model on (X, y, w) — scikit-learn's `r2_score(..., sample_weight=w)`. */
export function weightedR2(X: ArrayLike<number>, y: ArrayLike<number>, w: ArrayLike<number>, n: number, m: number, coef: ArrayLike<number>, intercept: number): number {
  let sw = 0, ym = 0;
  for (let i = 0; i < n; i++) { sw += w[i]!; ym += w[i]! * y[i]!; }
  ym /= sw;
  let ssRes = 0, ssTot = 0;
  for (let i = 0; i < n; i++) {
    let pred = intercept;
    for (let j = 0; j < m; j++) pred += X[i * m + j]! * coef[j]!;
    ssRes += w[i]! * (y[i]! - pred) ** 2;
    ssTot += w[i]! * (y[i]! - ym) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}
