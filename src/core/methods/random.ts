/**
 * The seedable pseudo-random generator every stochastic explanation method draws from (RISE masks,
 * LIME/KernelSHAP coalitions, SmoothGrad noise...), so a run is reproduced exactly from the seed in its
 * manifest, on every platform.
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
 * 2021), state seeded from the 64-bit integer seed with SplitMix32-style mixing. Only 32-bit integer
 * arithmetic (`Math.imul`, shifts) is used, so {@link Rng.uint32}, {@link Rng.uniform},
 * {@link Rng.int}, {@link Rng.bernoulli} and {@link Rng.permutation} give bit-identical streams on
 * every JavaScript engine. {@link Rng.normal} goes through `Math.log`/`Math.cos`, whose last bit the
 * ECMAScript spec leaves to the engine: its values agree across engines to ~1 ulp, not bit for bit.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';

/** Seed used when a caller gives none (runs are reproducible by default). */
export const DEFAULT_SEED = 0;

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** SplitMix32-style finaliser (Murmur3 fmix32 on a Weyl sequence). */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seeded random stream.
 *
 * @example
 * const rng = new Rng(42);
 * rng.uniform();      // a float in [0, 1)
 * rng.int(10);        // an integer in 0..9, unbiased
 * rng.bernoulli(0.5); // true with probability 0.5
 */
export class Rng {
  /** The seed this stream started from. */
  readonly seed: number;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  /**
   * @param seed a safe integer (negative values and values above 2^32 are fine: the low and high 32-bit
   *   words both enter the state)
   */
  constructor(seed: number = DEFAULT_SEED) {
    if (!Number.isSafeInteger(seed)) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `seed must be an integer, got ${seed}`, { hint: 'pass e.g. --seed 0' });
    }
    this.seed = seed;
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    let w = (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
    const next = (): number => {
      w = (w + 0x9e3779b9) >>> 0;
      return mix32(w ^ Math.imul(hi + 1, 0x632be5ab));
    };
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A stream started from a raw xoshiro128** state (four uint32 words, not all zero); for tests against the reference C code. */
  static fromState(state: readonly [number, number, number, number]): Rng {
    const r = new Rng(0);
    [r.s0, r.s1, r.s2, r.s3] = state.map((x) => x >>> 0) as [number, number, number, number];
    r.spare = undefined;
    return r;
  }

  /** Next 32 random bits as an unsigned integer. */
  uint32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 = s2 ^ s0;
    this.s3 = s3 ^ s1;
    this.s1 = s1 ^ this.s2;
    this.s0 = s0 ^ this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** A float in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.uint32() >>> 5, b = this.uint32() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** An integer in `0 .. n-1`, exactly uniform (rejection sampling), for 1 ≤ n ≤ 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new ConvlensError(ErrorCodes.BAD_USAGE, `Rng.int: n must be an integer in 1..2^32, got ${n}`);
    if (n === 1) return 0;
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x: number;
    do x = this.uint32(); while (x >= limit);
    return x % n;
  }

  /** True with probability `p` (one {@link uniform} draw). */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** A standard normal draw (Box–Muller; pairs are cached). Not bit-identical across engines, see the module header. */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with a uniformly random permutation of `0 .. out.length-1` (Fisher–Yates). */
  permutation(out: Int32Array): Int32Array {
    const n = out.length;
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }
}
