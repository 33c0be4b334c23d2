/**
 * Quadrature rules for path integrals over α ∈ [0, 1] (Integrated Gradients), matching Captum's
 * `approximation_methods.py`: for n steps each rule gives points α_k and weights w_k with
 * ∫₀¹ f(α) dα ≈ Σ_k w_k f(α_k).
 *
 * - `riemann_left` / `riemann_right` / `riemann_middle`: w_k = 1/n at α_k = k/n, (k+1)/n, (k+½)/n;
 * - `riemann_trapezoid`: α_k = k/(n−1) (numpy `linspace(0, 1, n)`), w_k = 1/n with the two end weights
 *   halved — Captum's convention (the weights sum to (n−1)/n, not 1; kept for parity);
 * - `gausslegendre`: Gauss–Legendre nodes x_k and weights v_k on [−1, 1] (numpy `leggauss`), mapped to
 *   α_k = (1 + x_k)/2, w_k = v_k/2 — exact for polynomials of degree ≤ 2n − 1.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';

export const APPROXIMATION_METHODS = ['riemann_left', 'riemann_right', 'riemann_middle', 'riemann_trapezoid', 'gausslegendre'] as const;
export type ApproximationMethod = (typeof APPROXIMATION_METHODS)[number];

/** Points and weights of a rule. */
export interface Quadrature {
  alphas: Float64Array;
  weights: Float64Array;
}

/** numpy `linspace(start, stop, n)` (endpoint included, last value exactly `stop`). */
function linspace(start: number, stop: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) { out[0] = start; return out; }
  const step = (stop - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  out[n - 1] = stop;
  return out;
}

/**
 * Gauss–Legendre nodes (ascending) and weights on [−1, 1]: Newton's method on P_n from the Chebyshev-like
 * initial guesses cos(π(i − ¼)/(n + ½)), weights 2 / ((1 − x²) P'_n(x)²).
 */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n), weights = new Float64Array(n);
  /** [P_n(x), P'_n(x)] by the three-term recurrence. */
  const legendre = (x: number): [number, number] => {
    let p0 = 1, p1 = x;
    for (let k = 2; k <= n; k++) { const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k; p0 = p1; p1 = p2; }
    return [p1, (n * (x * p1 - p0)) / (x * x - 1)];
  };
  for (let i = 0; i < Math.floor((n + 1) / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    for (let it = 0; it < 100; it++) {
      const [p, dp] = legendre(x);
      const dx = p / dp;
      x -= dx;
      if (Math.abs(dx) <= 1e-16) break;
    }
    const dp = legendre(x)[1];
    const w = 2 / ((1 - x * x) * dp * dp);
    nodes[i] = -x; nodes[n - 1 - i] = x;
    weights[i] = w; weights[n - 1 - i] = w;
  }
  if (n % 2 === 1) nodes[(n - 1) / 2] = 0;
  return { nodes, weights };
}

/**
 * The rule's points and weights for `n` steps.
 *
 * @example
 * quadrature('riemann_trapezoid', 3); // alphas [0, 0.5, 1], weights [1/6, 1/3, 1/6]
 * @throws ConvlensError(BAD_USAGE) for an unknown method, n < 2 for the Riemann rules (Captum's
 *   assertion) or n < 1 for Gauss–Legendre
 */
export function quadrature(method: ApproximationMethod, n: number): Quadrature {
  if (!(APPROXIMATION_METHODS as readonly string[]).includes(method)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown integral approximation method "${method}"`, { hint: `use one of ${APPROXIMATION_METHODS.join(', ')}` });
  }
  const min = method === 'gausslegendre' ? 1 : 2;
  if (!Number.isInteger(n) || n < min) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `${method} needs an integer number of steps ≥ ${min}, got ${n}`);
  }
  if (method === 'gausslegendre') {
    const { nodes, weights } = gaussLegendre(n);
    return { alphas: nodes.map((x) => 0.5 * (1 + x)), weights: weights.map((w) => 0.5 * w) };
  }
  const weights = new Float64Array(n).fill(1 / n);
  if (method === 'riemann_trapezoid') { weights[0] = weights[0]! / 2; weights[n - 1] = weights[n - 1]! / 2; }
  const alphas = method === 'riemann_trapezoid' ? linspace(0, 1, n)
    : method === 'riemann_left' ? linspace(0, 1 - 1 / n, n)
      : method === 'riemann_middle' ? linspace(1 / (2 * n), 1 - 1 / (2 * n), n)
        : linspace(1 / n, 1, n);
  return { alphas, weights };
}
