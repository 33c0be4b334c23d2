/**
 * Colour maps for rendering scalar maps (activations, CAMs, attributions) as images: 256-entry lookup
 * tables for the perceptual matplotlib maps (viridis, magma, inferno), Google's turbo, matplotlib's jet
 * and gray, and two diverging maps for signed values (coolwarm, rdbu). Any name may take an `_r` suffix
 * for the reversed map. Non-finite values are painted in a marker colour and counted, never dropped.
 *
 * Sources of the control points (linearly interpolated; entries are rounded to 8 bits):
 * - viridis / magma / inferno: matplotlib `_cm_listed.py` (van der Walt & Smith, CC0), every 8th of the
 *   256 entries plus the last one and 4 more at the curved ends.
 * - turbo: Anton Mikhailov's published 256-entry sRGB table (Google, Apache-2.0), sampled the same way.
 *   For all four, every LUT entry is within about 1/255 of the full table (checked in colormap.test.ts).
 * - jet: matplotlib `_cm.py` `_jet_data` segments (exact).
 * - coolwarm: Kenneth Moreland, "Diverging Color Maps for Scientific Visualization", CoolWarmFloat33 —
 *   the same 33 points matplotlib uses (exact up to rounding).
 * - rdbu: ColorBrewer RdBu (11 classes) reversed, i.e. matplotlib `RdBu_r`: blue for negative, white at 0,
 *   red for positive.
 */

import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { Rgb, RgbaImage } from './raster.ts';

/** Base colour map names; each also exists with an `_r` suffix (reversed). */
export const COLORMAP_BASE_NAMES = ['viridis', 'magma', 'inferno', 'turbo', 'jet', 'gray', 'coolwarm', 'rdbu'] as const;
export type ColormapBaseName = (typeof COLORMAP_BASE_NAMES)[number];
export type ColormapName = ColormapBaseName | `${ColormapBaseName}_r`;

/** Maps meant for signed data, centred on 0 by default. */
const DIVERGING: ReadonlySet<string> = new Set(['coolwarm', 'rdbu']);

/** Marker for NaN/±Inf: pure magenta, which none of the maps contain. */
export const NON_FINITE_COLOR: Rgb = [255, 0, 255];

// Listed maps: control points at table indices 0, 8, 16, ..., 248, 255 (r, g, b in [0, 1]), plus the
// entries 4, 12, 244 and 252 where the maps curve most (see EXTRA).
const LISTED_INDEX = [...Array.from({ length: 32 }, (_, k) => k * 8), 255];

const VIRIDIS = [
  [0.267004, 0.004874, 0.329415], [0.277018, 0.050344, 0.375715], [0.282327, 0.094955, 0.417331], [0.282884, 0.13592, 0.453427],
  [0.278826, 0.17549, 0.483397], [0.270595, 0.214069, 0.507052], [0.258965, 0.251537, 0.524736], [0.244972, 0.287675, 0.53726],
  [0.229739, 0.322361, 0.545706], [0.214298, 0.355619, 0.551184], [0.19943, 0.387607, 0.554642], [0.185556, 0.41857, 0.556753],
  [0.172719, 0.448791, 0.557885], [0.160665, 0.47854, 0.558115], [0.149039, 0.508051, 0.55725], [0.13777, 0.537492, 0.554906],
  [0.127568, 0.566949, 0.550556], [0.120565, 0.596422, 0.543611], [0.120638, 0.625828, 0.533488], [0.132268, 0.655014, 0.519661],
  [0.157851, 0.683765, 0.501686], [0.196571, 0.711827, 0.479221], [0.24607, 0.73891, 0.452024], [0.304148, 0.764704, 0.419943],
  [0.369214, 0.788888, 0.382914], [0.440137, 0.811138, 0.340967], [0.515992, 0.831158, 0.294279], [0.595839, 0.848717, 0.243329],
  [0.678489, 0.863742, 0.189503], [0.762373, 0.876424, 0.137064], [0.845561, 0.887322, 0.099702], [0.926106, 0.89733, 0.104071],
  [0.993248, 0.906157, 0.143936],
];

const MAGMA = [
  [0.001462, 0.000466, 0.013866], [0.013708, 0.011771, 0.068667], [0.039608, 0.03109, 0.133515], [0.074257, 0.052017, 0.20266],
  [0.113094, 0.065492, 0.276784], [0.159018, 0.068354, 0.352688], [0.211718, 0.061992, 0.418647], [0.265447, 0.060237, 0.46184],
  [0.316654, 0.07169, 0.48538], [0.366012, 0.090314, 0.49796], [0.414709, 0.110431, 0.504662], [0.463508, 0.129893, 0.507652],
  [0.512831, 0.148179, 0.507648], [0.562866, 0.165368, 0.504692], [0.613617, 0.181811, 0.498536], [0.664915, 0.198075, 0.488836],
  [0.716387, 0.214982, 0.47529], [0.767398, 0.233705, 0.457755], [0.816914, 0.255895, 0.436461], [0.86332, 0.283729, 0.412403],
  [0.904281, 0.31961, 0.388137], [0.937221, 0.364929, 0.368567], [0.960949, 0.418323, 0.35963], [0.97669, 0.476226, 0.364466],
  [0.9867, 0.535582, 0.38221], [0.992785, 0.594891, 0.410283], [0.996096, 0.653659, 0.446213], [0.997325, 0.711848, 0.488154],
  [0.996898, 0.769591, 0.534892], [0.995131, 0.827052, 0.585701], [0.99244, 0.88433, 0.640099], [0.989434, 0.94147, 0.697519],
  [0.987053, 0.991438, 0.749504],
];

const INFERNO = [
  [0.001462, 0.000466, 0.013866], [0.013995, 0.011225, 0.071862], [0.042253, 0.028139, 0.141141], [0.081962, 0.043328, 0.215289],
  [0.129285, 0.047293, 0.290788], [0.183429, 0.040329, 0.354971], [0.238273, 0.036621, 0.396353], [0.290763, 0.045644, 0.418637],
  [0.3415, 0.062325, 0.429425], [0.391453, 0.080927, 0.433109], [0.441207, 0.099338, 0.431594], [0.491022, 0.117179, 0.425552],
  [0.54092, 0.134729, 0.415123], [0.590734, 0.152563, 0.40029], [0.640135, 0.171438, 0.381065], [0.688653, 0.192239, 0.357603],
  [0.735683, 0.215906, 0.330245], [0.780517, 0.243327, 0.299523], [0.822386, 0.275197, 0.266085], [0.860533, 0.311892, 0.230606],
  [0.894305, 0.353399, 0.193584], [0.923215, 0.399359, 0.155193], [0.946965, 0.449191, 0.115272], [0.965397, 0.502249, 0.073859],
  [0.978422, 0.557937, 0.034931], [0.985952, 0.61575, 0.025592], [0.987874, 0.675267, 0.065257], [0.984075, 0.736087, 0.129527],
  [0.974638, 0.797692, 0.206332], [0.960626, 0.859069, 0.29801], [0.947594, 0.917399, 0.410665], [0.954529, 0.965896, 0.540361],
  [0.988362, 0.998364, 0.644924],
];

const TURBO = [
  [0.18995, 0.07176, 0.23217], [0.225, 0.16354, 0.45096], [0.25107, 0.25237, 0.63374], [0.26816, 0.33825, 0.7805],
  [0.27628, 0.42118, 0.89123], [0.27543, 0.50115, 0.96594], [0.25862, 0.57958, 0.99876], [0.21382, 0.65886, 0.97959],
  [0.15844, 0.73551, 0.92305], [0.11167, 0.80569, 0.84525], [0.09267, 0.86554, 0.7623], [0.12014, 0.91193, 0.6866],
  [0.19659, 0.94901, 0.59466], [0.30513, 0.97697, 0.48987], [0.42778, 0.99419, 0.38575], [0.54658, 0.99907, 0.29581],
  [0.64362, 0.98999, 0.23356], [0.72596, 0.9647, 0.2064], [0.80473, 0.92452, 0.20459], [0.8753, 0.87267, 0.21555],
  [0.93301, 0.81236, 0.22667], [0.97323, 0.74682, 0.22536], [0.99314, 0.67408, 0.20348], [0.99593, 0.58703, 0.16899],
  [0.9836, 0.49291, 0.12849], [0.95801, 0.39958, 0.08831], [0.92105, 0.31489, 0.05475], [0.87422, 0.24526, 0.03297],
  [0.81608, 0.18462, 0.01809], [0.74617, 0.13098, 0.00851], [0.66449, 0.08436, 0.00424], [0.57103, 0.04474, 0.00529],
  [0.4796, 0.01583, 0.01055],
];

/** Additional table entries at the strongly curved ends of the listed maps. */
const EXTRA: Record<'viridis' | 'magma' | 'inferno' | 'turbo', Record<number, readonly number[]>> = {
  viridis: { 4: [0.272594, 0.025563, 0.353093], 12: [0.280267, 0.073417, 0.397163], 244: [0.886271, 0.892374, 0.095374], 252: [0.964894, 0.902323, 0.123941] },
  magma: { 4: [0.00595, 0.004843, 0.03713], 12: [0.024792, 0.020715, 0.100676], 244: [0.99093, 0.912915, 0.668481], 252: [0.988033, 0.970012, 0.727077] },
  inferno: { 4: [0.006006, 0.004692, 0.038558], 12: [0.025793, 0.019331, 0.10593], 244: [0.946903, 0.943348, 0.47497], 252: [0.971162, 0.985282, 0.602154] },
  turbo: { 4: [0.2086, 0.11802, 0.34607], 12: [0.23915, 0.20833, 0.54686], 244: [0.61923, 0.06367, 0.0041], 252: [0.51989, 0.02756, 0.0078] },
};

/** matplotlib `_jet_data`: per channel (x, y) breakpoints. */
const JET: readonly (readonly (readonly [number, number])[])[] = [
  [[0, 0], [0.35, 0], [0.66, 1], [0.89, 1], [1, 0.5]],
  [[0, 0], [0.125, 0], [0.375, 1], [0.64, 1], [0.91, 0], [1, 0]],
  [[0, 0.5], [0.11, 1], [0.34, 1], [0.65, 0], [1, 0]],
];

/** Moreland's CoolWarmFloat33, evenly spaced at k/32. */
const COOLWARM_R = [0.2298057, 0.26623388, 0.30386891, 0.342804478, 0.38301334, 0.424369608, 0.46666708, 0.509635204, 0.552953156, 0.596262162, 0.639176211, 0.681291281, 0.722193294, 0.761464949, 0.798691636, 0.833466556, 0.865395197, 0.897787179, 0.924127593, 0.944468518, 0.958852946, 0.96732803, 0.969954137, 0.966811177, 0.958003065, 0.943660866, 0.923944917, 0.89904617, 0.869186849, 0.834620542, 0.795631745, 0.752534934, 0.705673158];
const COOLWARM_G = [0.298717966, 0.353094838, 0.406535296, 0.458757618, 0.50941904, 0.558148092, 0.604562568, 0.648280772, 0.688929332, 0.726149107, 0.759599947, 0.788964712, 0.813952739, 0.834302879, 0.849786142, 0.860207984, 0.86541021, 0.848937047, 0.827384882, 0.800927443, 0.769767752, 0.734132809, 0.694266682, 0.650421156, 0.602842431, 0.551750968, 0.49730856, 0.439559467, 0.378313092, 0.312874446, 0.24128379, 0.157246067, 0.01555616];
const COOLWARM_B = [0.753683153, 0.801466763, 0.84495867, 0.883725899, 0.917387822, 0.945619588, 0.968154911, 0.98478814, 0.995375608, 0.999836203, 0.998151185, 0.990363227, 0.976574709, 0.956945269, 0.931688648, 0.901068838, 0.865395561, 0.820880546, 0.774508472, 0.726736146, 0.678007945, 0.628751763, 0.579375448, 0.530263762, 0.481775914, 0.434243684, 0.387970225, 0.343229596, 0.300267182, 0.259301199, 0.220525627, 0.184115123, 0.150232812];

/** ColorBrewer RdBu, 11 classes, from negative (blue) to positive (red) — i.e. matplotlib RdBu_r. */
const RDBU_R = [
  [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31],
];

/** Piecewise-linear interpolation of y over breakpoints x (ascending), evaluated at t. */
function interp(t: number, xs: readonly number[], ys: readonly number[]): number {
  if (t <= xs[0]!) return ys[0]!;
  for (let k = 1; k < xs.length; k++) {
    if (t <= xs[k]!) {
      const x0 = xs[k - 1]!, x1 = xs[k]!;
      return ys[k - 1]! + ((ys[k]! - ys[k - 1]!) * (t - x0)) / (x1 - x0);
    }
  }
  return ys[ys.length - 1]!;
}

function lutFromChannels(channel: (c: 0 | 1 | 2, t: number) => number): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    for (const c of [0, 1, 2] as const) {
      const v = Math.round(channel(c, i / 255) * 255);
      lut[3 * i + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return lut;
}

function listed(points: readonly (readonly number[])[], extra: Record<number, readonly number[]>): Uint8Array {
  const all = LISTED_INDEX.map((i, k) => [i, ...points[k]!]);
  for (const [i, rgb] of Object.entries(extra)) all.push([Number(i), ...rgb]);
  all.sort((a, b) => a[0]! - b[0]!);
  const xs = all.map((p) => p[0]! / 255);
  const chans = [1, 2, 3].map((c) => all.map((p) => p[c]!));
  return lutFromChannels((c, t) => interp(t, xs, chans[c]!));
}

function evenly(ys: readonly number[]): number[] {
  return ys.map((_, k) => k / (ys.length - 1));
}

const BUILDERS: Record<ColormapBaseName, () => Uint8Array> = {
  viridis: () => listed(VIRIDIS, EXTRA.viridis),
  magma: () => listed(MAGMA, EXTRA.magma),
  inferno: () => listed(INFERNO, EXTRA.inferno),
  turbo: () => listed(TURBO, EXTRA.turbo),
  jet: () => lutFromChannels((c, t) => interp(t, JET[c]!.map((p) => p[0]), JET[c]!.map((p) => p[1]))),
  gray: () => lutFromChannels((_c, t) => t),
  coolwarm: () => {
    const ch = [COOLWARM_R, COOLWARM_G, COOLWARM_B];
    return lutFromChannels((c, t) => interp(t, evenly(ch[c]!), ch[c]!));
  },
  rdbu: () => {
    const ch = [0, 1, 2].map((c) => RDBU_R.map((p) => p[c]! / 255));
    return lutFromChannels((c, t) => interp(t, evenly(ch[c]!), ch[c]!));
  },
};

const cache = new Map<string, Uint8Array>();

function parseName(name: string): { base: ColormapBaseName; reversed: boolean } {
  const reversed = name.endsWith('_r');
  const base = (reversed ? name.slice(0, -2) : name) as ColormapBaseName;
  if (!(COLORMAP_BASE_NAMES as readonly string[]).includes(base)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown colour map '${name}'`, {
      hint: `use one of ${COLORMAP_BASE_NAMES.join(', ')} (add _r to reverse)`,
      details: { candidates: [...COLORMAP_BASE_NAMES] },
    });
  }
  return { base, reversed };
}

/** The 256-entry lookup table of a colour map, as 768 bytes `r0 g0 b0 r1 g1 b1 ...` (do not mutate). */
export function colormapLut(name: ColormapName): Uint8Array {
  let lut = cache.get(name);
  if (lut) return lut;
  const { base, reversed } = parseName(name);
  lut = BUILDERS[base]();
  if (reversed) {
    const r = new Uint8Array(768);
    for (let i = 0; i < 256; i++) r.set(lut.subarray(3 * (255 - i), 3 * (255 - i) + 3), 3 * i);
    lut = r;
  }
  cache.set(name, lut);
  return lut;
}

/** True for maps meant for signed data (centred on 0 by default). */
export function isDivergingColormap(name: ColormapName): boolean {
  return DIVERGING.has(parseName(name).base);
}

/** Options for {@link applyColormap}. */
export interface ColormapOptions {
  /** Colour map. Default `'viridis'`. */
  name?: ColormapName;
  /**
   * Value drawn with the first colour. Default: the smallest finite value, or `-max|x|` for diverging maps
   * (so 0 sits in the middle).
   */
  min?: number;
  /** Value drawn with the last colour. Default: the largest finite value, or `max|x|` for diverging maps. */
  max?: number;
  /** Colour for NaN and ±Inf. Default {@link NON_FINITE_COLOR} (magenta). */
  nonFiniteColor?: Rgb;
}

/** A rendered map plus what the caller should report: the range used and how many values were not finite. */
export interface ColormapResult extends RgbaImage {
  readonly min: number;
  readonly max: number;
  readonly nonFinite: number;
}

/**
 * Renders a `w` × `h` scalar map as an opaque RGBA image. Values are mapped linearly from [min, max] onto
 * the 256 colours (index `floor(256 * t)`, clamped, as matplotlib does); values outside the range take the
 * end colours; NaN/±Inf are drawn in `nonFiniteColor` and counted. A constant map renders as the lowest
 * colour (the middle one for diverging maps).
 *
 * @example
 * const img = applyColormap(cam, 7, 7, { name: 'jet' });
 * if (img.nonFinite > 0) console.warn(`${img.nonFinite} values were NaN/Inf`);
 */
export function applyColormap(values: Float32Array | Float64Array, w: number, h: number, opts: ColormapOptions = {}): ColormapResult {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 0 || h < 0 || values.length !== w * h) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `applyColormap: ${values.length} values do not make a ${w}x${h} map`);
  }
  const name = opts.name ?? 'viridis';
  const lut = colormapLut(name);
  const diverging = isDivergingColormap(name);
  let lo = Infinity, hi = -Infinity, nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) { lo = 0; hi = 0; } // no finite values at all
  if (diverging && opts.min === undefined && opts.max === undefined) {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -m; hi = m;
  }
  const min = opts.min ?? lo, max = opts.max ?? hi;
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `applyColormap: invalid range [${min}, ${max}]`, { hint: 'min and max must be finite with min <= max' });
  }
  const marker = opts.nonFiniteColor ?? NON_FINITE_COLOR;
  const span = max - min;
  const constantIndex = diverging ? 128 : 0;
  const out = new Uint8Array(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const o = 4 * i;
    out[o + 3] = 255;
    if (!Number.isFinite(v)) { out[o] = marker[0]; out[o + 1] = marker[1]; out[o + 2] = marker[2]; continue; }
    let k: number;
    if (span > 0) {
      k = Math.floor(((v - min) / span) * 256);
      k = k < 0 ? 0 : k > 255 ? 255 : k;
    } else {
      k = v > max ? 255 : v < min ? 0 : constantIndex;
    }
    out[o] = lut[3 * k]!; out[o + 1] = lut[3 * k + 1]!; out[o + 2] = lut[3 * k + 2]!;
  }
  return { width: w, height: h, channels: 4, data: out, min, max, nonFinite };
}

/** A horizontal colour bar (low on the left) for legends: `width` × `height` pixels. */
export function colorbar(name: ColormapName, width = 256, height = 12): RgbaImage {
  const row = Float32Array.from({ length: width }, (_, x) => (width > 1 ? x / (width - 1) : 0));
  const values = new Float32Array(width * height);
  for (let y = 0; y < height; y++) values.set(row, y * width);
  const { data } = applyColormap(values, width, height, { name, min: 0, max: 1 });
  return { width, height, channels: 4, data };
}
