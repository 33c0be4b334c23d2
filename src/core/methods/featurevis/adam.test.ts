// Adam for gradient ascent: the first steps against Algorithm 1 of Kingma & Ba computed by hand, and
// convergence to the maximum of a concave quadratic.
import { describe, expect, it } from 'vitest';
import { Adam } from './adam.ts';

describe('Adam (ascent)', () => {
  it('first step moves every parameter by lr in the direction of its gradient (bias correction)', () => {
    const p = Float64Array.from([0, 1, -2]);
    new Adam(3, { lr: 0.05 }).ascend(p, [3, -0.001, 1e3]);
    // m̂ = g, v̂ = g²  →  step = lr·g/(|g| + ε) ≈ lr·sign(g)
    expect(p[0]).toBeCloseTo(0.05, 6);
    expect(p[1]).toBeCloseTo(1 - 0.05, 4);
    expect(p[2]).toBeCloseTo(-2 + 0.05, 6);
  });

  it('second step follows the moment recursions', () => {
    const p = Float64Array.from([0]);
    const opt = new Adam(1, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    opt.ascend(p, [2]);
    opt.ascend(p, [-1]);
    const m = 0.9 * (0.1 * 2) + 0.1 * -1, v = 0.999 * (0.001 * 4) + 0.001 * 1;
    const mh = m / (1 - 0.9 ** 2), vh = v / (1 - 0.999 ** 2);
    const first = (0.1 * 2) / (2 + 1e-8);
    expect(p[0]).toBeCloseTo(first + (0.1 * mh) / (Math.sqrt(vh) + 1e-8), 14);
    expect(opt.steps).toBe(2);
  });

  it('climbs to the maximum of −Σ (x − t)²', () => {
    const t = [3, -1, 0.5];
    const x = new Float64Array(3);
    const opt = new Adam(3, { lr: 0.05 });
    for (let i = 0; i < 2000; i++) opt.ascend(x, t.map((ti, j) => -2 * (x[j]! - ti)));
    t.forEach((ti, j) => expect(x[j]).toBeCloseTo(ti, 2));
  });

  it('rejects a bad learning rate', () => {
    expect(() => new Adam(1, { lr: 0 })).toThrow(/learning rate must be a positive number/);
  });
});
