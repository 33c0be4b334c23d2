/**
 * Scaling raw maps (activations, CAMs, gradients, attributions) to a display range before colouring:
 * per-map min-max, one min-max shared across maps (so they are comparable), symmetric around 0 for
 * signed data, and outlier clipping like Captum's visualisation. Every function skips NaN/±Inf when
 * computing statistics, leaves them as NaN in the output (so the colour map marks them), and reports how
 * many there were.
 */

import { ConvlensError, ErrorCodes } from '../errors.ts';

type Values = ArrayLike<number>;

/** Statistics over the finite values of a map. */
export interface FiniteStats {
  /** Smallest / largest finite value; both NaN when there is none. */
  min: number;
  max: number;
  /** Count of finite values. */
  finite: number;
  /** Count of NaN and ±Inf values. */
  nonFinite: number;
}

/** A map scaled for display. */
export interface NormalizedMap {
  /** Scaled values; non-finite inputs are NaN here. */
  values: Float32Array;
  /** The input values that were mapped to the bottom / top of the output range. */
  low: number;
  high: number;
  /** NaN/±Inf values in the input. */
  nonFinite: number;
}

/** Min, max and counts over the finite values. */
export function finiteStats(values: Values): FiniteStats {
  let min = Infinity, max = -Infinity, finite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    finite++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return finite === 0 ? { min: NaN, max: NaN, finite, nonFinite: values.length } : { min, max, finite, nonFinite: values.length - finite };
}

function scale(values: Values, low: number, high: number, clampTo: readonly [number, number] | null): Float32Array {
  const out = new Float32Array(values.length);
  const span = high - low;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) { out[i] = NaN; continue; }
    let s = span > 0 ? (v - low) / span : 0;
    if (clampTo) s = s < clampTo[0] ? clampTo[0] : s > clampTo[1] ? clampTo[1] : s;
    out[i] = s;
  }
  return out;
}

/** Options for {@link normalizeMinMax}. */
export interface MinMaxOptions {
  /** Fixed input range `[low, high]` instead of the map's own min/max (values outside are clamped). */
  range?: readonly [number, number];
}

/**
 * Scales a map to [0, 1] with its own finite min and max (or `opts.range`). A constant map becomes all 0.
 *
 * @example
 * const { values } = normalizeMinMax(cam);  // then applyColormap(values, w, h, { min: 0, max: 1 })
 */
export function normalizeMinMax(values: Values, opts: MinMaxOptions = {}): NormalizedMap {
  const st = finiteStats(values);
  let low = st.finite ? st.min : 0, high = st.finite ? st.max : 0;
  if (opts.range) {
    [low, high] = opts.range;
    if (!Number.isFinite(low) || !Number.isFinite(high) || high < low) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `normalizeMinMax: invalid range [${low}, ${high}]`);
    }
  }
  return { values: scale(values, low, high, [0, 1]), low, high, nonFinite: st.nonFinite };
}

/**
 * Scales several maps to [0, 1] with one min and max taken over all of them, so equal values get equal
 * colours across maps (e.g. all channels of one layer).
 */
export function normalizeShared(maps: readonly Values[]): NormalizedMap[] {
  let low = Infinity, high = -Infinity;
  const stats = maps.map(finiteStats);
  for (const s of stats) {
    if (s.finite === 0) continue;
    low = Math.min(low, s.min);
    high = Math.max(high, s.max);
  }
  if (low > high) { low = 0; high = 0; }
  return maps.map((m, i) => ({ values: scale(m, low, high, [0, 1]), low, high, nonFinite: stats[i]!.nonFinite }));
}

/**
 * Scales a signed map to [-1, 1] by its largest finite magnitude, keeping 0 at 0 (for diverging colour
 * maps). `low`/`high` are `-m`/`m`.
 */
export function normalizeSymmetric(values: Values): NormalizedMap {
  const st = finiteStats(values);
  const m = st.finite ? Math.max(Math.abs(st.min), Math.abs(st.max)) : 0;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = !Number.isFinite(v) ? NaN : m > 0 ? v / m : 0;
  }
  return { values: out, low: -m, high: m, nonFinite: st.nonFinite };
}

/** Which part of a signed attribution to show (Captum's `sign` argument). */
export type AttributionSign = 'all' | 'positive' | 'negative' | 'absolute';

/** Options for {@link normalizeOutliers}. */
export interface OutlierOptions {
  /**
   * - `'absolute'` (default): |x| scaled to [0, 1].
   * - `'all'`: x scaled to [-1, 1] by a threshold on |x|.
   * - `'positive'`: only x > 0 (others 0), to [0, 1].
   * - `'negative'`: only x < 0 (others 0), as magnitudes in [0, 1].
   */
  sign?: AttributionSign;
  /** Percent of the mass (or of the values, for `'quantile'`) treated as outliers and clipped. Default 2. */
  outlierPercent?: number;
  /**
   * How the clipping threshold is found among the non-negative magnitudes:
   * - `'cumulative-sum'` (default, Captum's `_cumulative_sum_threshold`): the smallest sorted value at which
   *   the running sum reaches (100 - outlierPercent)% of the total — a threshold on attribution *mass*.
   * - `'quantile'`: the (100 - outlierPercent)th percentile of the magnitudes (numpy's linear interpolation).
   */
  threshold?: 'cumulative-sum' | 'quantile';
}

/** (100 - outlierPercent)-th threshold over non-negative finite magnitudes. */
function outlierThreshold(mags: Float64Array, percent: number, mode: 'cumulative-sum' | 'quantile'): number {
  if (mags.length === 0) return 0;
  const sorted = mags.slice().sort();
  const p = (100 - percent) / 100;
  if (mode === 'quantile') {
    const pos = p * (sorted.length - 1);
    const i = Math.floor(pos);
    const f = pos - i;
    return i + 1 < sorted.length ? sorted[i]! + f * (sorted[i + 1]! - sorted[i]!) : sorted[i]!;
  }
  const total = sorted.reduce((a, b) => a + b, 0);
  const target = total * p;
  let cum = 0;
  for (let i = 0; i < sorted.length; i++) {
    cum += sorted[i]!;
    if (cum >= target) return sorted[i]!;
  }
  return sorted[sorted.length - 1]!;
}

/**
 * Clips outliers and scales an attribution map for display, following Captum's
 * `visualization._normalize_attr`: pick the values selected by `sign`, find a threshold that leaves out
 * the top `outlierPercent`, divide by it and clip to [-1, 1] (`'all'`) or [0, 1] (other signs).
 * If the threshold is 0 (no signal) the result is all zeros instead of Captum's assertion.
 *
 * @example
 * const shown = normalizeOutliers(saliency, { sign: 'absolute', outlierPercent: 2 });
 */
export function normalizeOutliers(values: Values, opts: OutlierOptions = {}): NormalizedMap {
  const sign = opts.sign ?? 'absolute';
  const percent = opts.outlierPercent ?? 2;
  if (!(percent >= 0 && percent < 100)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `outlierPercent must be in [0, 100), got ${percent}`);
  if (!['all', 'positive', 'negative', 'absolute'].includes(sign)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown sign '${String(sign)}'`, { hint: "use 'all', 'positive', 'negative' or 'absolute'" });
  }
  const pick = (v: number): number => (sign === 'positive' ? (v > 0 ? v : 0) : sign === 'negative' ? (v < 0 ? -v : 0) : Math.abs(v));
  let finite = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite++;
  const mags = new Float64Array(finite);
  for (let i = 0, k = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) mags[k++] = pick(v);
  }
  const t = outlierThreshold(mags, percent, opts.threshold ?? 'cumulative-sum');
  const out = new Float32Array(values.length);
  const lo = sign === 'all' ? -1 : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) { out[i] = NaN; continue; }
    const x = sign === 'all' ? v : pick(v);
    const s = t > 0 ? x / t : 0;
    out[i] = s < lo ? lo : s > 1 ? 1 : s;
  }
  return { values: out, low: sign === 'all' ? -t : 0, high: t, nonFinite: values.length - finite };
}

/**
 * The `[low, high]` percentiles of the finite values (numpy linear interpolation), e.g. `[2, 98]`, for use
 * as `normalizeMinMax(values, { range })` when a few extreme values would wash out the rest.
 */
export function percentileRange(values: Values, lowPercent: number, highPercent: number): [number, number] {
  if (!(lowPercent >= 0 && highPercent <= 100 && lowPercent <= highPercent)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `percentileRange: need 0 <= low <= high <= 100, got ${lowPercent}, ${highPercent}`);
  }
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
  if (finite.length === 0) return [0, 0];
  const sorted = Float64Array.from(finite).sort();
  const q = (p: number): number => {
    const pos = (p / 100) * (sorted.length - 1);
    const i = Math.floor(pos);
    return i + 1 < sorted.length ? sorted[i]! + (pos - i) * (sorted[i + 1]! - sorted[i]!) : sorted[i]!;
  };
  return [q(lowPercent), q(highPercent)];
}
