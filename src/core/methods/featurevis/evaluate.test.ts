// Objective terms on synthetic activations and images: values from their definitions, gradients
// against central finite differences (float64), diversity within groups only, and activation layouts.
import { describe, expect, it } from 'vitest';
import { actLayout, BatchObjective } from './evaluate.ts';
import type { ActLayout, ResolvedObjective, ResolvedTerm } from './evaluate.ts';
import type { TermSpec } from './objectives.ts';
import { Rng } from '../random.ts';

function obj(...terms: ResolvedTerm[]): ResolvedObjective {
  return { objective: { terms: terms.map((t) => ({ weight: t.weight, term: t.spec })) }, text: 'test', terms };
}

function term(spec: TermSpec, weight: number, layout?: ActLayout, extra: Partial<ResolvedTerm> = {}): ResolvedTerm {
  const linear = !['layer', 'prob', 'diversity'].includes(spec.kind);
  return { weight, spec, ...(layout ? { tensor: 'a', layout } : {}), linear, ...extra };
}

/** Σ_i total_i and its gradient w.r.t. the activation tensor 'a', checked by central differences. */
function checkActGrad(bo: BatchObjective, a: Float64Array, rng: Rng, probes = 40): number {
  const g = new Float64Array(a.length);
  bo.evaluate({ a }, { a: g });
  const f = (): number => bo.evaluate({ a }).total.reduce((s, v) => s + v, 0);
  let worst = 0;
  const scale = Math.max(1e-12, ...Array.from(g, Math.abs));
  for (let k = 0; k < probes; k++) {
    const i = rng.int(a.length);
    const v = a[i]!;
    a[i] = v + 1e-6; const fp = f();
    a[i] = v - 1e-6; const fm = f();
    a[i] = v;
    worst = Math.max(worst, Math.abs((fp - fm) / 2e-6 - g[i]!) / scale);
  }
  return worst;
}

describe('actLayout', () => {
  it('NCHW, NHWC, [N, C] and token layouts', () => {
    expect(actLayout([1, 8, 4, 5], false)).toMatchObject({ channels: 8, positions: 20, spatial: [4, 5], cStride: 20, pStride: 1, size: 160 });
    expect(actLayout([1, 4, 5, 8], true)).toMatchObject({ channels: 8, positions: 20, spatial: [4, 5], cStride: 1, pStride: 8 });
    expect(actLayout([1, 10], false)).toMatchObject({ channels: 10, positions: 1, spatial: [] });
    expect(actLayout([1, 197, 768], false)).toMatchObject({ channels: 768, positions: 197, cStride: 1, pStride: 768 });
  });
});

describe('activation terms', () => {
  const L = actLayout([1, 6, 3, 4], false);
  const N = 3;
  const rng = new Rng(17);
  const acts = (): Float64Array => Float64Array.from({ length: N * L.size }, () => rng.normal());

  it('channel, neuron and direction values follow their definitions', () => {
    const a = acts();
    const vec = Float64Array.from([1, -1, 0.5, 0, 2, -3]);
    const o = obj(term({ kind: 'channel', layer: 'a', channel: 2 }, 1, L, { channel: 2 }));
    const n = obj(term({ kind: 'neuron', layer: 'a', channel: 4 }, 1, L, { channel: 4, position: 7 }));
    const d = obj(term({ kind: 'direction', layer: 'a', vector: Array.from(vec) }, 1, L, { vector: vec }));
    const bo = new BatchObjective([o, n, d]);
    const v = bo.evaluate({ a }).total;
    let mean = 0;
    for (let p = 0; p < 12; p++) mean += a[2 * 12 + p]! / 12;
    expect(v[0]).toBeCloseTo(mean, 12);
    expect(v[1]).toBeCloseTo(a[L.size + 4 * 12 + 7]!, 12);
    let dir = 0;
    for (let c = 0; c < 6; c++) for (let p = 0; p < 12; p++) dir += (vec[c]! * a[2 * L.size + c * 12 + p]!) / 12;
    expect(v[2]).toBeCloseTo(dir, 12);
    // linear terms: gradient without activations equals gradient with them
    const g1 = new Float64Array(a.length), g2 = new Float64Array(a.length);
    bo.evaluate(undefined, { a: g1 });
    bo.evaluate({ a }, { a: g2 });
    expect(Array.from(g1)).toEqual(Array.from(g2));
    expect(bo.linear).toBe(true);
  });

  const gradCases: [string, ResolvedObjective][] = [
    ['channel − neuron + direction', obj(term({ kind: 'channel', layer: 'a', channel: 1 }, 2, L, { channel: 1 }), term({ kind: 'neuron', layer: 'a', channel: 3 }, -0.5, L, { channel: 3, position: 5 }), term({ kind: 'direction', layer: 'a', vector: [] }, 0.7, L, { vector: Float64Array.from([1, 2, 3, -1, -2, -3]) }))],
    ['deepdream', obj(term({ kind: 'layer', layer: 'a' }, 1.5, L))],
    ['prob (softmax over channels at every position)', obj(term({ kind: 'prob', target: 2 }, 1, L, { channel: 2 }))],
    ['diversity', obj(term({ kind: 'channel', layer: 'a', channel: 0 }, 1, L, { channel: 0 }), term({ kind: 'diversity', layer: 'a' }, 3, L))],
  ];
  for (const [name, o] of gradCases) {
    it(`gradient of ${name} matches finite differences`, () => {
      const bo = new BatchObjective([o, o, o], [0, 0, 0]);
      expect(checkActGrad(bo, acts(), rng)).toBeLessThan(1e-7);
    });
  }

  it('prob on a [N, K] logits tensor is the softmax probability', () => {
    const K = actLayout([1, 4], false);
    const bo = new BatchObjective([obj(term({ kind: 'prob', target: 1 }, 1, K, { channel: 1 }))]);
    const a = Float64Array.from([1, 2, 0.5, -1]);
    const z = a.reduce((s, v) => s + Math.exp(v), 0);
    expect(bo.evaluate({ a }).total[0]).toBeCloseTo(Math.exp(2) / z, 12);
    expect(bo.linear).toBe(false);
  });

  it('diversity is minus the mean pairwise cosine similarity of Gram matrices, within groups only', () => {
    const d = obj(term({ kind: 'diversity', layer: 'a' }, 1, L));
    const a = acts();
    // identical images: every pair has cosine 1 → value −(B−1)
    for (let i = 1; i < N; i++) a.copyWithin(i * L.size, 0, L.size);
    expect(new BatchObjective([d, d, d], [0, 0, 0]).evaluate({ a }).total[0]).toBeCloseTo(-2, 10);
    // groups {0, 1} and {2}: a singleton group has no diversity term
    const v = new BatchObjective([d, d, d], [0, 0, 1]).evaluate({ a }).total;
    expect(v[0]).toBeCloseTo(-1, 10);
    expect(v[2]).toBe(0);
    // gradient flows only within the group
    const g = new Float64Array(a.length);
    const b = acts();
    new BatchObjective([d, d, d], [0, 0, 1]).evaluate({ a: b }, { a: g });
    expect(g.subarray(2 * L.size).every((x) => x === 0)).toBe(true);
    expect(g.subarray(0, L.size).some((x) => x !== 0)).toBe(true);
  });
});

describe('image regularizers', () => {
  const C = 3, H = 5, W = 6, n = C * H * W;
  const rng = new Rng(23);

  const regCheck = (spec: TermSpec): number => {
    const bo = new BatchObjective([obj({ weight: 0.7, spec, linear: true })]);
    // values away from the kinks of |·| (pixels well apart, none near the constant)
    const x = Float64Array.from({ length: n }, (_, i) => 0.05 + 0.9 * ((i * 0.6180339887) % 1));
    const g = new Float64Array(n);
    bo.imageTerms(x, C, H, W, g);
    let worst = 0;
    const scale = Math.max(...Array.from(g, Math.abs));
    for (let k = 0; k < 30; k++) {
      const i = rng.int(n);
      const v = x[i]!;
      x[i] = v + 1e-7; const fp = bo.imageTerms(x, C, H, W)[0]!;
      x[i] = v - 1e-7; const fm = bo.imageTerms(x, C, H, W)[0]!;
      x[i] = v;
      worst = Math.max(worst, Math.abs((fp - fm) / 2e-7 - g[i]!) / scale);
    }
    return worst;
  };

  for (const spec of [{ kind: 'l1', constant: 0.5 }, { kind: 'l2' }, { kind: 'tv' }] as TermSpec[]) {
    it(`${spec.kind}: gradient matches finite differences`, () => {
      expect(regCheck(spec)).toBeLessThan(1e-6);
    });
  }

  it('values: l1 = mean |x − c|, l2 = RMS of x − c, tv = mean |neighbour differences|', () => {
    const x = new Float64Array(n).fill(0.5);
    x[0] = 1;
    const v = (spec: TermSpec): number => new BatchObjective([obj({ weight: 1, spec, linear: true })]).imageTerms(x, C, H, W)[0]!;
    expect(v({ kind: 'l1' })).toBeCloseTo(0.5 / n, 12);
    expect(v({ kind: 'l2' })).toBeCloseTo(Math.sqrt(0.25 / n), 6);
    expect(v({ kind: 'tv' })).toBeCloseTo(1 / n, 12); // pixel 0 differs from its right and lower neighbours by 0.5
  });

  it('blur: the update moves the image toward its 3x3 blur (gradient = weight·(x − blur(x))/n, blur held constant)', () => {
    const x = new Float64Array(n).fill(0.5);
    x[2 * W + 3] = 1; // a bright pixel in channel 0
    const g = new Float64Array(n);
    new BatchObjective([obj({ weight: -1, spec: { kind: 'blur' }, linear: true })]).imageTerms(x, C, H, W, g);
    // the centre weight 1 and ring ½ (sum 5): blur at the bright pixel = 0.5 + 0.5·1/5
    expect(g[2 * W + 3]).toBeCloseTo(-(1 - (0.5 + 0.1)) / n, 12);
    expect(g[2 * W + 4]).toBeCloseTo(-(0.5 - (0.5 + 0.5 * 0.5 / 5)) / n, 12);
  });
});
