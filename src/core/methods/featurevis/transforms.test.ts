// Robustness transforms: the resampling operator's adjoint (⟨Sx, y⟩ = ⟨x, Sᵀy⟩), what each step does
// geometrically (integer jitter = an exact shift with the pad fill coming in, rotation by 90° = an
// exact rotation), seeding, and the gradient of the whole differentiable chain the optimizer uses —
// parameterization → random transform → normalization / layout — against finite differences (float64).
import { describe, expect, it } from 'vitest';
import { drawTransform, NO_TRANSFORM, Sampler, standardTransforms, STANDARD_ANGLES, STANDARD_SCALES, validateTransforms } from './transforms.ts';
import type { TransformStep } from './transforms.ts';
import { ImageParam } from './param.ts';
import { InputFeeder } from './feed.ts';
import { Rng } from '../random.ts';

function randomImage(n: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform());
}

describe('Sampler', () => {
  it('is the identity without transforms at the same size', () => {
    const s = new Sampler(NO_TRANSFORM, [5, 7], [5, 7]);
    expect(s.identity).toBe(true);
    const x = randomImage(2 * 35, new Rng(1)), out = new Float64Array(70);
    s.apply(x, out, 2);
    expect(Array.from(out)).toEqual(Array.from(x));
  });

  it('a jitter of integer offsets is an exact shift, with the pad fill coming in at the border', () => {
    // one jitter step of 2 px: offsets 0..2, i.e. shifts of -1, 0 or +1 pixel
    const steps: TransformStep[] = [{ kind: 'pad', pixels: 2, fill: 0.25 }, { kind: 'jitter', pixels: 2 }];
    const rng = new Rng(4);
    const x = randomImage(36, rng);
    for (let k = 0; k < 10; k++) {
      const t = drawTransform(steps, rng);
      const [dx, dy] = t.draws[1]!.value as number[];
      const s = new Sampler(t, [6, 6], [6, 6]);
      const out = new Float64Array(36);
      s.apply(x, out, 1);
      for (let y = 0; y < 6; y++) {
        for (let c = 0; c < 6; c++) {
          const sy = y + dy!, sx = c + dx!;
          const want = sx >= 0 && sx < 6 && sy >= 0 && sy < 6 ? x[sy * 6 + sx]! : 0.25;
          expect(out[y * 6 + c]).toBeCloseTo(want, 12);
        }
      }
    }
  });

  it('a 90° rotation of a square image permutes its pixels exactly', () => {
    const t = drawTransform([{ kind: 'rotate', degrees: [90] }], new Rng(0));
    const s = new Sampler(t, [4, 4], [4, 4]);
    const x = Float64Array.from({ length: 16 }, (_, i) => i);
    const out = new Float64Array(16);
    s.apply(x, out, 1);
    expect(Array.from(out).map((v) => Math.round(v * 1e9) / 1e9).sort((a, b) => a - b)).toEqual(Array.from(x));
    expect(Array.from(out)).not.toEqual(Array.from(x));
  });

  it('stretches to another output size (fit) with pixel centres aligned', () => {
    const s = new Sampler(NO_TRANSFORM, [4, 4], [8, 8]);
    expect(s.identity).toBe(false);
    const [sx, sy] = s.sourceOf(0, 0);
    expect(sx).toBeCloseTo(-0.25, 12);
    expect(sy).toBeCloseTo(-0.25, 12);
    const x = new Float64Array(16).fill(0.7), out = new Float64Array(64);
    s.apply(x, out, 1);
    // border pixels mix in the fill (0.5) for the quarter-pixel outside the image
    expect(out[9]).toBeCloseTo(0.7, 12);
    expect(out[0]).toBeLessThan(0.7);
  });

  for (const [name, src, out] of [['same size', [12, 12], [12, 12]], ['fit 10x14 → 16x12', [10, 14], [16, 12]]] as const) {
    it(`adjoint identity ⟨S x, y⟩ = ⟨x, Sᵀ y⟩ under standard transforms (${name})`, () => {
      const rng = new Rng(11);
      for (let k = 0; k < 20; k++) {
        const t = drawTransform(standardTransforms(12), rng);
        const s = new Sampler(t, src, out);
        const C = 3, n = C * src[0] * src[1], m = C * out[0] * out[1];
        const x = randomImage(n, rng), y = randomImage(m, rng);
        // S is affine (fill); test its linear part: S(x) - S(0)
        const sx = new Float64Array(m), s0 = new Float64Array(m);
        s.apply(x, sx, C);
        s.apply(new Float64Array(n), s0, C);
        const sty = new Float64Array(n);
        s.adjoint(y, sty, C);
        let lhs = 0, rhs = 0;
        for (let i = 0; i < m; i++) lhs += (sx[i]! - s0[i]!) * y[i]!;
        for (let i = 0; i < n; i++) rhs += x[i]! * sty[i]!;
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10 * Math.abs(lhs));
      }
    });
  }
});

describe('transform draws', () => {
  it("follows Lucid's standard_transforms at 128 px and above, scaled down for small images", () => {
    const s = standardTransforms(224);
    expect(s.map((t) => t.kind)).toEqual(['pad', 'jitter', 'scale', 'rotate', 'jitter']);
    expect(s[0]).toEqual({ kind: 'pad', pixels: 12, fill: 0.5 });
    expect(s[1]).toEqual({ kind: 'jitter', pixels: 8 });
    expect(s[4]).toEqual({ kind: 'jitter', pixels: 4 });
    expect(STANDARD_SCALES[0]).toBeCloseTo(0.9, 12);
    expect(STANDARD_SCALES[10]).toBeCloseTo(1.1, 12);
    expect(STANDARD_ANGLES.length).toBe(26);
    expect(STANDARD_ANGLES.filter((a) => a === 0).length).toBe(6);
    const small = standardTransforms(28);
    expect(small.filter((t) => t.kind === 'jitter').map((t) => (t as { pixels: number }).pixels)).toEqual([2, 1]);
  });

  it('is reproducible from a seed and covers the lists', () => {
    const a = new Rng(3), b = new Rng(3);
    const scales = new Set<number>(), angles = new Set<number>();
    for (let k = 0; k < 400; k++) {
      const ta = drawTransform(standardTransforms(224), a), tb = drawTransform(standardTransforms(224), b);
      expect(ta).toEqual(tb);
      scales.add(ta.draws[2]!.value as number);
      angles.add(ta.draws[3]!.value as number);
    }
    expect(scales.size).toBe(11);
    expect(angles.size).toBe(21);
  });

  it('rejects malformed steps', () => {
    expect(() => validateTransforms([{ kind: 'jitter', pixels: -1 }])).toThrow(/transform 0 \(jitter\)/);
    expect(() => validateTransforms([{ kind: 'scale', factors: [] }])).toThrow(/factors/);
    expect(() => validateTransforms([{ kind: 'spin' } as never])).toThrow(/unknown kind/);
  });
});

describe('fused resampling + normalization (the NCHW fast path)', () => {
  for (const [C, transformed] of [[3, true], [1, true], [3, false], [20, true]] as const) {
    it(`${C} channel(s), ${transformed ? 'random transform' : 'identity'}: apply with shift/scale = resample then normalize; adjoint with scale = scaled adjoint`, () => {
      const rng = new Rng(C + (transformed ? 100 : 0));
      const S: [number, number] = [9, 11], O: [number, number] = transformed ? [8, 10] : S;
      const s = new Sampler(transformed ? drawTransform(standardTransforms(12), rng) : NO_TRANSFORM, S, O);
      const x = randomImage(2 * C * 99, rng);
      const mean = Array.from({ length: C }, () => rng.uniform()), inv = Array.from({ length: C }, () => 1 + rng.uniform());
      const op = O[0] * O[1];
      // reference: plain resampling of image 1 into a float64 plane, then the affine per channel
      const plain = new Float64Array(C * op);
      s.apply(x, plain, C, C * 99, 0);
      const ref = plain.map((v, i) => (v - mean[Math.floor(i / op)]!) * inv[Math.floor(i / op)]!);
      const f32 = new Float32Array(5 + C * op), f64 = new Float64Array(5 + C * op);
      s.apply(x, f32, C, C * 99, 5, mean, inv);
      s.apply(x, f64, C, C * 99, 5, mean, inv);
      for (let i = 0; i < C * op; i++) {
        expect(f64[5 + i]).toBeCloseTo(ref[i]!, 12);
        expect(f32[5 + i]).toBe(Math.fround(f64[5 + i]!));
      }
      const g = Float32Array.from({ length: C * op }, () => rng.normal());
      const a = new Float64Array(2 * C * 99), b = new Float64Array(2 * C * 99);
      s.adjoint(g, a, C, 0, C * 99, inv);
      s.adjoint(Float64Array.from(g, (v, i) => v * inv[Math.floor(i / op)]!), b, C, 0, C * 99);
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 12);
      expect(Math.max(...Array.from(a, Math.abs))).toBeGreaterThan(0);
    });
  }
});

describe('gradient of parameterization + transforms + normalization vs finite differences (float64)', () => {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    for (const [param, C] of [['fft', 3], ['pixel', 3], ['fft', 1]] as const) {
      it(`${param}, ${C} channel(s), ${layout}, standard transforms, fit 14x14 → 12x12`, () => {
        const rng = new Rng(C * 10 + (layout === 'NHWC' ? 1 : 0) + (param === 'fft' ? 5 : 0));
        const N = 2, S: [number, number] = [14, 14], O: [number, number] = [12, 12];
        const p = new ImageParam({ batch: N, channels: C, height: S[0], width: S[1], param });
        for (let i = 0; i < N; i++) p.init(i, rng);
        for (let i = 0; i < p.params.length; i++) p.params[i]! *= 40;
        const norm = C === 3 ? { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } : { mean: [0.1307], std: [0.3081] };
        const shape = layout === 'NCHW' ? [N, C, O[0], O[1]] : [N, O[0], O[1], C];
        const feeder = new InputFeeder(shape, layout, norm, 'float64');
        const samplers = [0, 1].map(() => new Sampler(drawTransform(standardTransforms(14), rng), S, O));
        const r = Float64Array.from({ length: N * C * O[0] * O[1] }, () => rng.normal());
        // a nonlinear functional of the model input, L = Σ r·x + ½Σ x² (its gradient r + x depends on x)
        const loss = (): number => {
          const x = feeder.feed(p.forward(), samplers, C).data as Float64Array;
          let s = 0;
          for (let i = 0; i < x.length; i++) s += r[i]! * x[i]! + 0.5 * x[i]! * x[i]!;
          return s;
        };
        loss();
        const x = feeder.feed(p.forward(), samplers, C);
        const gx = { dtype: 'float64' as const, dims: x.dims, data: Float64Array.from(x.data as Float64Array, (v, i) => r[i]! + v) };
        const gImg = new Float64Array(N * C * S[0] * S[1]);
        feeder.backward(gx, samplers, C, gImg);
        const g = new Float64Array(p.params.length);
        p.backward(gImg, g);
        // probe 15 random coordinates and the 15 with the largest gradient; errors relative to the gradient's scale
        const scale = Math.max(...Array.from(g, Math.abs));
        const top = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!)).slice(0, 15);
        const probes = [...top, ...Array.from({ length: 15 }, () => rng.int(p.params.length))];
        let worst = 0;
        const h = 1e-6;
        for (const i of probes) {
          const v = p.params[i]!;
          p.params[i] = v + h; const lp = loss();
          p.params[i] = v - h; const lm = loss();
          p.params[i] = v;
          const fd = (lp - lm) / (2 * h);
          worst = Math.max(worst, Math.abs(fd - g[i]!) / scale);
        }
        expect(scale).toBeGreaterThan(0);
        expect(worst).toBeLessThan(1e-6);
      });
    }
  }
});
