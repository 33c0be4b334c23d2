/**
 * RISE — Petsiuk, Das & Saenko, "RISE: Randomized Input Sampling for Explanation of Black-box Models",
 * BMVC 2018, §3 (Eq. 6) and the mask procedure of §3.2:
 *
 * 1. sample N binary grids of s × s cells, each cell kept (1) with probability p;
 * 2. upsample each grid bilinearly to (s + 1)·C_H × (s + 1)·C_W, with cell size C = ⌈H/s⌉ × ⌈W/s⌉
 *    (the authors' code; half-pixel centres, borders replicated — skimage `resize(order=1,
 *    mode='reflect')`);
 * 3. crop H × W with a uniformly random offset in [0, C_H) × [0, C_W);
 *
 * then saliency S = Σᵢ f(x ⊙ Mᵢ) · Mᵢ / (N · p) (Eq. 6 estimated with E[M] = p). With a non-zero
 * `baseline` the masked input is x ⊙ M + b ⊙ (1 − M) (0 = the paper's x ⊙ M). Masks are drawn from the
 * seeded stream mask by mask (s² uniforms, then the row and column offsets), so the result depends on
 * the seed only, not on the batch size. Masks live only for their chunk (memory O(batch · H·W)) and
 * are applied inside the model (`forwardMasked`).
 */
import { defaultBlurSigma, makeBaseline } from '../baseline.ts';
import { Rng } from '../random.ts';
import type { ExplainContext, ExplainMethod, ExplainResult, ParamSpec } from '../types.ts';
import { definePerturbationMethod, finish, forwardMasked, startPerturbation } from './base.ts';

/** Parameters of {@link rise}. */
export interface RiseParams {
  /** Number of masks N. */
  n: number;
  /** Grid cells per side s (cell size = ⌈H/s⌉ × ⌈W/s⌉). */
  s: number;
  /** Probability p of keeping a cell. */
  p: number;
  /** What masked-out pixels become: 0 (the paper: x ⊙ M), another number, `'mean'` or `'blur'`. */
  baseline: number | 'mean' | 'blur';
  /** σ in pixels of the `'blur'` baseline; `'auto'` = min(H, W) / 8. */
  blurSigma: number | 'auto';
}

export const RISE_PARAMS: readonly ParamSpec[] = [
  { name: 'n', type: 'integer', default: 4000, min: 1, doc: 'number of random masks N (the paper uses 4000-8000)' },
  { name: 's', type: 'integer', default: 8, min: 1, doc: 'grid cells per side; cell size = ceil(H/s) x ceil(W/s) pixels' },
  { name: 'p', type: 'number', default: 0.5, min: 1e-6, max: 1, doc: 'probability of keeping a cell (the paper uses 0.5)' },
  { name: 'baseline', type: 'number|string', default: 0, choices: ['mean', 'blur'], doc: "what masked-out pixels become: 0 = the paper's x*M (model-input units), a number, 'mean' or 'blur'" },
  { name: 'blurSigma', type: 'number|string', default: 'auto', choices: ['auto'], min: 0, doc: "σ in pixels of the 'blur' baseline; auto = min(H, W) / 8" },
];

/** Bilinear taps (half-pixel centres, clamped) from an upsampled axis of `up` samples back to `n` cells. */
function upsampleTaps(n: number, up: number): { i0: Int32Array; i1: Int32Array; w1: Float32Array } {
  const i0 = new Int32Array(up), i1 = new Int32Array(up), w1 = new Float32Array(up);
  for (let u = 0; u < up; u++) {
    let src = ((u + 0.5) * n) / up - 0.5;
    if (src < 0) src = 0;
    let a = Math.floor(src);
    if (a >= n - 1) { a = n - 1; src = a; }
    i0[u] = a;
    i1[u] = Math.min(a + 1, n - 1);
    w1[u] = src - a;
  }
  return { i0, i1, w1 };
}

/**
 * A generator of RISE masks: `next(out)` writes the next H×W mask (values in [0, 1]) into `out`.
 * Exposed for tests and for anyone who wants the masks themselves.
 */
export function riseMasks(H: number, W: number, s: number, p: number, rng: Rng): { next(out: Float32Array): void; cellH: number; cellW: number } {
  const cellH = Math.ceil(H / s), cellW = Math.ceil(W / s);
  const upH = (s + 1) * cellH, upW = (s + 1) * cellW;
  const ty = upsampleTaps(s, upH), tx = upsampleTaps(s, upW);
  const grid = new Float32Array(s * s);
  const rows = new Float32Array(s * W);
  return {
    cellH,
    cellW,
    next(out: Float32Array): void {
      for (let i = 0; i < s * s; i++) grid[i] = rng.uniform() < p ? 1 : 0;
      const dy = rng.int(cellH), dx = rng.int(cellW);
      // Along x for every grid row, only the W columns of the crop.
      for (let r = 0; r < s; r++) {
        const g = r * s, o = r * W;
        for (let x = 0; x < W; x++) {
          const u = x + dx;
          const a = grid[g + tx.i0[u]!]!, b = grid[g + tx.i1[u]!]!;
          rows[o + x] = a + (b - a) * tx.w1[u]!;
        }
      }
      // Along y, only the H rows of the crop.
      for (let y = 0; y < H; y++) {
        const u = y + dy;
        const ra = ty.i0[u]! * W, rb = ty.i1[u]! * W, w = ty.w1[u]!;
        const o = y * W;
        for (let x = 0; x < W; x++) {
          const a = rows[ra + x]!;
          out[o + x] = a + (rows[rb + x]! - a) * w;
        }
      }
    },
  };
}

async function explainOne(ctx: ExplainContext, params: RiseParams): Promise<ExplainResult> {
  const run = await startPerturbation(ctx);
  const { img } = run;
  const { H, W } = img;
  const HW = H * W;
  const blurSigma = params.blurSigma === 'auto' ? defaultBlurSigma(H, W) : params.blurSigma;
  const base = makeBaseline(params.baseline, img, { blurSigma });
  const gen = riseMasks(H, W, params.s, params.p, new Rng(run.seed));
  const sal = new Float64Array(HW);
  await forwardMasked(run, base, params.n, (mask) => gen.next(mask), (_start, scores, masks) => {
    // Σ f(x ⊙ Mᵢ) Mᵢ, four masks per pass over the accumulator.
    const n = scores.length;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const f0 = scores[j]!, f1 = scores[j + 1]!, f2 = scores[j + 2]!, f3 = scores[j + 3]!;
      const o0 = j * HW, o1 = o0 + HW, o2 = o1 + HW, o3 = o2 + HW;
      for (let q = 0; q < HW; q++) sal[q]! += f0 * masks[o0 + q]! + f1 * masks[o1 + q]! + f2 * masks[o2 + q]! + f3 * masks[o3 + q]!;
    }
    for (; j < n; j++) {
      const f = scores[j]!, o = j * HW;
      for (let q = 0; q < HW; q++) sal[q]! += f * masks[o + q]!;
    }
  });
  const map = new Float32Array(HW);
  const norm = 1 / (params.n * params.p);
  for (let q = 0; q < HW; q++) map[q] = sal[q]! * norm;
  return finish(run, rise, { ...params, blurSigma }, map, { cellSize: [gen.cellH, gen.cellW] });
}

/**
 * RISE (Petsiuk et al. 2018): saliency from randomly masked copies, batched and seeded.
 * @example
 * const { map } = await rise.explain({ lens, input, seed: 1 }, { n: 4000, s: 8, p: 0.5 });
 */
export const rise: ExplainMethod<RiseParams> = definePerturbationMethod<RiseParams>({
  id: 'rise',
  title: 'RISE',
  citation: 'Petsiuk, Das & Saenko, "RISE: Randomized Input Sampling for Explanation of Black-box Models", BMVC 2018, Eq. 6 and §3.2',
  stochastic: true,
  params: RISE_PARAMS,
  explainOne,
});
