/**
 * Seeded random numbers for gradient checks (mulberry32 + Box–Muller), and input preparers that keep
 * values away from kinks and ties (RELIABILITY.md: ≥ 10·h from ReLU/Max/Clip kinks and MaxPool ties).
 */

/** A seeded generator of uniform [0,1) and N(0,1) numbers. */
export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  uniform(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    const u = Math.max(this.uniform(), 1e-300);
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  normals(n: number): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = this.normal();
    return a;
  }
  /** A random permutation of 0..n-1. */
  perm(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  }
}

/** Preparer: values whose pairwise gaps are ≥ 2/n (a shuffled grid over [-1, 1] plus small jitter): no ties for Max/MaxPool. */
export function distinctValues(data: Float64Array, rng: Rng): void {
  const n = data.length;
  const p = rng.perm(n);
  const step = n > 1 ? 2 / (n - 1) : 0;
  for (let i = 0; i < n; i++) data[i] = (-1 + p[i]! * step + (rng.uniform() - 0.5) * step * 0.2) * 1.5;
}

/** Preparer factory: pushes every value at least `gap` away from each kink point. */
export function awayFrom(kinks: number[], gap = 0.05): (data: Float64Array) => void {
  return (data) => {
    for (let i = 0; i < data.length; i++) {
      for (const k of kinks) {
        const d = data[i]! - k;
        if (Math.abs(d) < gap) data[i] = k + (d < 0 ? -gap : gap) * (1 + Math.abs(d) / gap);
      }
    }
  };
}

/** Preparer: strictly positive values (for Log, Sqrt, variance-like inputs), |N(0,1)| + 0.5. */
export function positive(data: Float64Array): void {
  for (let i = 0; i < data.length; i++) data[i] = Math.abs(data[i]!) + 0.5;
}
