/**
 * The linear algebra behind Eigen-CAM and `eigenSmooth`: the projection of a layer's (weighted)
 * activations on their first principal component, as pytorch-grad-cam's `get_2d_projection` computes
 * it — positions as rows, channels as columns, each column centred, projection = X · v₁ with v₁ the
 * first right singular vector of X — plus the sign correction pytorch-grad-cam ships in
 * `get_2d_projection_with_sign_correction` (Seg-Eigen-CAM, Chung & Ying 2025, Eq. 13: flip the map
 * when |min| > |max|). Without it the sign is whatever the LAPACK build returns (pytorch-grad-cam
 * issue #315: MKL and OpenBLAS give opposite maps for the same model).
 *
 * v₁ is the top eigenvector of the smaller Gram matrix (XᵀX when channels ≤ positions, else XXᵀ),
 * found with a symmetric eigensolver (Householder tridiagonalisation + implicit QL, the EISPACK
 * tred2/tql2 pair as in the public-domain JAMA library), in float64.
 */

/**
 * Eigen-decomposition of a symmetric `n × n` matrix (row-major, only read). Returns the eigenvalues
 * (unsorted) and the eigenvectors as the columns of `vectors` (row-major `n × n`: `vectors[k*n + i]`
 * is component k of eigenvector i).
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const V = Float64Array.from(a);
  const d = new Float64Array(n), e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: V };
  if (n === 1) { d[0] = V[0]!; V[0] = 1; return { values: d, vectors: V }; }
  tred2(V, d, e, n);
  tql2(V, d, e, n);
  return { values: d, vectors: V };
}

/** Householder reduction to tridiagonal form; V becomes the accumulated transformation. */
function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) { d[j] = V[(i - 1) * n + j]!; V[i * n + j] = 0; V[j * n + i] = 0; }
    } else {
      for (let k = 0; k < i; k++) { d[k]! /= scale; h += d[k]! * d[k]!; }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[j * n + i] = f;
        g = e[j]! + V[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j]! * d[k]!;
          e[k]! += V[k * n + j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j]! /= h; f += e[j]! * d[j]!; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!; g = e[j]!;
        for (let k = j; k <= i - 1; k++) V[k * n + j]! -= f * e[k]! + g * d[k]!;
        d[j] = V[(i - 1) * n + j]!;
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i]!;
    V[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1]! * V[k * n + j]!;
        for (let k = 0; k <= i; k++) V[k * n + j]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) { d[j] = V[(n - 1) * n + j]!; V[(n - 1) * n + j] = 0; }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL iterations on the tridiagonal matrix (d, e), accumulating into V. */
function tql2(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m === n) m = n - 1;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 100) break; // does not happen for finite input; guards against NaN
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1, c2 = c, c3 = c;
        const el1 = e[l + 1]!;
        let s = 0, s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2; c2 = c; s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          for (let k = 0; k < n; k++) {
            const hk = V[k * n + i + 1]!;
            V[k * n + i + 1] = s * V[k * n + i]! + c * hk;
            V[k * n + i] = c * V[k * n + i]! - s * hk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/** Options for {@link firstComponentProjection}. */
export interface ProjectionOptions {
  /**
   * Flip the projection when |min| > |max| so the dominant response is positive (pytorch-grad-cam's
   * `get_2d_projection_with_sign_correction`). Default true: without it the sign is arbitrary.
   */
  signCorrection?: boolean;
}

/**
 * Projection of one image's activations on their first principal component.
 *
 * @param data channel-major `[C, S]` values (channel c, position s at `c * S + s`); NaN counts as 0
 * @returns `S` values: X·v₁ with X the `[S, C]` matrix of positions × channels, columns centred
 * @example
 * const map = firstComponentProjection(acts.subarray(0, C * S), C, S); // Eigen-CAM, before ReLU
 */
export function firstComponentProjection(data: ArrayLike<number>, c: number, s: number, opts: ProjectionOptions = {}): Float64Array {
  // X[p, ch], centred per channel.
  const X = new Float64Array(s * c);
  for (let ch = 0; ch < c; ch++) {
    let mean = 0;
    for (let p = 0; p < s; p++) {
      const v = Number(data[ch * s + p]);
      const x = Number.isNaN(v) ? 0 : v;
      X[p * c + ch] = x;
      mean += x;
    }
    mean /= s;
    for (let p = 0; p < s; p++) X[p * c + ch]! -= mean;
  }
  const v = new Float64Array(c); // first right singular vector
  if (c <= s) {
    const G = new Float64Array(c * c); // XᵀX
    for (let p = 0; p < s; p++) {
      const row = p * c;
      for (let i = 0; i < c; i++) {
        const xi = X[row + i]!;
        if (xi === 0) continue;
        for (let j = i; j < c; j++) G[i * c + j]! += xi * X[row + j]!;
      }
    }
    for (let i = 0; i < c; i++) for (let j = 0; j < i; j++) G[i * c + j] = G[j * c + i]!;
    const { values, vectors } = symmetricEigen(G, c);
    const top = argmax(values);
    for (let i = 0; i < c; i++) v[i] = vectors[i * c + top]!;
  } else {
    const G = new Float64Array(s * s); // XXᵀ
    for (let i = 0; i < s; i++) {
      for (let j = i; j < s; j++) {
        let acc = 0;
        for (let k = 0; k < c; k++) acc += X[i * c + k]! * X[j * c + k]!;
        G[i * s + j] = acc;
        G[j * s + i] = acc;
      }
    }
    const { values, vectors } = symmetricEigen(G, s);
    const top = argmax(values);
    // v₁ = Xᵀu₁ / ‖Xᵀu₁‖
    let norm = 0;
    for (let k = 0; k < c; k++) {
      let acc = 0;
      for (let p = 0; p < s; p++) acc += X[p * c + k]! * vectors[p * s + top]!;
      v[k] = acc;
      norm += acc * acc;
    }
    norm = Math.sqrt(norm);
    for (let k = 0; k < c; k++) v[k] = norm > 0 ? v[k]! / norm : 0;
  }
  const out = new Float64Array(s);
  let mn = Infinity, mx = -Infinity;
  for (let p = 0; p < s; p++) {
    let acc = 0;
    for (let k = 0; k < c; k++) acc += X[p * c + k]! * v[k]!;
    out[p] = acc;
    if (acc < mn) mn = acc;
    if (acc > mx) mx = acc;
  }
  if ((opts.signCorrection ?? true) && Math.abs(mn) > Math.abs(mx)) for (let p = 0; p < s; p++) out[p] = -out[p]!;
  return out;
}

function argmax(a: Float64Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}
